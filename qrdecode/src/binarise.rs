//! ZXing's hybrid binariser, bit for bit, a machine word at a time.
//!
//! rxing's `HybridBinarizer` decides each pixel with a branch and sets black ones one by one;
//! on a busy picture (a camera looking at anything but a code) the branch is a coin toss, and
//! thresholding took over a third of an rxing step. This computes the same black points and
//! thresholds (8 × 8 blocks, each threshold the mean of the 5 × 5 blocks around it) and the
//! same matrix, but builds each block row's bits without branching and writes whole words.
//! `tests` checks it against rxing's own on pictures of every kind.

use std::borrow::Cow;
use std::cell::OnceCell;

use rxing::common::{BitArray, BitMatrix, GlobalHistogramBinarizer, LineOrientation, Result};
use rxing::{Binarizer, LuminanceSource};

const BLOCK: usize = 8;
/// Smaller pictures are binarised globally, as rxing does.
const MINIMUM: usize = BLOCK * 5;
/// A block whose pixels span no more than this is taken as flat.
const MIN_DYNAMIC_RANGE: u8 = 24;
/// Bits in one of `BitMatrix`'s words (a `usize`).
const WORD: usize = usize::BITS as usize;

/// A drop-in for rxing's `HybridBinarizer`: the same rows (from the global histogram
/// binariser, as there) and the same matrix, sooner. Public for the fuzz target that compares
/// the two.
pub struct FastHybrid<LS: LuminanceSource> {
    global: GlobalHistogramBinarizer<LS>,
    matrix: OnceCell<BitMatrix>,
}

impl<LS: LuminanceSource> FastHybrid<LS> {
    /// Binarises `source` (lazily, on the first call for the matrix).
    pub fn new(source: LS) -> Self {
        Self {
            global: GlobalHistogramBinarizer::new(source),
            matrix: OnceCell::new(),
        }
    }
}

impl<LS: LuminanceSource> Binarizer for FastHybrid<LS> {
    type Source = LS;

    fn get_luminance_source(&self) -> &LS {
        self.global.get_luminance_source()
    }

    fn get_black_row(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        self.global.get_black_row(y)
    }

    fn get_black_row_from_matrix(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        match self.matrix.get() {
            Some(matrix) => Ok(Cow::Owned(matrix.getRow(y as u32))),
            None => self.get_black_row(y),
        }
    }

    fn get_black_matrix(&self) -> Result<&BitMatrix> {
        if let Some(matrix) = self.matrix.get() {
            return Ok(matrix);
        }
        let source = self.global.get_luminance_source();
        let (width, height) = (source.get_width(), source.get_height());
        let matrix = if width >= MINIMUM && height >= MINIMUM {
            black_matrix(&source.get_matrix(), width, height)?
        } else {
            self.global.get_black_matrix()?.clone()
        };
        Ok(self.matrix.get_or_init(|| matrix))
    }

    fn get_black_line(&self, l: usize, lt: LineOrientation) -> Result<Cow<'_, BitArray>> {
        self.global.get_black_line(l, lt)
    }

    fn create_binarizer(&self, source: LS) -> Self {
        Self::new(source)
    }

    fn get_width(&self) -> usize {
        self.global.get_width()
    }

    fn get_height(&self) -> usize {
        self.global.get_height()
    }
}

/// The hybrid binariser's matrix of `luminances` (`width` × `height`, both at least
/// [`MINIMUM`]).
fn black_matrix(luminances: &[u8], width: usize, height: usize) -> Result<BitMatrix> {
    let (blocks_x, blocks_y) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    // The last block of a row or column is moved back inside the picture (so it overlaps the
    // one before it when the size is not a multiple of 8), as rxing does.
    let (last_x, last_y) = (width - BLOCK, height - BLOCK);
    let origin = |bx: usize, by: usize| ((bx * BLOCK).min(last_x), (by * BLOCK).min(last_y));

    let mut black = vec![0u32; blocks_x * blocks_y];
    for by in 0..blocks_y {
        for bx in 0..blocks_x {
            let (x0, y0) = origin(bx, by);
            // Until a row shows contrast, the extremes are kept (after that they no longer
            // matter, and rxing stops updating them too).
            let flat = |min: u8, max: u8| max.saturating_sub(min) <= MIN_DYNAMIC_RANGE;
            let (mut sum, mut min, mut max) = (0u32, u8::MAX, u8::MIN);
            for row in luminances[y0 * width..].chunks(width).take(BLOCK) {
                let pixels = &row[x0..x0 + BLOCK];
                sum += pixels.iter().map(|&p| u32::from(p)).sum::<u32>();
                if flat(min, max) {
                    min = pixels.iter().fold(min, |m, &p| m.min(p));
                    max = pixels.iter().fold(max, |m, &p| m.max(p));
                }
            }
            let mut point = sum >> 6;
            if flat(min, max) {
                // A flat block: light background unless its neighbours, already estimated,
                // say it is darker than their black point.
                point = u32::from(min) / 2;
                if by > 0 && bx > 0 {
                    let above = (by - 1) * blocks_x + bx;
                    let neighbours =
                        (black[above] + 2 * black[by * blocks_x + bx - 1] + black[above - 1]) / 4;
                    if u32::from(min) < neighbours {
                        point = neighbours;
                    }
                }
            }
            black[by * blocks_x + bx] = point;
        }
    }

    let words_per_row = width.div_ceil(WORD);
    let mut words = vec![0usize; words_per_row * height];
    for by in 0..blocks_y {
        let top = by.clamp(2, blocks_y - 3);
        for bx in 0..blocks_x {
            let left = bx.clamp(2, blocks_x - 3);
            let sum: u32 = (top - 2..=top + 2)
                .map(|y| {
                    black[y * blocks_x + left - 2..=y * blocks_x + left + 2]
                        .iter()
                        .sum::<u32>()
                })
                .sum();
            let threshold = sum / 25;
            let (x0, y0) = origin(bx, by);
            let (word, shift) = (x0 / WORD, x0 % WORD);
            for y in y0..y0 + BLOCK {
                let start = y * width + x0;
                let Ok(pixels) = luminances[start..start + BLOCK].try_into() else {
                    continue;
                };
                let bits = usize::from(black_bits(pixels, threshold));
                let row = &mut words[y * words_per_row..][..words_per_row];
                // ORed, as rxing only ever sets bits: where blocks overlap, black in either
                // is black.
                row[word] |= bits << shift;
                if shift + BLOCK > WORD {
                    row[word + 1] |= bits >> (WORD - shift);
                }
            }
        }
    }

    let mut matrix = BitMatrix::new(width as u32, height as u32)?;
    let mut row = BitArray::with_size(width);
    for (y, words) in words.chunks_exact(words_per_row).enumerate() {
        for (i, &word) in words.iter().enumerate() {
            row.setBulk(i * WORD, word);
        }
        matrix.setRow(y as u32, &row);
    }
    Ok(matrix)
}

