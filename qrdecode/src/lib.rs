//! Reading QR codes out of greyscale pictures: camera frames, photos and uploaded images.
//!
//! One pipeline for the browser (in a Web Worker) and for `cargo xtask decode` (natively): a
//! list of [`Step`]s tried in order until one reads a code. `rxing` (a port of ZXing and
//! zxing-cpp) comes first, its finder patterns paired here (`finder`: rxing's own pairing
//! misses codes seen at an angle); `rqrr` and rxing with other binarisers, on a sharpened or
//! a downscaled copy, are second opinions for what it misses. Which steps and in what order is
//! chosen by measurement (`cargo xtask bench qr`, docs/BENCHMARKS.md). Camera frames get the
//! lighter [`Pipeline::LIVE`], a step a frame, through [`decode_frame`].
//!
//! A decoder that panics is caught where the platform can unwind (natively) and counted in
//! [`Outcome::panics`]; in wasm a panic aborts the worker, which the app restarts.

#![forbid(unsafe_code)]

mod binarise;
mod finder;
mod prepare;

use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::common::GlobalHistogramBinarizer;
use rxing::qrcode::QRCodeReader;
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Luma8Source, RXingResult,
    RXingResultMetadataType, RXingResultMetadataValue, Reader,
};
use thiserror::Error;

pub use binarise::FastHybrid;
pub use prepare::{Enlarged, MAX_DOUBLED, SMALL_SIDE, double, downscale, enlarge, invert, sharpen};

/// Largest picture accepted, in pixels (a 48-megapixel photo).
pub const MAX_PIXELS: usize = 48_000_000;

/// Why a buffer is not a picture to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum ImageError {
    /// Width or height is zero.
    #[error("the image is empty")]
    Empty,
    /// The buffer does not hold width × height bytes.
    #[error("the image should have {expected} bytes (one per pixel), not {actual}")]
    SizeMismatch {
        /// width × height.
        expected: usize,
        /// The buffer's length.
        actual: usize,
    },
    /// More than [`MAX_PIXELS`].
    #[error("the image has more than {MAX_PIXELS} pixels")]
    TooLarge,
}

/// A greyscale picture: one byte a pixel (0 black, 255 white), rows top to bottom.
#[derive(Clone, Copy, Debug)]
pub struct Image<'a> {
    width: u32,
    height: u32,
    pixels: &'a [u8],
}

impl<'a> Image<'a> {
    /// Checks that `pixels` holds `width` × `height` bytes.
    pub fn new(width: u32, height: u32, pixels: &'a [u8]) -> Result<Self, ImageError> {
        if width == 0 || height == 0 {
            return Err(ImageError::Empty);
        }
        let expected = (width as usize)
            .checked_mul(height as usize)
            .ok_or(ImageError::TooLarge)?;
        if expected > MAX_PIXELS {
            return Err(ImageError::TooLarge);
        }
        if pixels.len() != expected {
            return Err(ImageError::SizeMismatch {
                expected,
                actual: pixels.len(),
            });
        }
        Ok(Self {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixels, row by row.
    pub fn pixels(&self) -> &'a [u8] {
        self.pixels
    }
}

/// One way of trying to read a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    /// rxing with its hybrid (local) binariser (trying hard, except on camera frames: see
    /// [`decode_frame`]), also on the inverted picture: its
    /// zxing-cpp detector, then its ZXing-Java one. On camera frames the other rxing steps use
    /// the first only: the second costs as much again on every frame without a code, and adds
    /// a frame in a few hundred only to the first step. Photos, read once, get both everywhere.
    Rxing,
    /// rxing with the global histogram binariser (better on evenly lit, blurry pictures).
    RxingGlobal,
    /// rxing on a copy at half the size (large photos, coarse noise, moiré).
    RxingHalf,
    /// rqrr on the picture as it is.
    Rqrr,
    /// rqrr on the inverted picture (light modules on a dark ground).
    RqrrInverted,
    /// rqrr on a copy at half the size.
    RqrrHalf,
    /// rxing on a sharpened copy (blurred, out-of-focus codes).
    RxingSharp,
    /// rxing on a small picture given a light border and enlarged ([`enlarge`]): codes cropped
    /// close and codes a few pixels a module. Nothing on a picture that is not small.
    RxingLarge,
    /// rxing on a sharpened copy of a picture at twice its size ([`double`]): codes of 2 pixels
    /// a module in a larger picture. Nothing on small or very large pictures.
    RxingDouble,
}

impl Step {
    /// Every step, for benchmarks.
    pub const ALL: [Step; 9] = [
        Step::Rxing,
        Step::RxingLarge,
        Step::RxingDouble,
        Step::RxingGlobal,
        Step::RxingHalf,
        Step::Rqrr,
        Step::RqrrInverted,
        Step::RqrrHalf,
        Step::RxingSharp,
    ];

