//! Simple transformations tried when a picture does not read as it is.

use crate::Image;

/// The picture with black and white swapped.
pub fn invert(pixels: &[u8]) -> Vec<u8> {
    pixels.iter().map(|&p| 255 - p).collect()
}

/// The picture shrunk by `factor` in each direction, each pixel the mean of a `factor`²
/// block (the right and bottom edges that do not fill a block are dropped). `None` when the
/// result would be smaller than 21 pixels (the smallest QR code) in either direction.
pub fn downscale(image: &Image<'_>, factor: u32) -> Option<(Vec<u8>, u32, u32)> {
    let factor = factor.max(1);
    let (width, height) = (image.width() / factor, image.height() / factor);
    if width < 21 || height < 21 {
        return None;
    }
    let (f, stride) = (factor as usize, image.width() as usize);
    let area = u32::try_from(f * f).ok()?;
    let pixels = image.pixels();
    let mut out = Vec::with_capacity(width as usize * height as usize);
    for y in 0..height as usize {
        for x in 0..width as usize {
            let mut sum = 0u32;
            for row in pixels[(y * f) * stride..].chunks(stride).take(f) {
                sum += row[x * f..x * f + f]
                    .iter()
                    .map(|&p| u32::from(p))
                    .sum::<u32>();
            }
            out.push((sum / area) as u8);
        }
    }
    Some((out, width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downscaling_averages_blocks_and_drops_ragged_edges() {
        // 43 × 42: the last column is dropped at factor 2.
        let pixels: Vec<u8> = (0..43 * 42)
            .map(|i| if i % 2 == 0 { 0 } else { 200 })
            .collect();
        let image = Image::new(43, 42, &pixels).unwrap();
        let (out, w, h) = downscale(&image, 2).unwrap();
        assert_eq!((w, h), (21, 21));
        assert_eq!(out.len(), 21 * 21);
        assert!(out.iter().all(|&p| p == 100), "{out:?}");
        assert!(downscale(&image, 3).is_none());
    }

    #[test]
    fn inverting_swaps_black_and_white() {
        assert_eq!(invert(&[0, 255, 100]), vec![255, 0, 155]);
    }
}
