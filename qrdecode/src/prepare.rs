//! Simple transformations tried when a picture does not read as it is.

use crate::Image;

/// The picture with black and white swapped.
pub fn invert(pixels: &[u8]) -> Vec<u8> {
    pixels.iter().map(|&p| 255 - p).collect()
}

/// The picture sharpened (unsharp mask): each pixel pushed away from the mean of the
/// `2·RADIUS + 1` square around it (cut off at the borders) by `amount` times the difference.
/// Brings blurred module edges back above the binariser's threshold.
pub fn sharpen<const RADIUS: usize>(image: &Image<'_>, amount: i32) -> Vec<u8> {
    let r = RADIUS;
    let (w, h) = (image.width() as usize, image.height() as usize);
    let pixels = image.pixels();
    // A box sum is separable: each row's sums across the window, then a running sum of those
    // down the window, slid one row at a time. O(1) a pixel whatever the radius. Only the
    // rows inside the window are kept, in a ring: the row leaving the window and the row
    // entering it are 2·RADIUS + 1 apart, so they share a slot.
    let across_row = |y: usize, sums: &mut [u32]| {
        let row = &pixels[y * w..][..w];
        let mut sum: u32 = row[..(r + 1).min(w)].iter().map(|&p| u32::from(p)).sum();
        for (x, out) in sums.iter_mut().enumerate() {
            *out = sum;
            if let Some(&p) = row.get(x + r + 1) {
                sum += u32::from(p);
            }
            if x >= r {
                sum -= u32::from(row[x - r]);
            }
        }
    };
    let slots = 2 * r + 1;
    let mut ring = vec![0u32; slots * w];
    let mut window = vec![0u32; w];
    for y in 0..(r + 1).min(h) {
        let sums = &mut ring[(y % slots) * w..][..w];
        across_row(y, sums);
        window.iter_mut().zip(&*sums).for_each(|(c, s)| *c += s);
    }
    // How many pixels of a window centred at `i` fall inside `0..n`.
    let span = |i: usize, n: usize| (i + r).min(n - 1) + 1 - i.saturating_sub(r);
    // Away from the borders the window is full: a constant divisor, so a multiply.
    let full = ((2 * RADIUS + 1) * (2 * RADIUS + 1)) as u32;
    let mut out = vec![0u8; w * h];
    let push = |p: u8, mean: u32| {
        let p = i32::from(p);
        (p + amount * (p - mean as i32)).clamp(0, 255) as u8
    };
    for y in 0..h {
        let rows = span(y, h);
        let (row, sharp) = (&pixels[y * w..][..w], &mut out[y * w..][..w]);
        // The divisor varies only near the borders; a loop of its own for the inside keeps it
        // a constant there (a division costs more than the rest of the pixel's work).
        let inside = if rows == 2 * r + 1 && w > 2 * r {
            r..w - r
        } else {
            0..0
        };
        for x in (0..inside.start).chain(inside.end..w) {
            sharp[x] = push(row[x], window[x] / (rows * span(x, w)) as u32);
        }
        let range = inside.clone();
        for ((sharp, &p), &sum) in sharp[range.clone()]
            .iter_mut()
            .zip(&row[range.clone()])
            .zip(&window[range])
        {
            *sharp = push(p, sum / full);
        }
        let slot = &mut ring[((y + r + 1) % slots) * w..][..w];
        if y >= r {
            window.iter_mut().zip(&*slot).for_each(|(c, s)| *c -= s);
        }
        if y + r + 1 < h {
            across_row(y + r + 1, slot);
            window.iter_mut().zip(&*slot).for_each(|(c, s)| *c += s);
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

/// Pictures whose shorter side is under this many pixels are enlarged (see [`enlarge`]).
pub const SMALL_SIDE: u32 = 480;

/// A picture made larger for the binariser and the finder search, with the factor and border
/// (in the original's pixels) that map its points back.
pub struct Enlarged {
    /// The larger picture's pixels, row by row.
    pub pixels: Vec<u8>,
    /// Its width.
    pub width: u32,
    /// Its height.
    pub height: u32,
    /// How many times larger than the original (with its border).
    pub factor: u32,
    /// The border added around the original, in the original's pixels.
    pub border: u32,
}

/// A small picture made larger: a light border of about a tenth of its shorter side added
/// around it (a code cropped close, with little or no quiet zone, gets one), then enlarged by
/// the smallest whole factor (at most 4) that makes its shorter side at least [`SMALL_SIDE`],
/// by bilinear interpolation, so a code at 2 or 3 pixels a module gets module edges between
/// pixels back. The border takes the picture's light level (its 95th percentile). `None` for a
/// picture that is not small.
pub fn enlarge(image: &Image<'_>) -> Option<Enlarged> {
    let short = image.width().min(image.height());
    if short >= SMALL_SIDE {
        return None;
    }
    let border = (short / 10).max(4);
    let factor = SMALL_SIDE.div_ceil(short + 2 * border).clamp(2, 4);
    // A picture small one way and very long the other (a strip): not larger than a picture may
    // be in the first place.
    let side = |n: u32| u64::from(n + 2 * border) * u64::from(factor);
    if side(image.width()) * side(image.height()) > crate::MAX_PIXELS as u64 {
        return None;
    }
    Some(scale_up(image, factor, border))
}

/// Pictures of at most this many pixels are doubled (see [`double`]): a photo as the app hands
/// it to the decoder (at most 2048 pixels a side, so 2048 × 1536 at 4:3).
pub const MAX_DOUBLED: u32 = 2048 * 1536;

/// A picture that is not small, but not large either, at twice its size (bilinear): a code of
/// 2 pixels a module in a photo of a whole scene. `None` for a small picture ([`enlarge`]'s)
/// and for one over [`MAX_DOUBLED`] pixels, whose codes are rarely that fine and whose double
/// would cost too much.
pub fn double(image: &Image<'_>) -> Option<Enlarged> {
    let (w, h) = (image.width(), image.height());
    if w.min(h) < SMALL_SIDE || w.saturating_mul(h) > MAX_DOUBLED {
        return None;
    }
    Some(scale_up(image, 2, 0))
}

/// `image` with `border` pixels of its light level around it, enlarged `factor` times by
/// bilinear interpolation.
fn scale_up(image: &Image<'_>, factor: u32, border: u32) -> Enlarged {
    let (w, h) = (image.width(), image.height());
    // Only a border needs the light level (a pass over every pixel).
    let light = if border > 0 {
        percentile(image.pixels(), 95)
    } else {
        255
    };
    let (pw, ph) = (w + 2 * border, h + 2 * border);
    let source = |x: u32, y: u32| -> u32 {
        let inside = x >= border && x < border + w && y >= border && y < border + h;
        if inside {
            u32::from(image.pixels()[((y - border) * w + (x - border)) as usize])
        } else {
            u32::from(light)
        }
    };
    let (ow, oh) = (pw * factor, ph * factor);
    let mut out = Vec::with_capacity(ow as usize * oh as usize);
    // Each output pixel's centre, in the bordered picture's pixels, fixed-point 8 bits.
    let at = |o: u32, n: u32| -> (u32, u32, u32) {
        let pos = ((2 * u64::from(o) + 1) * 256 / (2 * u64::from(factor))).saturating_sub(128);
        let i = u32::try_from(pos / 256).unwrap_or(u32::MAX).min(n - 1);
        (i, (i + 1).min(n - 1), (pos % 256) as u32)
    };
    for oy in 0..oh {
        let (y0, y1, fy) = at(oy, ph);
        for ox in 0..ow {
            let (x0, x1, fx) = at(ox, pw);
            let top = source(x0, y0) * (256 - fx) + source(x1, y0) * fx;
            let bottom = source(x0, y1) * (256 - fx) + source(x1, y1) * fx;
            out.push(((top * (256 - fy) + bottom * fy) >> 16) as u8);
        }
    }
    Enlarged {
        pixels: out,
        width: ow,
        height: oh,
        factor,
        border,
    }
}

/// The `pct`-th percentile of the pixels.
fn percentile(pixels: &[u8], pct: usize) -> u8 {
    let mut counts = [0usize; 256];
    for &p in pixels {
        counts[usize::from(p)] += 1;
    }
    let target = pixels.len() / 100 * pct;
    let mut seen = 0;
    for (value, count) in counts.iter().enumerate() {
        seen += count;
        if seen > target {
            return value as u8;
        }
    }
    255
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
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

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
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

    /// The mean of the window, cut off at the borders, the slow way.
    fn sharpen_by_hand(pixels: &[u8], w: usize, h: usize, radius: usize, amount: i32) -> Vec<u8> {
        let mut out = Vec::new();
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
                let mean = (sum / n) as i32;
                out.push((p + amount * (p - mean)).clamp(0, 255) as u8);
            }
        }
        out
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn sharpening_matches_the_definition_at_every_pixel_borders_included() {
        for (w, h) in [(1, 1), (3, 2), (5, 5), (17, 9), (64, 33)] {
            let pixels: Vec<u8> = (0u32..(w * h) as u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
                .collect();
            let image = Image::new(w as u32, h as u32, &pixels).unwrap();
            assert_eq!(
                sharpen::<2>(&image, 2),
                sharpen_by_hand(&pixels, w, h, 2, 2),
                "{w}×{h}"
            );
            assert_eq!(
                sharpen::<1>(&image, 3),
                sharpen_by_hand(&pixels, w, h, 1, 3),
                "{w}×{h}"
            );
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_small_picture_gets_a_light_border_and_is_enlarged() {
        // 50 × 40, dark on the left half, light (200) on the right.
        let pixels: Vec<u8> = (0..50 * 40)
            .map(|i| if i % 50 < 25 { 10 } else { 200 })
            .collect();
        let image = Image::new(50, 40, &pixels).unwrap();
        let Enlarged {
            pixels: out,
            width: w,
            height: h,
            factor,
            border,
        } = enlarge(&image).unwrap();
        assert_eq!(
            (border, factor),
            (4, 4),
            "a tenth of 40, at least 4; 480 / 48 capped at 4"
        );
        assert_eq!((w, h), ((50 + 8) * 4, (40 + 8) * 4));
        assert_eq!(out.len(), (w * h) as usize);
        // The border takes the light level; inside, flat areas keep their value.
        assert_eq!(out[0], 200);
        let at = |x: u32, y: u32| out[(y * w + x) as usize];
        assert_eq!(at(4 * (4 + 5), 4 * (4 + 20)), 10);
        assert_eq!(at(4 * (4 + 45), 4 * (4 + 20)), 200);
        // Across the dark-light edge the values climb, not jump.
        let edge: Vec<u8> = (4 * (4 + 23)..4 * (4 + 27)).map(|x| at(x, 100)).collect();
        assert!(edge.windows(2).all(|p| p[0] <= p[1]), "{edge:?}");
        assert!(edge.iter().any(|&p| p > 10 && p < 200), "{edge:?}");
        let large = vec![0; 500 * 480];
        assert!(enlarge(&Image::new(500, 480, &large).unwrap()).is_none());
        // A strip small one way and long the other would be larger than any picture may be.
        let strip = vec![0; 400_000 * 10];
        assert!(enlarge(&Image::new(400_000, 10, &strip).unwrap()).is_none());
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_middling_picture_is_doubled_and_others_are_not() {
        let pixels: Vec<u8> = (0..640 * 480).map(|i| (i % 640 / 3) as u8).collect();
        let image = Image::new(640, 480, &pixels).unwrap();
        let twice = double(&image).unwrap();
        assert_eq!(
            (twice.width, twice.height, twice.factor, twice.border),
            (1280, 960, 2, 0)
        );
        // A smooth ramp stays a ramp: each pixel of the original is two of the double.
        let at = |x: u32, y: u32| twice.pixels[(y * 1280 + x) as usize];
        assert!(at(300, 10).abs_diff(pixels[150]) <= 1);
        assert!(at(301, 10) >= at(300, 10) && at(302, 10) >= at(301, 10));
        let small = vec![0; 400 * 400];
        assert!(
            double(&Image::new(400, 400, &small).unwrap()).is_none(),
            "enlarge's"
        );
        let photo = vec![0; 2048 * 1536];
        assert!(
            double(&Image::new(2048, 1536, &photo).unwrap()).is_some(),
            "a photo as sent"
        );
        let huge = vec![0; 2100 * 1600];
        assert!(
            double(&Image::new(2100, 1600, &huge).unwrap()).is_none(),
            "too large"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn inverting_swaps_black_and_white() {
        assert_eq!(invert(&[0, 255, 100]), vec![255, 0, 155]);
    }
}
