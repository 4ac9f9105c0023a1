//! Simple transformations tried when a picture does not read as it is.

use crate::Image;

/// The picture with black and white swapped.
pub fn invert(pixels: &[u8]) -> Vec<u8> {
    pixels.iter().map(|&p| 255 - p).collect()
}

/// The picture sharpened (unsharp mask): each pixel pushed away from the mean of the
/// `2·RADIUS + 1` square around it by `amount` times the difference. Brings blurred module
/// edges back above the binariser's threshold.
pub fn sharpen<const RADIUS: usize>(image: &Image<'_>, amount: i32) -> Vec<u8> {
    let radius = RADIUS;
    let (w, h) = (image.width() as usize, image.height() as usize);
    let pixels = image.pixels();
    // Row sums, then column sums: a box mean in O(1) per pixel.
    let mut integral = vec![0u32; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u32;
        for x in 0..w {
            row += u32::from(pixels[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let stride = w + 1;
    // A constant (RADIUS is), so dividing by it is a multiply.
    let full = ((2 * RADIUS + 1) * (2 * RADIUS + 1)) as u32;
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(radius), (y + radius + 1).min(h));
        let (top, bottom) = (&integral[y0 * stride..], &integral[y1 * stride..]);
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(radius), (x + radius + 1).min(w));
            let sum = bottom[x1] + top[x0] - top[x1] - bottom[x0];
            let area = ((y1 - y0) * (x1 - x0)) as u32;
            // Away from the borders the window is full.
            let mean = if area == full { sum / full } else { sum / area } as i32;
            let p = i32::from(pixels[y * w + x]);
            out.push((p + amount * (p - mean)).clamp(0, 255) as u8);
        }
    }
    out
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
    fn sharpening_steepens_edges_and_keeps_flat_areas() {
        // A soft step from 100 to 160 across the middle of a 40 × 3 picture.
        let row: Vec<u8> = (0..40u32)
            .map(|x| (100 + 60 * x.saturating_sub(16).min(8) / 8) as u8)
            .collect();
        let pixels = [row.clone(), row.clone(), row].concat();
        let image = Image::new(40, 3, &pixels).unwrap();
        let sharp = sharpen::<2>(&image, 2);
        // Far from the edge nothing changes; next to it, dark gets darker and light lighter.
        assert_eq!((sharp[40 + 2], sharp[40 + 37]), (100, 160));
        assert!(sharp[40 + 17] < pixels[40 + 17], "{:?}", &sharp[40..80]);
        assert!(sharp[40 + 23] > pixels[40 + 23], "{:?}", &sharp[40..80]);
        assert!(sharp.iter().all(|&p| p >= 40));
    }

    #[test]
    fn inverting_swaps_black_and_white() {
        assert_eq!(invert(&[0, 255, 100]), vec![255, 0, 155]);
    }
}