    /// The step called `name` (see [`Step::name`]).
    pub fn from_name(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Step::Rxing => "rxing",
            Step::RxingGlobal => "rxing-global",
            Step::RxingHalf => "rxing-half",
            Step::Rqrr => "rqrr",
            Step::RqrrInverted => "rqrr-inverted",
            Step::RqrrHalf => "rqrr-half",
            Step::RxingSharp => "rxing-sharp",
            Step::RxingLarge => "rxing-large",
            Step::RxingDouble => "rxing-double",
        }
    }
}

/// The steps tried, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// A name for reports.
    pub name: &'static str,
    /// Tried in this order until one reads a code.
    pub steps: &'static [Step],
}

impl Pipeline {
    /// What the app runs on every photo and uploaded picture (camera frames get
    /// [`Pipeline::LIVE`]).
    /// Chosen by `cargo xtask bench qr` (docs/BENCHMARKS.md): rxing reads the most alone; on a
    /// small picture, given a border and enlarged, it reads codes cropped close and codes of 2
    /// or 3 pixels a module (and costs nothing on larger pictures); last, on a sharpened copy at
    /// twice the size of a picture up to 2048 × 1536 (a photo as the app sends it), it reads codes of 2 pixels a module that every
    /// other step misses (seen at an angle, blurred, in glare); on a
    /// sharpened copy it reads blurred and low-contrast frames it otherwise misses; its global
    /// binariser is cheap and adds glare; the half-size copy adds moiré and noise; rqrr, the
    /// slowest, comes last and adds a few glare frames.
    pub const DEFAULT: Pipeline = Pipeline {
        name: "default",
        steps: &[
            Step::Rxing,
            Step::RxingLarge,
            Step::RxingSharp,
            Step::RxingGlobal,
            Step::RxingHalf,
            Step::Rqrr,
            Step::RxingDouble,
        ],
    };
    /// What the scanner runs on live camera frames, one step a frame in turn: the default
    /// pipeline without rqrr, which costs several times any rxing step on every frame while
    /// searching, for a few frames of a thousand that no rxing step reads
    /// (docs/BENCHMARKS.md). Photos and uploads still get rqrr.
    pub const LIVE: Pipeline = Pipeline {
        name: "live",
        steps: &[
            Step::Rxing,
            Step::RxingSharp,
            Step::RxingGlobal,
            Step::RxingHalf,
        ],
    };
    /// Every step: slowest, reads the most.
    pub const THOROUGH: Pipeline = Pipeline {
        name: "thorough",
        steps: &Step::ALL,
    };
    /// rxing alone.
    pub const RXING: Pipeline = Pipeline {
        name: "rxing",
        steps: &[Step::Rxing],
    };
    /// rqrr alone (the decoder the design first named).
    pub const RQRR: Pipeline = Pipeline {
        name: "rqrr",
        steps: &[Step::Rqrr],
    };
    /// The pipelines a benchmark compares.
    pub const OPTIONS: [Pipeline; 4] = [
        Pipeline::RQRR,
        Pipeline::RXING,
        Pipeline::DEFAULT,
        Pipeline::THOROUGH,
    ];
}

