//! rxing's port of zxing-cpp's QR detector, with the finder patterns put together here.
//!
//! rxing 0.9 finds candidate patterns and samples and decodes a symbol from three of them as
//! zxing-cpp does. Its `GenerateFinderPatternSets` ports zxing-cpp's newer spatial search for
//! candidates, but takes each pair of candidates in the order the search met them, where
//! zxing-cpp reorders them by size: the distances are weighed by the patterns' size ratio,
//! which assumes the smaller comes first. When it does not, a code seen at an angle (one side
//! nearer the camera, so its finder patterns bigger) gets its top-left corner put at another
//! corner, and does not read at all. Here the three patterns of a set are always taken
//! smallest first. The weighing, the limits and the score are zxing-cpp's current ones,
//! except the corner, allowed 90° ± 45° as in zxing-cpp 2 rather than ± 30°; sampling and
//! decoding are rxing's (`SampleQR`, `Decode`).

use rxing::common::BitMatrix;
use rxing::common::DetectorRXingResult;
use rxing::common::cpp_essentials::ConcentricPattern;
use rxing::qrcode::cpp_port::decoder::Decode;
use rxing::qrcode::cpp_port::detector::{FindFinderPatterns, FinderPatternSet, SampleQR};

use crate::Read;

/// At most this many candidate patterns are combined (the biggest): sets grow with the cube.
/// zxing-cpp bounds the work with its spatial search instead; a busy picture can have more
/// candidates than this, and a small code among them may then be missed.
const MAX_PATTERNS: usize = 64;
/// At most this many sets are sampled, the most plausible first (zxing-cpp's limit).
const MAX_SETS: usize = 256;

/// Reads the first QR code whose finder patterns are found in `bits` (black = true), looking
/// along every third row when `hard`, else along fewer (rxing's "not trying hard").
pub(crate) fn read(bits: &BitMatrix, hard: bool) -> Option<Read> {
    let patterns = FindFinderPatterns(bits, hard, 0);
    for set in sets(patterns).into_iter().take(MAX_SETS) {
        let Ok(detected) = SampleQR(bits, &set) else {
            continue;
        };
        let Ok(decoded) = Decode(detected.getBits()) else {
            continue;
        };
        if decoded.isValid() {
            let points = detected.getPoints().iter().map(|p| (p.x, p.y)).collect();
            return Some((decoded.content().bytes().to_vec(), points));
        }
    }
    None
}

/// Every plausible set of three finder patterns, ordered bottom-left, top-left, top-right, the
/// most plausible (the smallest, with the most nearly equal sides) first.
fn sets(mut patterns: Vec<ConcentricPattern>) -> Vec<FinderPatternSet> {
    // Biggest first to keep the biggest, then smallest first for the pairing below.
    patterns.sort_by_key(|p| std::cmp::Reverse(p.size));
    patterns.truncate(MAX_PATTERNS);
    patterns.reverse();
    // A pattern's size is proportional to its nearness to the camera, so a squared distance
    // from a smaller pattern towards a bigger one is scaled by their ratio: a coarse correction
    // for the shortening of a slanted symbol, valid while a ≤ b < 2a (zxing-cpp once scaled by
    // the square of the ratio, which let degenerate triangles through the angle test).
    let weighted = |a: &ConcentricPattern, b: &ConcentricPattern| {
        let d = a.p - b.p;
        f64::from(d.x * d.x + d.y * d.y) * f64::from(b.size) / f64::from(a.size.max(1))
    };
    // The corner at the top-left pattern is 90° ± 45°.
    let cos_limit = std::f64::consts::FRAC_1_SQRT_2;
    let mut scored = Vec::new();
    let n = patterns.len();
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let (mut a, mut b, mut c) = (&patterns[i], &patterns[j], &patterns[k]);
                // Sorted: the rest of k's are bigger still.
                if c.size > a.size * 2 {
                    break;
                }
                let (mut ab, mut bc, mut ac) = (weighted(a, b), weighted(b, c), weighted(a, c));
                // B, the top-left, is the corner opposite the longest side.
                if bc >= ab && bc >= ac {
                    std::mem::swap(&mut a, &mut b);
                    std::mem::swap(&mut bc, &mut ac);
                } else if ab >= ac && ab >= bc {
                    std::mem::swap(&mut b, &mut c);
                    std::mem::swap(&mut ab, &mut ac);
                }
                let (ab_len, bc_len) = (ab.sqrt(), bc.sqrt());
                if ab_len > 2.0 * bc_len || bc_len > 2.0 * ab_len {
                    continue;
                }
                let module = 2.0 * f64::from(a.size + b.size + c.size) / 21.0;
                let modules = (ab_len + bc_len) / module + 7.0;
                if !(21.0 * 0.9..=177.0 * 1.5).contains(&modules) {
                    continue;
                }
                let cos = (ab + bc - ac) / (2.0 * ab_len * bc_len);
                if cos.is_nan() || cos.abs() > cos_limit {
                    continue;
                }
                // Image y grows downwards: the top-right is clockwise from the bottom-left.
                if ConcentricPattern::cross(*c - *b, *a - *b) < 0.0 {
                    std::mem::swap(&mut a, &mut c);
                }
                let score = ab_len + bc_len + (ab_len - bc_len).abs();
                scored.push((
                    score,
                    FinderPatternSet {
                        bl: *a,
                        tl: *b,
                        tr: *c,
                    },
                ));
            }
        }
    }
    scored.sort_by(|x, y| x.0.total_cmp(&y.0));
    scored.into_iter().map(|(_, set)| set).collect()
}

#[cfg(test)]
mod tests {
    use rxing::Point;

    use super::*;

    fn pattern(x: f32, y: f32, size: i32) -> ConcentricPattern {
        ConcentricPattern {
            p: Point { x, y },
            size,
        }
    }

    /// The finder patterns of a code seen at an angle (its right side 30 % shorter), as
    /// rxing finds them in such a frame: whatever order they come in, the top-left is the
    /// one at the square corner.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_top_left_is_the_square_corner_whatever_the_order() {
        let (tl, tr, bl) = (
            pattern(539.1, 236.4, 55),
            pattern(751.4, 260.1, 39),
            pattern(538.8, 461.1, 55),
        );
        for order in [
            [tl, tr, bl],
            [tl, bl, tr],
            [tr, tl, bl],
            [tr, bl, tl],
            [bl, tl, tr],
            [bl, tr, tl],
        ] {
            let found = sets(order.to_vec());
            assert_eq!(found.len(), 1);
            assert_eq!(
                (found[0].tl.p, found[0].tr.p, found[0].bl.p),
                (tl.p, tr.p, bl.p)
            );
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn patterns_too_different_in_size_or_too_few_make_no_set() {
        let (tl, tr) = (pattern(100.0, 100.0, 21), pattern(300.0, 100.0, 21));
        assert!(sets(vec![tl, tr]).is_empty());
        assert!(sets(vec![tl, tr, pattern(100.0, 300.0, 50)]).is_empty());
        assert_eq!(sets(vec![tl, tr, pattern(100.0, 300.0, 21)]).len(), 1);
    }
}
