//! The synthetic camera frames of `cargo xtask bench qr`: QR codes of versions 1–25 at 2–8
//! camera pixels per module in a 1280×720 greyscale frame, clean and under nine kinds of harm a
//! phone camera meets (blur, noise, perspective, rotation, inversion, low contrast, glare,
//! screen moiré). Deterministic: the same seed gives the same frames.

use std::path::Path;

use qrcode::{Color, EcLevel, QrCode, Version};
use serde_json::{Value, json};

pub const WIDTH: u32 = 1280;
pub const HEIGHT: u32 = 720;
const QUIET_ZONE: u32 = 4;
pub const VERSIONS: [i16; 11] = [1, 2, 3, 4, 5, 7, 10, 13, 16, 20, 25];
pub const SCALES: [u32; 6] = [2, 3, 4, 5, 6, 8];
/// Room left for rotation and perspective: a code with its quiet zone spans at most this much
/// of the frame's height.
const MAX_SPAN: f64 = HEIGHT as f64 / 1.35;

/// What was done to a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Clean,
    Blur,
    Noise,
    Perspective,
    Rotation,
    Inverted,
    LowContrast,
    Glare,
    Moire,
}

impl Condition {
    pub const ALL: [Condition; 9] = [
        Condition::Clean,
        Condition::Blur,
        Condition::Noise,
        Condition::Perspective,
        Condition::Rotation,
        Condition::Inverted,
        Condition::LowContrast,
        Condition::Glare,
        Condition::Moire,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Condition::Clean => "clean",
            Condition::Blur => "blur",
            Condition::Noise => "noise",
            Condition::Perspective => "perspective",
            Condition::Rotation => "rotation",
            Condition::Inverted => "inverted",
            Condition::LowContrast => "low contrast",
            Condition::Glare => "glare",
            Condition::Moire => "moiré",
        }
    }
}

/// xorshift64*: small, seeded, good enough for test pictures.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal sample (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A code filled to about 90 % of its version's byte capacity at `level`, with printable text.
pub fn code_of_version(version: i16, level: EcLevel, rng: &mut Rng) -> Option<(QrCode, String)> {
    let fits = |len: usize, rng: &mut Rng| {
        let text: String = (0..len)
            .map(|_| char::from(b'!' + (rng.next() % 94) as u8))
            .collect();
        QrCode::with_version(text.as_bytes(), Version::Normal(version), level)
            .ok()
            .map(|code| (code, text))
    };
    let mut capacity = 1;
    while fits(capacity * 2, rng).is_some() {
        capacity *= 2;
    }
    let (mut low, mut high) = (capacity, capacity * 2);
    while high - low > 1 {
        let mid = (low + high) / 2;
        if fits(mid, rng).is_some() {
            low = mid;
        } else {
            high = mid;
        }
    }
    fits((low * 9 / 10).max(1), rng)
}

/// Where a frame pixel comes from in the code's own coordinates (modules, quiet zone included):
/// an inverse mapping, a 3×3 homography.
type Homography = [[f64; 3]; 3];

fn map(h: &Homography, x: f64, y: f64) -> (f64, f64) {
    let w = h[2][0] * x + h[2][1] * y + h[2][2];
    (
        (h[0][0] * x + h[0][1] * y + h[0][2]) / w,
        (h[1][0] * x + h[1][1] * y + h[1][2]) / w,
    )
}

/// The projective map of the unit square onto `quad` (corners in the order (0,0), (1,0),
/// (1,1), (0,1)), after Heckbert's "Fundamentals of Texture Mapping" (1989).
fn square_to_quad(quad: [(f64, f64); 4]) -> Homography {
    let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = quad;
    let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
    let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
    let det = dx1 * dy2 - dx2 * dy1;
    let g = (dx3 * dy2 - dx2 * dy3) / det;
    let h = (dx1 * dy3 - dx3 * dy1) / det;
    [
        [x1 - x0 + g * x1, x3 - x0 + h * x3, x0],
        [y1 - y0 + g * y1, y3 - y0 + h * y3, y0],
        [g, h, 1.0],
    ]
}