/// A code that was read.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The code's payload bytes (segments joined; no ECI markers).
    pub bytes: Vec<u8>,
    /// The step that read it.
    pub step: Step,
    /// Where the code is, in the picture's pixels: its four corners (rqrr) or the centres of
    /// its finder patterns (rxing). For marking it on screen.
    pub points: Vec<(f32, f32)>,
}

impl Found {
    /// The payload as text: UTF-8 when it is valid UTF-8, else ISO-8859-1 (one char a byte).
    pub fn text(&self) -> String {
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => text.to_owned(),
            Err(_) => self.bytes.iter().map(|&b| char::from(b)).collect(),
        }
    }
}

/// What a run of the pipeline gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    /// The first code read, if any.
    pub found: Option<Found>,
    /// Steps whose decoder panicked (caught; only where the platform unwinds).
    pub panics: Vec<Step>,
}

/// Runs `pipeline` over `image` until a step reads a code.
pub fn decode(image: &Image<'_>, pipeline: &Pipeline) -> Outcome {
    decode_with(image, pipeline.steps)
}

/// Tries `steps` over `image`, in order, until one reads a code.
pub fn decode_with(image: &Image<'_>, steps: &[Step]) -> Outcome {
    run(image, steps, Effort::Hard)
}

/// Tries `steps` over a live camera frame: as [`decode_with`], but rxing looks for finder
/// patterns along fewer rows (every fifth in a 720-row frame, not every third: ZXing's "not
/// trying hard"). On a busy picture that search is most of a step's time, and the next frame
/// comes a moment later; it reads as many of the benchmark's frames (docs/BENCHMARKS.md).
pub fn decode_frame(image: &Image<'_>, steps: &[Step]) -> Outcome {
    run(image, steps, Effort::Quick)
}

/// How hard rxing searches a picture for finder patterns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Effort {
    /// A camera frame: another follows.
    Quick,
    /// A photo or a picture: the only chance.
    Hard,
}

fn run(image: &Image<'_>, steps: &[Step], effort: Effort) -> Outcome {
    let mut outcome = Outcome::default();
    let mut half: Option<Option<(Vec<u8>, u32, u32)>> = None;
    for &step in steps {
        // rxing's ZXing-Java detector, after its zxing-cpp one: in the first step always, in
        // the others only on photos (see `Step::Rxing`).
        let java = step == Step::Rxing || effort == Effort::Hard;
        let result: std::thread::Result<Option<Read>> =
            catch_unwind(AssertUnwindSafe(|| match step {
                Step::Rxing => rxing_hybrid(image, java, effort),
                Step::RxingGlobal => rxing_global(image, java, effort),
                Step::Rqrr => rqrr(image),
                Step::RxingSharp => {
                    let sharp = sharpen::<2>(image, 2);
                    Image::new(image.width, image.height, &sharp)
                        .ok()
                        .and_then(|i| rxing_hybrid(&i, java, effort))
                }
                Step::RqrrInverted => {
                    let inverted = invert(image.pixels);
                    Image::new(image.width, image.height, &inverted)
                        .ok()
                        .and_then(|i| rqrr(&i))
                }
                Step::RxingLarge => {
                    read_enlarged(enlarge(image)?, |i| rxing_hybrid(i, java, effort))
                }
                Step::RxingDouble => read_enlarged(double(image)?, |i| {
                    let sharp = sharpen::<2>(i, 2);
                    Image::new(i.width, i.height, &sharp)
                        .ok()
                        .and_then(|i| rxing_hybrid(&i, java, effort))
                }),
                Step::RxingHalf | Step::RqrrHalf => {
                    let half = half.get_or_insert_with(|| downscale(image, 2));
                    let (pixels, width, height) = half.as_ref()?;
                    let smaller = Image::new(*width, *height, pixels).ok()?;
                    let read = if step == Step::RxingHalf {
                        rxing_hybrid(&smaller, java, effort)
                    } else {
                        rqrr(&smaller)
                    };
                    // Back to the full picture's pixels.
                    read.map(|(bytes, points)| {
                        (
                            bytes,
                            points
                                .into_iter()
                                .map(|(x, y)| (x * 2.0, y * 2.0))
                                .collect(),
                        )
                    })
                }
            }));
        match result {
            Ok(Some((bytes, points))) => {
                outcome.found = Some(Found {
                    bytes,
                    step,
                    points,
                });
                break;
            }
            Ok(None) => {}
            Err(_) => outcome.panics.push(step),
        }
    }
    outcome
}

