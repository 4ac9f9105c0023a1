//! `cargo xtask decode [--pipeline NAME] FILE...`: the app's QR pipeline (`qrdecode`), run
//! natively on image files (PNG, JPEG, GIF, WebP, BMP). One JSON line a file, in order:
//! `{"file": …, "text": … or null, "ms": …}`, `text` the first code found (its bytes as UTF-8
//! when valid, else ISO-8859-1) and `ms` the decoding time without loading the file. A file that
//! cannot be read gets `"text": null, "ms": 0` and an `"error"`.

use std::path::Path;
use std::time::Instant;

use qrdecode::{Image, Pipeline};
use serde_json::json;

use crate::cli::DecodeArgs;

/// Prints the line of each file, in the order given.
pub fn run(args: &DecodeArgs) -> Result<(), String> {
    for file in &args.files {
        println!("{}", line(file, &args.pipeline));
    }
    Ok(())
}

/// The JSON line for one file.
fn line(path: &Path, pipeline: &Pipeline) -> serde_json::Value {
    let file = path.to_string_lossy();
    let luma = match load(path) {
        Ok(luma) => luma,
        Err(error) => return json!({ "file": file, "text": null, "ms": 0, "error": error }),
    };
    let (width, height) = luma.dimensions();
    let image = match Image::new(width, height, luma.as_raw()) {
        Ok(image) => image,
        Err(error) => {
            return json!({ "file": file, "text": null, "ms": 0, "error": error.to_string() });
        }
    };
    let started = Instant::now();
    let outcome = qrdecode::decode(&image, pipeline);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut value = json!({
        "file": file,
        "text": outcome.found.as_ref().map(qrdecode::Found::text),
        "ms": (ms * 1000.0).round() / 1000.0,
    });
    if !outcome.panics.is_empty() {
        let panics: Vec<&str> = outcome.panics.iter().map(|s| s.name()).collect();
        value["panics"] = json!(panics);
    }
    value
}

/// The file as 8-bit greyscale as the app's QR worker makes it of a camera frame or a photo
/// (BT.601 weights; the `image` crate's own conversion weighs colours as BT.709 does, and a red
/// code on a dark ground read there but not here), transparency laid over white (a code saved on
/// a transparent ground would otherwise turn black on black); its format is recognised from its
/// bytes. A grey picture is left as it is.
pub fn load(path: &Path) -> Result<image::GrayImage, String> {
    let reader = image::ImageReader::open(path)
        .map_err(|e| format!("cannot open: {e}"))?
        .with_guessed_format()
        .map_err(|e| format!("cannot read: {e}"))?;
    let decoded = reader
        .decode()
        .map_err(|e| format!("not a readable image: {e}"))?;
    if decoded.color().channel_count() == 1 {
        return Ok(decoded.to_luma8());
    }
    let rgba = decoded.to_rgba8();
    let (width, height) = rgba.dimensions();
    let luma = rgba
        .pixels()
        .map(|p| {
            let [r, g, b, a] = p.0.map(u32::from);
            // BT.601 weights (sum 256, as qr-worker's), then alpha over a white ground.
            let y = (77 * r + 150 * g + 29 * b) >> 8;
            ((y * a + 255 * (255 - a)) / 255) as u8
        })
        .collect();
    image::GrayImage::from_raw(width, height, luma).ok_or_else(|| "image size overflow".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use qrcode::{Color, QrCode};

    /// A QR code of `text` as RGBA pixels, 4 pixels a module and a 4-module quiet zone, with
    /// light modules transparent when `transparent`.
    fn code_image(text: &str, transparent: bool) -> image::RgbaImage {
        let code = QrCode::new(text.as_bytes()).unwrap();
        let (modules, colors) = (code.width() as u32, code.to_colors());
        let side = (modules + 8) * 4;
        image::RgbaImage::from_fn(side, side, |x, y| {
            let (mx, my) = ((x / 4).wrapping_sub(4), (y / 4).wrapping_sub(4));
            let dark =
                mx < modules && my < modules && colors[(my * modules + mx) as usize] == Color::Dark;
            match (dark, transparent) {
                (true, _) => image::Rgba([0, 0, 0, 255]),
                (false, false) => image::Rgba([255, 255, 255, 255]),
                (false, true) => image::Rgba([0, 0, 0, 0]),
            }
        })
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("cutout-decode-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn each_format_reads_the_same_text() {
        let text = "http://192.168.1.20:8080/#r1.qWY7rZ2Gd1cQxk3oGJcN2Hw9b2YJbD8zU0bJq7Xj9QA";
        let rgb = image::DynamicImage::ImageRgba8(code_image(text, false)).to_rgb8();
        for ext in ["png", "jpg", "gif", "bmp", "webp"] {
            let path = temp(&format!("code.{ext}"));
            rgb.save(&path).unwrap();
            let value = line(&path, &Pipeline::DEFAULT);
            assert_eq!(value["text"], text, "{ext}: {value}");
            assert!(value["ms"].as_f64().unwrap() >= 0.0);
            assert_eq!(value["file"], path.to_string_lossy().as_ref());
        }
    }

    #[test]
    fn colours_turn_grey_as_the_apps_worker_turns_them_and_grey_stays_as_it_is() {
        // Red on dark red, a code's colours that BT.709 weights bring closer together.
        let path = temp("red.png");
        image::RgbImage::from_fn(2, 1, |x, _| {
            image::Rgb(if x == 0 { [220, 40, 40] } else { [100, 30, 30] })
        })
        .save(&path)
        .unwrap();
        let grey = load(&path).unwrap();
        assert_eq!(grey.as_raw(), &[94, 51]);
        let path = temp("grey.png");
        image::GrayImage::from_raw(3, 1, vec![0, 127, 255])
            .unwrap()
            .save(&path)
            .unwrap();
        assert_eq!(load(&path).unwrap().as_raw(), &[0, 127, 255]);
    }

    #[test]
    fn transparency_is_laid_over_white() {
        let path = temp("transparent.png");
        code_image("CT1K:on glass", true).save(&path).unwrap();
        assert_eq!(line(&path, &Pipeline::DEFAULT)["text"], "CT1K:on glass");
    }

    #[test]
    fn unreadable_files_and_pictures_without_codes_still_get_a_line() {
        let missing = temp("missing.png");
        let value = line(&missing, &Pipeline::DEFAULT);
        assert_eq!(value["text"], serde_json::Value::Null);
        assert!(value["error"].as_str().unwrap().contains("cannot open"));

        let garbage = temp("garbage.png");
        std::fs::write(&garbage, b"not an image at all").unwrap();
        let value = line(&garbage, &Pipeline::DEFAULT);
        assert_eq!(value["text"], serde_json::Value::Null);
        assert!(value["error"].is_string(), "{value}");

        let blank = temp("blank.png");
        image::GrayImage::from_pixel(200, 100, image::Luma([255]))
            .save(&blank)
            .unwrap();
        let value = line(&blank, &Pipeline::DEFAULT);
        assert_eq!(value["text"], serde_json::Value::Null);
        assert!(value.get("error").is_none());
    }
}