/// The adjugate of `m`: its inverse up to a factor, which a homography does not mind.
fn adjugate(m: &Homography) -> Homography {
    let c =
        |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    [
        [c(1, 2, 1, 2), -c(0, 2, 1, 2), c(0, 1, 1, 2)],
        [-c(1, 2, 0, 2), c(0, 2, 0, 2), -c(0, 1, 0, 2)],
        [c(1, 2, 0, 1), -c(0, 2, 0, 1), c(0, 1, 0, 1)],
    ]
}

/// Renders `code` into a frame: a grey gradient background, the code (with its quiet zone, on
/// white) centred at `scale` pixels a module, placed by `condition`'s geometry; 4× supersampled.
fn render(code: &QrCode, scale: u32, condition: Condition, rng: &mut Rng) -> Vec<f64> {
    let modules = code.width() as i64;
    let colors = code.to_colors();
    let span = (modules as u32 + 2 * QUIET_ZONE) as f64;
    let size = span * f64::from(scale);
    let (cx, cy) = (
        f64::from(WIDTH) / 2.0 + (rng.unit() - 0.5) * 80.0,
        f64::from(HEIGHT) / 2.0 + (rng.unit() - 0.5) * 40.0,
    );
    // Frame → code coordinates (in modules, 0 at the quiet zone's corner).
    let inverse: Homography = match condition {
        Condition::Rotation => {
            let angle = 20f64.to_radians();
            let (s, c) = angle.sin_cos();
            let k = 1.0 / f64::from(scale);
            [
                [c * k, s * k, span / 2.0 - k * (c * cx + s * cy)],
                [-s * k, c * k, span / 2.0 - k * (-s * cx + c * cy)],
                [0.0, 0.0, 1.0],
            ]
        }
        Condition::Perspective => {
            // A code tilted away on its vertical axis: the right edge is farther, so shorter.
            let (half, near, far) = (size / 2.0, size / 2.0, size * 0.35);
            let quad = [
                (cx - half, cy - near),
                (cx + half * 0.8, cy - far),
                (cx + half * 0.8, cy + far),
                (cx - half, cy + near),
            ];
            let to_frame = square_to_quad(quad);
            let to_square = adjugate(&to_frame);
            [
                [
                    span * to_square[0][0],
                    span * to_square[0][1],
                    span * to_square[0][2],
                ],
                [
                    span * to_square[1][0],
                    span * to_square[1][1],
                    span * to_square[1][2],
                ],
                to_square[2],
            ]
        }
        _ => {
            let k = 1.0 / f64::from(scale);
            [
                [k, 0.0, span / 2.0 - k * cx],
                [0.0, k, span / 2.0 - k * cy],
                [0.0, 0.0, 1.0],
            ]
        }
    };
    let dark = |u: f64, v: f64| {
        let (mx, my) = (
            u.floor() as i64 - i64::from(QUIET_ZONE),
            v.floor() as i64 - i64::from(QUIET_ZONE),
        );
        if u < 0.0 || v < 0.0 || u >= span || v >= span {
            return None;
        }
        Some(
            (0..modules).contains(&mx)
                && (0..modules).contains(&my)
                && colors[(my * modules + mx) as usize] == Color::Dark,
        )
    };
    let mut out = Vec::with_capacity((WIDTH * HEIGHT) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let background = 150.0 + 50.0 * f64::from(x) / f64::from(WIDTH);
            let mut sum = 0.0;
            for (dx, dy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let (u, v) = map(&inverse, f64::from(x) + dx, f64::from(y) + dy);
                sum += match dark(u, v) {
                    Some(true) => 25.0,
                    Some(false) => 235.0,
                    None => background,
                };
            }
            out.push(sum / 4.0);
        }
    }
    out
}

fn box_blur(pixels: &mut [f64], radius: usize) {
    let (w, h) = (WIDTH as usize, HEIGHT as usize);
    let mut line = vec![0.0; w.max(h)];
    for pass in 0..2 {
        let (outer, inner) = if pass == 0 { (h, w) } else { (w, h) };
        for o in 0..outer {
            let at = |i: usize| if pass == 0 { o * w + i } else { i * w + o };
            for (i, slot) in line.iter_mut().enumerate().take(inner) {
                let (a, b) = (i.saturating_sub(radius), (i + radius).min(inner - 1));
                *slot = (a..=b).map(|j| pixels[at(j)]).sum::<f64>() / (b - a + 1) as f64;
            }
            for (i, value) in line.iter().enumerate().take(inner) {
                pixels[at(i)] = *value;
            }
        }
    }
}

