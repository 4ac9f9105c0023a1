//! The pictures of `cargo xtask bench qr` that are not camera frames: what a person uploads or
//! holds up close, the three kinds real pictures showed the decoder losing on. Codes cropped
//! tight (a quiet zone of 0 to 1 module) at 2 to 3.2 pixels a module; tiny pictures, 60 to 120
//! pixels a side; and codes with a logo over their centre, covering about the largest share of
//! the symbol each error-correction level survives. Drawn with 4×4 supersampling (module edges
//! fall between pixels, as in a photo), on a light ground with a gentle gradient, some softened
//! by a 3×3 box blur, all with a little noise. Deterministic: the same seed gives the same
//! pictures.

use std::path::Path;

use qrcode::{Color, EcLevel, QrCode};
use serde_json::{Value, json};

use super::qr_frames::{Rng, code_of_version};

/// What kind of picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Tight,
    Tiny,
    Logo,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Tight, Kind::Tiny, Kind::Logo];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Tight => "tight crop",
            Kind::Tiny => "tiny picture",
            Kind::Logo => "centre logo",
        }
    }
}

/// The share of the symbol a centre logo covers at each level: about half of what the level
/// restores (7, 15, 25 and 30 % of codewords), since a covered module is an error in an unknown
/// place, which costs two correction symbols.
pub const LOGO_SHARE: [(EcLevel, &str, f64); 4] = [
    (EcLevel::L, "L", 0.03),
    (EcLevel::M, "M", 0.07),
    (EcLevel::Q, "Q", 0.11),
    (EcLevel::H, "H", 0.14),
];

/// How a picture is drawn.
struct Look {
    /// Pixels a module.
    ppm: f64,
    /// Quiet zone kept around the code, in modules.
    margin: f64,
    /// Share of the symbol's area under the logo.
    logo: f64,
    blur: bool,
}

/// The picture of `code`, as greyscale bytes, with its size.
fn draw(code: &QrCode, look: &Look, rng: &mut Rng) -> (Vec<u8>, u32) {
    let modules = code.width() as f64;
    let colors = code.to_colors();
    let span = modules + 2.0 * look.margin;
    let side = (span * look.ppm).round().max(21.0) as u32;
    let scale = f64::from(side) / span;
    // The logo: a square centred on the symbol, a flat mid-grey with a dark disc, as printed.
    let half = (look.logo * modules * modules).sqrt() / 2.0;
    let centre = modules / 2.0;
    let shade = |u: f64, v: f64| -> f64 {
        let (mu, mv) = (u - look.margin, v - look.margin);
        if (mu - centre).abs() < half && (mv - centre).abs() < half {
            let r = ((mu - centre).powi(2) + (mv - centre).powi(2)).sqrt();
            return if r < half * 0.7 { 45.0 } else { 150.0 };
        }
        let (x, y) = (mu.floor(), mv.floor());
        let inside = x >= 0.0 && y >= 0.0 && x < modules && y < modules;
        let dark = inside && colors[(y as usize) * code.width() + x as usize] == Color::Dark;
        if dark { 30.0 } else { 225.0 }
    };
    let n = side as usize;
    let mut pixels = vec![0.0; n * n];
    for y in 0..n {
        for x in 0..n {
            let mut sum = 0.0;
            for sy in 0..4 {
                for sx in 0..4 {
                    let u = (x as f64 + (f64::from(sx) + 0.5) / 4.0) / scale;
                    let v = (y as f64 + (f64::from(sy) + 0.5) / 4.0) / scale;
                    sum += shade(u, v);
                }
            }
            // A gentle gradient of light across the picture.
            pixels[y * n + x] = sum / 16.0 - 20.0 * x as f64 / n as f64;
        }
    }
    if look.blur {
        let copy = pixels.clone();
        for y in 0..n {
            for x in 0..n {
                let mut sum = 0.0;
                let mut count = 0.0;
                for wy in y.saturating_sub(1)..(y + 2).min(n) {
                    for wx in x.saturating_sub(1)..(x + 2).min(n) {
                        sum += copy[wy * n + wx];
                        count += 1.0;
                    }
                }
                pixels[y * n + x] = sum / count;
            }
        }
    }
    let bytes = pixels
        .iter()
        .map(|p| (p + 4.0 * rng.normal()).round().clamp(0.0, 255.0) as u8)
        .collect();
    (bytes, side)
}