/// `read` on an enlarged copy, its points mapped back to the original's pixels.
fn read_enlarged(larger: Enlarged, read: impl Fn(&Image<'_>) -> Option<Read>) -> Option<Read> {
    let image = Image::new(larger.width, larger.height, &larger.pixels).ok()?;
    let (f, b) = (larger.factor as f32, larger.border as f32);
    read(&image).map(|(bytes, points)| {
        let back = points.into_iter().map(|(x, y)| (x / f - b, y / f - b));
        (bytes, back.collect())
    })
}

fn hints(effort: Effort) -> DecodeHints {
    DecodeHints {
        TryHarder: Some(effort == Effort::Hard),
        PossibleFormats: Some([BarcodeFormat::QR_CODE].into_iter().collect()),
        ..DecodeHints::default()
    }
}

/// Payload bytes and where the code is.
type Read = (Vec<u8>, Vec<(f32, f32)>);

fn rxing_hybrid(image: &Image<'_>, java: bool, effort: Effort) -> Option<Read> {
    let source = Luma8Source::new_with_slice(image.pixels, image.width, image.height).ok()?;
    rxing_read(binarise::FastHybrid::new(source), java, effort)
}

fn rxing_global(image: &Image<'_>, java: bool, effort: Effort) -> Option<Read> {
    let source = Luma8Source::new_with_slice(image.pixels, image.width, image.height).ok()?;
    rxing_read(GlobalHistogramBinarizer::new(source), java, effort)
}

/// rxing's zxing-cpp detector (with finder patterns paired by [`finder`]), then its ZXing-Java
/// one if `java`, on the binarised picture and then on its inverse.
fn rxing_read<B: Binarizer>(binarizer: B, java: bool, effort: Effort) -> Option<Read> {
    let mut bitmap = BinaryBitmap::new(binarizer);
    for inverted in [false, true] {
        if inverted {
            bitmap.invert();
        }
        if let Some(read) = finder::read(bitmap.get_black_matrix(), effort == Effort::Hard) {
            return Some(read);
        }
        if java && let Ok(result) = QRCodeReader.decode_with_hints(&mut bitmap, &hints(effort)) {
            let points = result.getPoints().iter().map(|p| (p.x, p.y)).collect();
            return Some((rxing_bytes(&result), points));
        }
    }
    None
}

/// The payload bytes of an rxing result: its byte segments where the reader reports them (the
/// ZXing-Java path, whose raw bytes are codewords), else its raw bytes (the zxing-cpp path,
/// where they are the payload).
fn rxing_bytes(result: &RXingResult) -> Vec<u8> {
    match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::BYTE_SEGMENTS)
    {
        Some(RXingResultMetadataValue::ByteSegments(segments)) if !segments.is_empty() => {
            segments.concat()
        }
        _ => result.getRawBytes().to_vec(),
    }
}

fn rqrr(image: &Image<'_>) -> Option<Read> {
    let width = image.width as usize;
    let pixels = image.pixels;
    let mut prepared =
        rqrr::PreparedImage::prepare_from_greyscale(width, image.height as usize, |x, y| {
            pixels[y * width + x]
        });
    prepared.detect_grids().into_iter().find_map(|grid| {
        let mut bytes = Vec::new();
        grid.decode_to(&mut bytes).ok()?;
        let points = grid
            .bounds
            .iter()
            .map(|p| (p.x as f32, p.y as f32))
            .collect();
        Some((bytes, points))
    })
}