/// The frame of `code` at `scale` under `condition`, as greyscale bytes.
fn frame(code: &QrCode, scale: u32, condition: Condition, rng: &mut Rng) -> Vec<u8> {
    let mut pixels = render(code, scale, condition, rng);
    match condition {
        Condition::Blur => {
            let radius = (scale as usize / 2).max(1);
            box_blur(&mut pixels, radius);
            box_blur(&mut pixels, radius);
        }
        Condition::Noise => {
            for p in &mut pixels {
                *p += 28.0 * rng.normal();
            }
        }
        Condition::Inverted => {
            for p in &mut pixels {
                *p = 255.0 - *p;
            }
        }
        Condition::LowContrast => {
            for p in &mut pixels {
                *p = 95.0 + *p * 60.0 / 255.0;
            }
        }
        Condition::Glare => {
            // A bright reflection over part of the code.
            let (gx, gy) = (
                f64::from(WIDTH) / 2.0 + 30.0,
                f64::from(HEIGHT) / 2.0 - 40.0,
            );
            let radius = f64::from(scale) * 9.0 + 40.0;
            for (i, p) in pixels.iter_mut().enumerate() {
                let (x, y) = ((i as u32 % WIDTH) as f64, (i as u32 / WIDTH) as f64);
                let d = ((x - gx).powi(2) + ((y - gy) * 1.6).powi(2)).sqrt() / radius;
                *p += 190.0 * (-d * d).exp();
            }
        }
        Condition::Moire => {
            // A screen photographed: a stripe pattern near the module pitch.
            let period = f64::from(scale) * 1.13;
            let (s, c) = 7f64.to_radians().sin_cos();
            for (i, p) in pixels.iter_mut().enumerate() {
                let (x, y) = ((i as u32 % WIDTH) as f64, (i as u32 / WIDTH) as f64);
                let phase = std::f64::consts::TAU * (x * c + y * s) / period;
                *p *= 0.8 + 0.2 * phase.sin();
            }
        }
        Condition::Clean | Condition::Perspective | Condition::Rotation => {}
    }
    pixels
        .iter()
        .map(|p| p.round().clamp(0.0, 255.0) as u8)
        .collect()
}

/// Writes every frame that fits as `dir/fNNNN.png` and returns the manifest: one object a
/// frame with `file`, `version`, `scale`, `condition` and the `text` its code holds.
pub fn write(dir: &Path, seed: u64) -> Result<Vec<Value>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut rng = Rng(seed | 1);
    let mut manifest = Vec::new();
    for version in VERSIONS {
        let (code, text) = code_of_version(version, EcLevel::M, &mut rng)
            .ok_or_else(|| format!("no code of version {version}"))?;
        let span = code.width() as u32 + 2 * QUIET_ZONE;
        for scale in SCALES {
            if f64::from(span * scale) > MAX_SPAN {
                continue;
            }
            for condition in Condition::ALL {
                let file = format!("f{:04}.png", manifest.len());
                let pixels = frame(&code, scale, condition, &mut rng);
                let image =
                    image::GrayImage::from_raw(WIDTH, HEIGHT, pixels).ok_or("frame size")?;
                image
                    .save(dir.join(&file))
                    .map_err(|e| format!("cannot write {file}: {e}"))?;
                manifest.push(json!({
                    "file": file,
                    "version": version,
                    "scale": scale,
                    "condition": condition.name(),
                    "text": text,
                }));
            }
        }
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_frames_read_and_codes_fill_their_version() {
        let mut rng = Rng(7);
        let (code, text) = code_of_version(5, EcLevel::M, &mut rng).unwrap();
        assert_eq!(code.version(), Version::Normal(5));
        assert!(text.len() > 60, "{}", text.len());
        for condition in [
            Condition::Clean,
            Condition::Rotation,
            Condition::Perspective,
            Condition::Inverted,
        ] {
            let pixels = frame(&code, 4, condition, &mut rng);
            let image = qrdecode::Image::new(WIDTH, HEIGHT, &pixels).unwrap();
            let found = qrdecode::decode(&image, &qrdecode::Pipeline::THOROUGH).found;
            assert_eq!(
                found.map(|f| f.text()).as_deref(),
                Some(text.as_str()),
                "{}",
                condition.name()
            );
        }
    }
}
