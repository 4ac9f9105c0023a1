//! Turning a greyscale camera frame into the text of the QR code in it, with `rqrr`.

/// Decodes the first readable QR code in a `width`×`height` greyscale image (one byte a pixel,
/// rows top to bottom). `None` when the buffer does not match the size or no code is readable.
pub fn decode_luma(width: usize, height: usize, luma: &[u8]) -> Option<String> {
    if width == 0 || height == 0 || luma.len() != width.checked_mul(height)? {
        return None;
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| luma[y * width + x]);
    image
        .detect_grids()
        .into_iter()
        .find_map(|grid| grid.decode().ok().map(|(_meta, text)| text))
}

/// Converts RGBA pixels to luma with the BT.601 weights in fixed point.
pub fn rgba_to_luma(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|px| {
            let y = 77 * u32::from(px[0]) + 150 * u32::from(px[1]) + 29 * u32::from(px[2]);
            // 77 + 150 + 29 = 256, so the shift keeps the result within 0..=255.
            (y >> 8) as u8
        })
        .collect()
}
