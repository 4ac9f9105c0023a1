//! Fixtures for the browser tests, made with the project's own encoder: fake-camera clips
//! (YUV4MPEG2, which Chromium's `--use-file-for-fake-video-capture` plays in a loop) and PNG
//! pictures showing a QR code, and the text each code holds, so a test can check what the app
//! decoded; and a picture with no code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use protocol::contact::ContactKey;
use protocol::entropy::SystemEntropy;
use protocol::invite::invite_fragment;
use protocol::keys::RoomSecret;
use protocol::qr_text::contact_key_text;
use qrcode::{Color, QrCode};

/// Clip size: what a fake webcam reports (640×480, 30 frames/s).
const WIDTH: usize = 640;
const HEIGHT: usize = 480;
const FPS: u32 = 30;
/// One second of frames; Chromium loops the clip.
const FRAMES: usize = 30;
/// QR codes need four light modules around them (ISO/IEC 18004 quiet zone).
const QUIET_ZONE: usize = 4;

/// Writes the fixtures into `dir`: `camera-qr` (a fresh text each run, so a stale page or
/// cached result cannot pass) and `camera-invite` (a room invite made by the `protocol` crate).
pub fn write(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    write_clip(dir, "camera-qr", &format!("CUTOUT FIXTURE {nanos}"))?;
    let secret = RoomSecret::generate(&mut SystemEntropy);
    // The origin does not matter to the scanner: joining reads only the fragment.
    let invite = format!("http://127.0.0.1:9/{}", invite_fragment(&secret));
    write_clip(dir, "camera-invite", &invite)?;
    write_picture(dir, "upload-invite", &invite)?;
    write_picture(
        dir,
        "upload-qr",
        &format!("https://example.org/menu?fixture={nanos}"),
    )?;
    write_blank_picture(dir, "upload-blank")?;
    let pairing = ContactKey::generate(&mut SystemEntropy);
    write_picture(dir, "upload-pairing", &contact_key_text(&pairing))?;
    // A Cutout tag whose Base45 does not decode (":" is not a Base45 pair here).
    write_picture(dir, "upload-damaged", "CT1K:::")?;
    Ok(())
}

/// Writes `NAME.png`, a 640×480 greyscale picture of a QR code of `text`, and `NAME.txt`.
fn write_picture(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    let frame = qr_frame(text)?;
    save_png(dir, name, frame[..WIDTH * HEIGHT].to_vec())?;
    std::fs::write(dir.join(format!("{name}.txt")), text)
        .map_err(|e| format!("cannot write the fixture text: {e}"))
}

/// Writes `NAME.png`, a 640×480 picture with no code in it (a soft gradient).
fn write_blank_picture(dir: &Path, name: &str) -> Result<(), String> {
    let pixels = (0..WIDTH * HEIGHT)
        .map(|i| (96 + (i % WIDTH) * 128 / WIDTH) as u8)
        .collect();
    save_png(dir, name, pixels)
}

fn save_png(dir: &Path, name: &str, luma: Vec<u8>) -> Result<(), String> {
    let path = dir.join(format!("{name}.png"));
    let image = image::GrayImage::from_raw(WIDTH as u32, HEIGHT as u32, luma)
        .ok_or("fixture picture size")?;
    image
        .save(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("  wrote {}", path.display());
    Ok(())
}

/// Writes `NAME.y4m` showing a QR code of `text`, and `NAME.txt` holding `text`.
fn write_clip(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    let clip = dir.join(format!("{name}.y4m"));
    let frame = qr_frame(text)?;
    let mut out = Vec::with_capacity(FRAMES * (frame.len() + 6) + 64);
    // C420jpeg: 4:2:0 chroma, full-range luma, as TOOLCHAIN.md describes.
    writeln!(
        out,
        "YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg"
    )
    .map_err(|e| e.to_string())?;
    for _ in 0..FRAMES {
        out.extend_from_slice(b"FRAME\n");
        out.extend_from_slice(&frame);
    }
    std::fs::write(&clip, out).map_err(|e| format!("cannot write {}: {e}", clip.display()))?;
    std::fs::write(dir.join(format!("{name}.txt")), text)
        .map_err(|e| format!("cannot write the fixture text: {e}"))?;
    println!("  wrote {} ({text})", clip.display());
    Ok(clip)
}

/// One 4:2:0 frame: the QR code centred in black on white, chroma neutral.
fn qr_frame(text: &str) -> Result<Vec<u8>, String> {
    let code =
        QrCode::new(text.as_bytes()).map_err(|e| format!("cannot encode fixture QR: {e}"))?;
    let modules = code.width();
    let colors = code.to_colors();
    let span = modules + 2 * QUIET_ZONE;
    // About 70 % of the short side, in whole pixels per module so edges stay sharp.
    let scale = (HEIGHT * 7 / 10 / span).max(1);
    let size = span * scale;
    let (left, top) = ((WIDTH - size) / 2, (HEIGHT - size) / 2);

    let mut luma = vec![255u8; WIDTH * HEIGHT];
    for y in 0..size {
        for x in 0..size {
            let (mx, my) = (x / scale, y / scale);
            let dark = mx >= QUIET_ZONE
                && my >= QUIET_ZONE
                && mx < QUIET_ZONE + modules
                && my < QUIET_ZONE + modules
                && colors[(my - QUIET_ZONE) * modules + (mx - QUIET_ZONE)] == Color::Dark;
            if dark {
                luma[(top + y) * WIDTH + left + x] = 0;
            }
        }
    }
    let chroma = vec![128u8; (WIDTH / 2) * (HEIGHT / 2) * 2];
    luma.extend_from_slice(&chroma);
    Ok(luma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_has_the_size_of_one_420_frame_and_dark_modules() {
        let frame = qr_frame("hello").unwrap_or_default();
        assert_eq!(frame.len(), WIDTH * HEIGHT * 3 / 2);
        assert!(frame[..WIDTH * HEIGHT].contains(&0));
        assert!(frame[WIDTH * HEIGHT..].iter().all(|&c| c == 128));
    }
}