/// Which of 8 pixels are black (at or below `threshold`, so 0 is black even when it is 0), as
/// the bits of a byte, the first pixel lowest. Eight comparisons at once in a 64-bit word:
/// each pixel gets a 16-bit lane holding 256 + threshold − pixel, whose bit 8 is set exactly
/// when pixel ≤ threshold; a multiply then gathers those bits into one byte.
fn black_bits(pixels: &[u8; BLOCK], threshold: u32) -> u8 {
    const LANES: u64 = 0x0001_0001_0001_0001;
    const LOW_BYTES: u64 = 0x00FF_00FF_00FF_00FF;
    // Moves lane bits 0, 16, 32, 48 to bits 48, 50, 52, 54, with no other product landing
    // there.
    const GATHER: u64 = (1 << 48) | (1 << 34) | (1 << 20) | (1 << 6);
    let v = u64::from_le_bytes(*pixels);
    let biased = (0x100 + u64::from(threshold.min(255))) * LANES;
    let even = ((biased - (v & LOW_BYTES)) >> 8) & LANES;
    let odd = ((biased - ((v >> 8) & LOW_BYTES)) >> 8) & LANES;
    let even = (even.wrapping_mul(GATHER) >> 48) & 0x55;
    let odd = (odd.wrapping_mul(GATHER) >> 47) & 0xAA;
    (even | odd) as u8
}

#[cfg(test)]
mod tests {
    use rxing::Luma8Source;
    use rxing::common::HybridBinarizer;

    use super::*;

    /// Pictures with busy, flat, dark, light and graded parts, in sizes that are and are not
    /// multiples of a block.
    fn picture(width: usize, height: usize, seed: u32) -> Vec<u8> {
        (0..width * height)
            .map(|i| {
                let (x, y) = (i % width, i / width);
                let noise = (i as u32 ^ seed).wrapping_mul(2_654_435_761) >> 24;
                match (x * 4 / width, y * 3 / height) {
                    (0, _) => noise as u8,
                    (1, 0) => 200,
                    (1, 1) => 12 + (noise % 20) as u8,
                    (1, _) => {
                        if (x / 3 + y / 5) % 2 == 0 {
                            30
                        } else {
                            220
                        }
                    }
                    (2, _) => (x * 255 / width) as u8,
                    _ => (100 + noise % 40 + (y as u32 % 16) * 4) as u8,
                }
            })
            .collect()
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn eight_pixels_compare_at_once_as_one_at_a_time() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..20_000u32 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut pixels = state.to_le_bytes();
            // Edges: every pixel 0 or 255 now and then.
            if round % 97 == 0 {
                pixels = [0, 255, 0, 255, 255, 0, 0, 255];
            }
            let threshold = round % 256;
            let expected = pixels.iter().enumerate().fold(0u8, |bits, (i, &p)| {
                bits | u8::from(u32::from(p) <= threshold) << i
            });
            assert_eq!(
                black_bits(&pixels, threshold),
                expected,
                "{pixels:?} ≤ {threshold}"
            );
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_matrix_is_rxings_bit_for_bit() {
        for (width, height, seed) in [
            (1280, 720, 1),
            (333, 257, 2),
            (40, 40, 3),
            (41, 47, 4),
            (64, 130, 5),
            (100, 39, 6),
            // The last block of a row straddling two words (32- or 64-bit ones).
            (65, 41, 7),
            (1287, 45, 8),
        ] {
            let pixels = picture(width, height, seed);
            let source = || Luma8Source::new(pixels.clone(), width as u32, height as u32).unwrap();
            let ours = FastHybrid::new(source());
            let theirs = HybridBinarizer::new(source());
            assert_eq!(
                ours.get_black_matrix().unwrap(),
                theirs.get_black_matrix().unwrap(),
                "{width}×{height}"
            );
        }
    }
}
