//! Pictures for the QR pipeline's own pixel code (`qrdecode`), any size from 1 × 1 and any
//! content: `FastHybrid` gives exactly the matrix of rxing's `HybridBinarizer`, which it
//! replaces; `sharpen` and `downscale` agree with their definitions; the live steps run over the
//! picture as over a camera frame, and every step as over a photo (rxing-large, rqrr and the
//! patched `vendor/rqrr` among them; rxing-double only takes pictures of 480 pixels a side or
//! more, larger than this target makes). A panic there, in `qrdecode`, rxing or rqrr, is a
//! crash: in the browser it kills the decoding worker.
//!
//! Input: width − 1, height − 1 (a byte each), then pixels, repeated to fill the picture.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qrdecode::{FastHybrid, Image, Pipeline, Step, decode_frame, decode_with, downscale, sharpen};
use rxing::common::HybridBinarizer;
use rxing::{Binarizer, Luma8Source};

fuzz_target!(|data: &[u8]| {
    let [w, h, pixels @ ..] = data else {
        return;
    };
    let (width, height) = (usize::from(*w) + 1, usize::from(*h) + 1);
    let pixels: Vec<u8> = if pixels.is_empty() {
        vec![0; width * height]
    } else {
        pixels
            .iter()
            .copied()
            .cycle()
            .take(width * height)
            .collect()
    };
    let Ok(image) = Image::new(width as u32, height as u32, &pixels) else {
        return;
    };

    let source = || Luma8Source::new(pixels.clone(), width as u32, height as u32);
    if let (Ok(ours), Ok(theirs)) = (source(), source()) {
        let (ours, theirs) = (FastHybrid::new(ours), HybridBinarizer::new(theirs));
        assert_eq!(
            ours.get_black_matrix().ok(),
            theirs.get_black_matrix().ok(),
            "binarised differently at {width}×{height}"
        );
    }

    assert_eq!(
        sharpen::<2>(&image, 2),
        sharpened(&pixels, width, height, 2, 2)
    );
    assert_eq!(downscale(&image, 2), halved(&pixels, width, height));

    let _ = decode_frame(&image, Pipeline::LIVE.steps);
    let _ = decode_with(&image, &Step::ALL);
});

/// The unsharp mask by its definition: each pixel pushed from the mean of the square around it
/// (cut off at the borders) by `amount` times the difference.
fn sharpened(pixels: &[u8], w: usize, h: usize, radius: usize, amount: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        for x in 0..w {
            let (mut sum, mut n) = (0u32, 0u32);
            for wy in y.saturating_sub(radius)..(y + radius + 1).min(h) {
                for wx in x.saturating_sub(radius)..(x + radius + 1).min(w) {
                    sum += u32::from(pixels[wy * w + wx]);
                    n += 1;
                }
            }
            let p = i32::from(pixels[y * w + x]);
            out.push((p + amount * (p - (sum / n) as i32)).clamp(0, 255) as u8);
        }
    }
    out
}

/// Half the size by its definition: each pixel the mean of a 2 × 2 block, the ragged right and
/// bottom edges dropped; nothing under 21 × 21.
fn halved(pixels: &[u8], w: usize, h: usize) -> Option<(Vec<u8>, u32, u32)> {
    let (hw, hh) = (w / 2, h / 2);
    if hw < 21 || hh < 21 {
        return None;
    }
    let mut out = Vec::with_capacity(hw * hh);
    for y in 0..hh {
        for x in 0..hw {
            let at = |dx: usize, dy: usize| u32::from(pixels[(2 * y + dy) * w + 2 * x + dx]);
            out.push(((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) / 4) as u8);
        }
    }
    Some((out, hw as u32, hh as u32))
}
