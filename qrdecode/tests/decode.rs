//! The pipeline on pictures drawn here with the `qrcode` encoder.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qrcode::{Color, EcLevel, QrCode};
use qrdecode::{Image, ImageError, Pipeline, Step, decode, decode_frame, decode_with};

/// A picture of `payload` as a QR code: `scale` pixels a module, a 4-module quiet zone, then
/// `margin` more pixels of white around it.
fn picture(payload: &[u8], scale: usize, margin: usize) -> (Vec<u8>, u32, u32) {
    let code = QrCode::with_error_correction_level(payload, EcLevel::M).unwrap();
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 8) * scale + 2 * margin;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (mx, my) = (i % modules + 4, i / modules + 4);
            for y in 0..scale {
                let row = margin + my * scale + y;
                let start = row * side + margin + mx * scale;
                pixels[start..start + scale].fill(0);
            }
        }
    }
    (pixels, side as u32, side as u32)
}

fn read(pixels: &[u8], width: u32, height: u32, pipeline: &Pipeline) -> Option<Vec<u8>> {
    let outcome = decode(&Image::new(width, height, pixels).unwrap(), pipeline);
    assert!(outcome.panics.is_empty(), "{:?}", outcome.panics);
    outcome.found.map(|f| f.bytes)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_pipeline_reads_a_clean_code() {
    let invite = b"http://192.168.1.20:8080/#r1.qWY7rZ2Gd1cQxk3oGJcN2Hw9b2YJbD8zU0bJq7Xj9QA";
    let (pixels, w, h) = picture(invite, 4, 20);
    for pipeline in Pipeline::OPTIONS {
        assert_eq!(
            read(&pixels, w, h, &pipeline).as_deref(),
            Some(&invite[..]),
            "{}",
            pipeline.name
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_step_reads_a_code_it_is_made_for() {
    let payload = b"CT1M:step by step";
    let (pixels, w, h) = picture(payload, 6, 10);
    for step in [
        Step::Rxing,
        Step::RxingGlobal,
        Step::RxingHalf,
        Step::RxingSharp,
        Step::Rqrr,
        Step::RqrrHalf,
    ] {
        let found = decode_with(&Image::new(w, h, &pixels).unwrap(), &[step])
            .found
            .unwrap_or_else(|| panic!("{} read nothing", step.name()));
        assert_eq!((found.bytes.as_slice(), found.step), (&payload[..], step));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_live_step_reads_a_camera_frame_the_quick_way() {
    let payload = b"http://192.168.1.20:8080/#r1.qWY7rZ2Gd1cQxk3oGJcN2Hw9b2YJbD8zU0bJq7Xj9QA";
    let (square, side, _) = picture(payload, 6, 0);
    let (w, h) = (1280, 720);
    // A camera frame: the code in a grey room, seen at an angle.
    let frame = at_an_angle(&square, side, 0.8, w, h);
    let inverted = qrdecode::invert(&frame);
    for &step in Pipeline::LIVE.steps {
        let found = decode_frame(&Image::new(w, h, &frame).unwrap(), &[step])
            .found
            .unwrap_or_else(|| panic!("{} read nothing", step.name()));
        assert_eq!((found.bytes.as_slice(), found.step), (&payload[..], step));
        // Light on dark too: every rxing step also tries the inverse.
        let found = decode_frame(&Image::new(w, h, &inverted).unwrap(), &[step]).found;
        assert_eq!(
            found.map(|f| f.bytes).as_deref(),
            Some(&payload[..]),
            "{}",
            step.name()
        );
    }
    let blank = vec![180u8; (w * h) as usize];
    assert!(
        decode_frame(&Image::new(w, h, &blank).unwrap(), Pipeline::LIVE.steps)
            .found
            .is_none()
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_step_says_where_the_code_is() {
    // Modules of 6 pixels, 10 pixels of margin, a 4-module quiet zone: the code's symbol spans
    // from 34 to 34 + 6 × modules.
    let payload = b"where";
    let (pixels, w, h) = picture(payload, 6, 10);
    let modules = (w as f32 - 20.0) / 6.0 - 8.0;
    let (low, high) = (34.0, 34.0 + 6.0 * modules);
    for step in [Step::Rxing, Step::RxingHalf, Step::Rqrr, Step::RqrrHalf] {
        let found = decode_with(&Image::new(w, h, &pixels).unwrap(), &[step])
            .found
            .unwrap();
        assert!(
            found.points.len() >= 3,
            "{}: {:?}",
            step.name(),
            found.points
        );
        // Within about a module of the symbol: decoders place their points a little differently.
        for (x, y) in &found.points {
            for v in [x, y] {
                assert!(
                    (low - 7.0..=high + 7.0).contains(v),
                    "{}: {:?}",
                    step.name(),
                    found.points
                );
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn binary_payloads_come_back_byte_for_byte_and_read_as_latin1() {
    let payload: Vec<u8> = vec![0x43, 0x54, 0xff, 0x00, 0x80, 0xe9, 0x0a, 0x7f];
    let (pixels, w, h) = picture(&payload, 5, 10);
    for pipeline in [Pipeline::RXING, Pipeline::RQRR] {
        let outcome = decode(&Image::new(w, h, &pixels).unwrap(), &pipeline);
        let found = outcome.found.expect(pipeline.name);
        assert_eq!(found.bytes, payload, "{}", pipeline.name);
        assert_eq!(found.text(), "CT\u{ff}\u{0}\u{80}\u{e9}\n\u{7f}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn utf8_payloads_read_as_utf8() {
    let payload = "Grüße, 世界".as_bytes();
    let (pixels, w, h) = picture(payload, 5, 10);
    let found = decode(&Image::new(w, h, &pixels).unwrap(), &Pipeline::DEFAULT)
        .found
        .unwrap();
    assert_eq!(found.text(), "Grüße, 世界");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn light_on_dark_codes_are_read() {
    let (pixels, w, h) = picture(b"inverted", 5, 10);
    let inverted = qrdecode::invert(&pixels);
    assert_eq!(
        read(&inverted, w, h, &Pipeline::RXING).as_deref(),
        Some(&b"inverted"[..])
    );
    let found = decode_with(&Image::new(w, h, &inverted).unwrap(), &[Step::RqrrInverted]).found;
    assert_eq!(found.map(|f| f.bytes).as_deref(), Some(&b"inverted"[..]));
}

/// `pixels` (a square of `side`) seen at an angle: turned about a vertical axis so that its
/// right edge is `far` times as tall as its left, a true perspective (straight lines stay
/// straight), centred in a `width` × `height` picture of grey 180. 3 × 3 samples a pixel.
fn at_an_angle(pixels: &[u8], side: u32, far: f64, width: u32, height: u32) -> Vec<u8> {
    let s = f64::from(side);
    // u, v in [0, 1] across the square; d = 1 + g·u divides both coordinates, so the right
    // edge (u = 1) shrinks by 1 / (1 + g) = far, and the square spans `s` pixels across.
    let g = 1.0 / far - 1.0;
    let a = s * (1.0 + g);
    let (left, top) = ((f64::from(width) - s) / 2.0, f64::from(height) / 2.0);
    let sample = |x: f64, y: f64| -> f64 {
        let px = x - left;
        let u = px / (a - g * px);
        let d = 1.0 + g * u;
        let v = (y - top) * d / s + 0.5;
        if !(0.0..1.0).contains(&u) || !(0.0..1.0).contains(&v) {
            return 180.0;
        }
        let (col, row) = ((u * s) as usize, (v * s) as usize);
        f64::from(pixels[row * side as usize + col])
    };
    let mut out = Vec::with_capacity((width * height) as usize);
    for y in 0..height {
        for x in 0..width {
            let mut sum = 0.0;
            for sy in 0..3 {
                for sx in 0..3 {
                    let (fx, fy) = (
                        f64::from(sx) / 3.0 + 1.0 / 6.0,
                        f64::from(sy) / 3.0 + 1.0 / 6.0,
                    );
                    sum += sample(f64::from(x) + fx, f64::from(y) + fy);
                }
            }
            out.push((sum / 9.0).round() as u8);
        }
    }
    out
}

/// rxing 0.9 alone puts the top-left corner of a code seen like this at its bottom-left, and
/// reads nothing (its finder patterns, bigger on the near side, were paired in the wrong
/// order); `qrdecode` pairs them itself.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn codes_seen_at_an_angle_are_read() {
    for version_5 in [
        &b"CT1M:a code seen at an angle, its far side 30 % shorter, version 5 at M"[..],
        &b"http://192.168.1.20:8080/#r1.qWY7rZ2Gd1cQxk3oGJcN2Hw9b2YJbD8zU0bJq7Xj9QA"[..],
    ] {
        let (square, side, _) = picture(version_5, 8, 0);
        let (w, h) = (640, 480);
        let slanted = at_an_angle(&square, side, 0.7, w, h);
        // The first step falls back on rxing's ZXing-Java detector; the global-binariser step
        // has only the zxing-cpp one.
        for step in [Step::Rxing, Step::RxingGlobal] {
            let found = decode_with(&Image::new(w, h, &slanted).unwrap(), &[step]).found;
            assert_eq!(
                found.map(|f| f.bytes).as_deref(),
                Some(version_5),
                "{}",
                step.name()
            );
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_picture_without_a_code_reads_nothing() {
    let noise: Vec<u8> = (0u32..640 * 480)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for pipeline in Pipeline::OPTIONS {
        assert_eq!(read(&noise, 640, 480, &pipeline), None, "{}", pipeline.name);
    }
    let blank = vec![255u8; 64 * 64];
    assert_eq!(read(&blank, 64, 64, &Pipeline::THOROUGH), None);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn malformed_buffers_are_refused() {
    assert_eq!(Image::new(0, 10, &[]).unwrap_err(), ImageError::Empty);
    assert_eq!(
        Image::new(10, 10, &[0; 99]).unwrap_err(),
        ImageError::SizeMismatch {
            expected: 100,
            actual: 99
        }
    );
    assert_eq!(
        Image::new(100_000, 100_000, &[]).unwrap_err(),
        ImageError::TooLarge
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_code_cropped_to_its_edge_at_two_pixels_a_module_reads_enlarged() {
    let payload = b"http://192.168.1.20:8080/#r1.qWY7rZ2Gd1cQxk3oGJcN2Hw9b2YJbD8zU0bJq7Xj9QA";
    let (pixels, side, _) = picture(payload, 2, 0);
    // No quiet zone at all: the 4 modules (8 pixels) of white around it cut off, then softened
    // by a 3×3 box blur, as a close crop of a photo is.
    let (quiet, w) = (8usize, side as usize - 16);
    let crop: Vec<u8> = (0..w)
        .flat_map(|y| pixels[(y + quiet) * side as usize + quiet..][..w].to_vec())
        .collect();
    let soft: Vec<u8> = (0..w * w)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let near: Vec<u32> = (y.saturating_sub(1)..(y + 2).min(w))
                .flat_map(|wy| (x.saturating_sub(1)..(x + 2).min(w)).map(move |wx| (wx, wy)))
                .map(|(wx, wy)| u32::from(crop[wy * w + wx]))
                .collect();
            (near.iter().sum::<u32>() / near.len() as u32) as u8
        })
        .collect();
    let image = Image::new(w as u32, w as u32, &soft).unwrap();
    let found = decode_with(&image, &[Step::RxingLarge]).found.unwrap();
    assert_eq!(found.bytes, payload);
    assert!(
        found
            .points
            .iter()
            .all(|&(x, y)| (-1.0..=w as f32 + 1.0).contains(&x)
                && (-1.0..=w as f32 + 1.0).contains(&y)),
        "corners in the picture's own pixels: {:?}",
        found.points
    );
    assert_eq!(
        read(&soft, w as u32, w as u32, &Pipeline::DEFAULT).as_deref(),
        Some(&payload[..])
    );
    // A picture that is not small is left to the other steps.
    let (large, side, _) = picture(payload, 12, 40);
    let image = Image::new(side, side, &large).unwrap();
    assert!(decode_with(&image, &[Step::RxingLarge]).found.is_none());
}