/// Every picture's code and look, in order.
fn plan(rng: &mut Rng) -> Result<Vec<(Kind, String, QrCode, Look)>, String> {
    let mut out = Vec::new();
    let code = |version: i16, level: EcLevel, rng: &mut Rng| {
        code_of_version(version, level, rng).ok_or_else(|| format!("no code of version {version}"))
    };
    for version in [2, 4, 7, 10] {
        let (qr, text) = code(version, EcLevel::M, rng)?;
        for (i, ppm) in [2.0, 2.4, 2.8, 3.2].into_iter().enumerate() {
            for (j, margin) in [0.0, 0.5, 1.0].into_iter().enumerate() {
                let look = Look {
                    ppm,
                    margin,
                    logo: 0.0,
                    blur: (i + j) % 2 == 1,
                };
                out.push((Kind::Tight, text.clone(), qr.clone(), look));
            }
        }
    }
    for version in [1, 2, 3, 4, 5, 7] {
        let (qr, text) = code(version, EcLevel::M, rng)?;
        for (i, side) in [60.0, 80.0, 100.0, 120.0].into_iter().enumerate() {
            let margin = 2.0;
            let look = Look {
                ppm: side / (qr.width() as f64 + 2.0 * margin),
                margin,
                logo: 0.0,
                blur: i % 2 == 1,
            };
            out.push((Kind::Tiny, text.clone(), qr.clone(), look));
        }
    }
    for version in [4, 7, 10, 13] {
        for (level, _, share) in LOGO_SHARE {
            let (qr, text) = code(version, level, rng)?;
            for (i, ppm) in [4.0, 6.0].into_iter().enumerate() {
                let look = Look {
                    ppm,
                    margin: 4.0,
                    logo: share,
                    blur: i == 1,
                };
                out.push((Kind::Logo, text.clone(), qr.clone(), look));
            }
        }
    }
    Ok(out)
}

/// Writes every picture as `dir/pNNNN.png` and returns their manifest entries: `file`,
/// `version`, `scale` 0 (they are not in the by-scale table), `condition` and `text`.
pub fn write(dir: &Path, seed: u64) -> Result<Vec<Value>, String> {
    let mut rng = Rng(seed.rotate_left(17) | 1);
    let mut manifest = Vec::new();
    for (kind, text, code, look) in plan(&mut rng)? {
        let (pixels, side) = draw(&code, &look, &mut rng);
        let file = format!("p{:04}.png", manifest.len());
        let image = image::GrayImage::from_raw(side, side, pixels).ok_or("picture size")?;
        image
            .save(dir.join(&file))
            .map_err(|e| format!("cannot write {file}: {e}"))?;
        let version = match code.version() {
            qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
        };
        manifest.push(json!({
            "file": file,
            "version": version,
            "scale": 0,
            "condition": kind.name(),
            "text": text,
        }));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_drawn_and_a_clean_one_reads() {
        let mut rng = Rng(3);
        let planned = plan(&mut rng).unwrap();
        for kind in Kind::ALL {
            assert!(planned.iter().filter(|p| p.0 == kind).count() >= 24);
        }
        let (code, text) = code_of_version(3, EcLevel::M, &mut rng).unwrap();
        let look = Look {
            ppm: 4.0,
            margin: 4.0,
            logo: 0.0,
            blur: false,
        };
        let (pixels, side) = draw(&code, &look, &mut rng);
        let image = qrdecode::Image::new(side, side, &pixels).unwrap();
        let found = qrdecode::decode(&image, &qrdecode::Pipeline::DEFAULT).found;
        assert_eq!(found.map(|f| f.text()).as_deref(), Some(text.as_str()));
        let tight = Look {
            ppm: 2.0,
            margin: 0.0,
            ..look
        };
        let (_, side) = draw(&code, &tight, &mut rng);
        assert_eq!(side, 2 * code.width() as u32, "no quiet zone");
    }
}
