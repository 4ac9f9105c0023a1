//! The "## QR decoding" section: every decoder's read rate by condition and by pixels per
//! module, and its time per frame, from the answers of zxing-cpp and of the app's worker on the
//! frames of `qr_frames.rs`, the pictures of `qr_pictures.rs` and the real pictures of
//! `qr_photos.rs`. Also what the worker is asked to run, since the report reads its answers by
//! the same names.

use std::collections::BTreeMap;

use qrdecode::Pipeline;
use serde_json::Value;

use super::qr_frames::{self, Condition};
use super::qr_photos::{self, Photos};
use super::qr_pictures::{self, Kind};
use super::section::{significant, today};

pub const HEADING: &str = "## QR decoding";
/// The reference decoder, as pip installs it.
pub const ZXING_CPP: &str = "zxing-cpp==3.1.1";
/// What is measured in wasm, in the order of the report: (label, what the worker is asked to
/// run: a `qrdecode::Pipeline` name, or `step:` and step names).
const PIPELINES: [(&str, &str); 11] = [
    ("rqrr", "rqrr"),
    ("rxing", "rxing"),
    ("rxing-large", "step:rxing-large"),
    ("rxing-double", "step:rxing-double"),
    ("rxing-sharp", "step:rxing-sharp"),
    ("rxing-global", "step:rxing-global"),
    ("rxing-half", "step:rxing-half"),
    ("rqrr-half", "step:rqrr-half"),
    ("default", "default"),
    ("thorough", "thorough"),
    ("live", "live"),
];
/// Goal of the issue: decoding a 1280×720 frame in wasm takes at most this long.
const GOAL_MS: f64 = 10.0;

/// What the worker is asked to run, in order: the pipelines and steps of [`PIPELINES`], then
/// each live step as on a camera frame.
pub fn worker_specs() -> Vec<String> {
    PIPELINES
        .map(|(_, spec)| spec.to_owned())
        .into_iter()
        .chain(frame_specs())
        .collect()
}

/// One decoder's answer on one frame.
#[derive(Clone, Copy, Default)]
struct Read {
    correct: bool,
    ms: f64,
    panicked: bool,
}

/// Every decoder's answers, by frame.
pub struct Measured {
    frames: Vec<(String, u32)>,
    /// Decoder name → reads in frame order.
    reads: BTreeMap<String, Vec<Read>>,
    user_agent: String,
}

impl Measured {
    /// Pairs every answer with its frame; a decoder missing a frame is an error.
    pub fn new(manifest: &[Value], zxing: &[Value], wasm: &Value) -> Result<Self, String> {
        let text = |v: &Value| v["text"].as_str().map(str::to_owned);
        let by_file = |list: &[Value]| -> BTreeMap<String, Value> {
            list.iter()
                .filter_map(|v| Some((v["file"].as_str()?.to_owned(), v.clone())))
                .collect()
        };
        let mut reads = BTreeMap::new();
        let mut add = |name: &str, answers: &BTreeMap<String, Value>| -> Result<(), String> {
            let list = manifest
                .iter()
                .map(|frame| {
                    let file = frame["file"].as_str().unwrap_or_default();
                    let answer = answers
                        .get(file)
                        .ok_or_else(|| format!("{name} has no answer for {file}"))?;
                    Ok(Read {
                        correct: text(answer).is_some() && text(answer) == text(frame),
                        ms: answer["ms"].as_f64().unwrap_or(f64::NAN),
                        panicked: answer["panicked"].as_bool().unwrap_or(false),
                    })
                })
                .collect::<Result<Vec<_>, String>>()?;
            reads.insert(name.to_owned(), list);
            Ok(())
        };
        add("zxing-cpp", &by_file(zxing))?;
        let specs = PIPELINES.map(|(label, spec)| (label.to_owned(), spec.to_owned()));
        let frames = frame_specs().into_iter().map(|spec| (spec.clone(), spec));
        for (label, spec) in specs.into_iter().chain(frames) {
            let list = wasm["results"][&spec]
                .as_array()
                .ok_or_else(|| format!("no wasm results for {spec}"))?;
            add(&label, &by_file(list))?;
        }
        Ok(Self {
            frames: manifest
                .iter()
                .map(|f| {
                    (
                        f["condition"].as_str().unwrap_or("?").to_owned(),
                        f["scale"].as_u64().unwrap_or(0) as u32,
                    )
                })
                .collect(),
            reads,
            user_agent: wasm["userAgent"].as_str().unwrap_or("unknown").to_owned(),
        })
    }

    fn rate(&self, decoder: &str, keep: impl Fn(&(String, u32)) -> bool) -> (usize, usize) {
        let reads = &self.reads[decoder];
        let mut total = 0;
        let mut read = 0;
        for (frame, r) in self.frames.iter().zip(reads) {
            if keep(frame) {
                total += 1;
                read += usize::from(r.correct);
            }
        }
        (read, total)
    }

    /// Times on the 1280×720 frames (the pictures are smaller, the real ones of every size).
    fn times(&self, decoder: &str) -> Vec<f64> {
        // A frame whose worker died has no time of its own.
        let mut ms: Vec<f64> = self.reads[decoder]
            .iter()
            .zip(&self.frames)
            .filter(|(r, f)| !r.panicked && f.1 > 0)
            .map(|(r, _)| r)
            .map(|r| r.ms)
            .filter(|m| m.is_finite())
            .collect();
        ms.sort_by(f64::total_cmp);
        ms
    }

    /// The times of every step of the live pipeline, each run as on a camera frame, on the
    /// frames it did not read, pooled and sorted: what a camera frame costs while the scanner
    /// searches (a read stops early, before the inverted picture and the second detector).
    fn searching(&self) -> Vec<f64> {
        let mut ms: Vec<f64> = frame_specs()
            .iter()
            .flat_map(|spec| {
                self.reads[spec.as_str()]
                    .iter()
                    .zip(&self.frames)
                    .filter(|(r, f)| !r.correct && !r.panicked && r.ms.is_finite() && f.1 > 0)
                    .map(|(r, _)| r.ms)
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        ms
    }
}

/// Each step of the live pipeline alone, run as on a camera frame (`frame:` in the bench).
fn frame_specs() -> Vec<String> {
    Pipeline::LIVE
        .steps
        .iter()
        .map(|step| format!("frame:{}", step.name()))
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

fn rate_cell((read, total): (usize, usize)) -> String {
    if total == 0 {
        return "–".into();
    }
    format!(
        "{:.1} % ({read}/{total})",
        100.0 * read as f64 / total as f64
    )
}

fn decoders() -> Vec<&'static str> {
    std::iter::once("zxing-cpp")
        .chain(PIPELINES.map(|(label, _)| label))
        .collect()
}

/// A `###` heading and the head of a table with a column per decoder.
fn rate_table_head(out: &mut String, title: &str, first: &str) {
    out.push_str(&format!("### {title}\n\n| {first} |"));
    for d in decoders() {
        out.push_str(&format!(" {d} |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(decoders().len()));
    out.push('\n');
}

/// The section, from the answers and the lines describing the machine.
pub fn render(m: &Measured, photos: &Photos, machine: &[String]) -> String {
    let mut out = format!(
        "{HEADING}\n\nMeasured {} (UTC) by `cargo xtask bench qr`, all figures in one run.\n\n",
        today()
    );
    for line in machine {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(&format!("- page: `{}`\n\n", m.user_agent));
    out.push_str(&format!(
        "{} synthetic 1280×720 frames made by the project (`xtask/src/bench/qr_frames.rs`, fixed \
         seed): QR versions {:?} at {:?} camera pixels per module (each combination whose code \
         spans at most 1/1.35 of the frame height), each clean and under eight harms — box blur \
         of half a module, Gaussian noise σ = 28, perspective (one side 30 % shorter), rotation \
         20°, inversion, low contrast (95–155), glare (a saturating highlight), screen moiré \
         (stripes near the module pitch). Payloads fill 90 % of the version's byte capacity at \
         level M. A frame counts as read only when the text is exactly the payload.\n\n\
         The pipelines are `qrdecode::Pipeline`s run by the app's own worker \
         (`dist/qr_worker_loader.js`, release build) in headless Chromium, fed as the scanner \
         feeds it (RGBA from a canvas); ms is the worker's own time for the pipeline. zxing-cpp \
         ({ZXING_CPP}, natively, from Python) reads the same PNG files as the reference; its ms \
         is native, not wasm. Single steps: rqrr; rxing (hybrid binariser, trying hard, also \
         inverted; rxing's zxing-cpp detector with finder patterns paired by qrdecode, then its \
         ZXing-Java one; the other rxing steps have only the first); rxing-sharp (rxing on a copy sharpened by an unsharp mask of radius 2, \
         amount 2); rxing-global (global histogram binariser); rxing-half and rqrr-half (on a \
         copy at half the size); rxing-large (on a picture under 480 pixels a side only: a \
         light border of a tenth of its shorter side, then enlarged 2–4× by bilinear \
         interpolation); rxing-double (rxing-sharp on a copy at twice the size, bilinear, of a \
         picture from 480 pixels a side up to 2048×1536 pixels). Pipelines: default = {}; thorough = every step (also rqrr on \
         the inverted frame and on a half-size copy); live = what the scanner does with camera \
         frames: one step of {} a frame, in turn, starting over at the first step after a read \
         (here, from one frame to the next), the frame shown up to 4 times (read if any read; \
         ms is the slowest of them). Camera frames get each step the quick way \
         (`qrdecode::decode_frame`: rxing looks for finder patterns along fewer rows); \
         \"live, each frame while searching\" pools the times of those steps, each run alone \
         that way on every frame, over the frames it did not read: what a camera frame costs \
         while no code reads, the steps taking turns.\n\n\
         {} synthetic pictures of the kinds real pictures showed the decoder losing on \
         (`xtask/src/bench/qr_pictures.rs`, fixed seed; 4×4 supersampled, so module edges fall \
         between pixels; a light ground with a gradient, some softened by a 3×3 box blur, noise \
         σ = 4): tight crop = versions 2, 4, 7, 10 at 2.0–3.2 pixels a module with a quiet zone \
         of 0, ½ or 1 module; tiny picture = versions 1–5 and 7 in 60–120 pixels a side; centre \
         logo = versions 4, 7, 10, 13 at 4 and 6 pixels a module, a grey square with a dark disc \
         over the centre covering {} of the symbol at levels L, M, Q, H (about half of what each \
         level restores: a covered module is an error in an unknown place).\n\n{}\n\n",
        m.frames.iter().filter(|f| f.1 > 0).count(),
        qr_frames::VERSIONS,
        qr_frames::SCALES,
        step_names(&Pipeline::DEFAULT),
        step_names(&Pipeline::LIVE),
        m.frames
            .iter()
            .filter(|f| Kind::ALL.iter().any(|k| k.name() == f.0))
            .count(),
        qr_pictures::LOGO_SHARE
            .map(|(_, level, share)| format!("{:.0} % at {level}", share * 100.0))
            .join(", "),
        photos.describe(),
    ));

    rate_table_head(&mut out, "Decode rate by condition", "condition");
    let real = qr_photos::CONDITION;
    let rows = synthetic_conditions()
        .into_iter()
        .map(|c| (c, Some(c)))
        .chain([("**all synthetic**", None)])
        .chain(matches!(photos, Photos::Read { .. }).then_some((real, Some(real))));
    for (name, condition) in rows {
        out.push_str(&format!("| {name} |"));
        for d in decoders() {
            let keep = |f: &(String, u32)| condition.map_or(f.0 != real, |c| f.0 == c);
            out.push_str(&format!(" {} |", rate_cell(m.rate(d, keep))));
        }
        out.push('\n');
    }

    out.push('\n');
    rate_table_head(
        &mut out,
        "Decode rate by camera pixels per module",
        "pixels per module",
    );
    for scale in qr_frames::SCALES {
        out.push_str(&format!("| {scale} |"));
        for d in decoders() {
            out.push_str(&format!(" {} |", rate_cell(m.rate(d, |f| f.1 == scale))));
        }
        out.push('\n');
    }

    out.push_str(
        "\n### Time per 1280×720 frame (ms)\n\n| decoder | where | median | p90 | max | \
         panics |\n|---|---|---:|---:|---:|---:|\n",
    );
    for d in decoders() {
        let ms = m.times(d);
        let panics = m.reads[d].iter().filter(|r| r.panicked).count();
        out.push_str(&format!(
            "| {d} | {} | {} | {} | {} | {panics} |\n",
            if d == "zxing-cpp" { "native" } else { "wasm" },
            significant(percentile(&ms, 0.5)),
            significant(percentile(&ms, 0.9)),
            significant(percentile(&ms, 1.0)),
        ));
    }
    let searching = m.searching();
    out.push_str(&format!(
        "| live, each frame while searching | wasm | {} | {} | {} | – |\n",
        significant(percentile(&searching, 0.5)),
        significant(percentile(&searching, 0.9)),
        significant(percentile(&searching, 1.0)),
    ));
    let live_ms = m.times("live");
    let synthetic = |f: &(String, u32)| f.0 != real;
    let (zx, total) = m.rate("zxing-cpp", synthetic);
    let (de, _) = m.rate("default", synthetic);
    let (li, _) = m.rate("live", synthetic);
    let behind: Vec<String> = synthetic_conditions()
        .into_iter()
        .filter_map(|c| {
            let (z, n) = m.rate("zxing-cpp", |f| f.0 == c);
            let (d, _) = m.rate("default", |f| f.0 == c);
            (d < z).then(|| format!("{c} ({d} against {z} of {n})"))
        })
        .collect();
    let real_goal = match photos {
        Photos::Read { .. } => {
            let (z, n) = m.rate("zxing-cpp", |f| f.0 == real);
            let (d, _) = m.rate("default", |f| f.0 == real);
            format!("; real pictures: default {d} of {n}, zxing-cpp {z}")
        }
        Photos::Skipped(_) => String::new(),
    };
    out.push_str(&format!(
        "\nEvery synthetic condition at least zxing-cpp's rate with the default pipeline: {}{real_goal}.\n",
        if behind.is_empty() {
            "met".to_owned()
        } else {
            format!("**not met** in {}", behind.join(", "))
        }
    ));
    out.push_str(&format!(
        "\nGoals: at least zxing-cpp's decode rate (default {}, live {}, against {}); at most \
         {GOAL_MS} ms per camera frame in wasm (each live frame while searching: median {} ms, \
         p90 {} ms; the slowest of the up to 4 frames a code is shown: median {} ms, p90 {} ms); \
         no panic escaping (the worker is replaced; panics above are frames whose worker died). \
         Rerun with `cargo xtask bench qr`.\n",
        rate_cell((de, total)),
        rate_cell((li, total)),
        rate_cell((zx, total)),
        significant(percentile(&searching, 0.5)),
        significant(percentile(&searching, 0.9)),
        significant(percentile(&live_ms, 0.5)),
        significant(percentile(&live_ms, 0.9)),
    ));
    out
}

/// The synthetic conditions, frames first, in the report's order.
fn synthetic_conditions() -> Vec<&'static str> {
    Condition::ALL
        .iter()
        .map(|c| c.name())
        .chain(Kind::ALL.iter().map(|k| k.name()))
        .collect()
}

/// A pipeline's steps, by name, comma-separated.
fn step_names(pipeline: &Pipeline) -> String {
    let names: Vec<&str> = pipeline.steps.iter().map(|s| s.name()).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rates_count_exact_texts_only_and_the_report_has_every_table() {
        let manifest = vec![
            json!({"file": "f0000.png", "version": 1, "scale": 2, "condition": "clean", "text": "A"}),
            json!({"file": "f0001.png", "version": 1, "scale": 2, "condition": "blur", "text": "B"}),
            json!({"file": "p0000.png", "version": 2, "scale": 0, "condition": "tiny picture", "text": "C"}),
            json!({"file": "photo-0000.png", "version": 0, "scale": 0, "condition": "real pictures", "text": "D"}),
        ];
        let zxing = vec![
            json!({"file": "f0000.png", "text": "A", "ms": 1.0}),
            json!({"file": "f0001.png", "text": "b", "ms": 2.0}),
            json!({"file": "p0000.png", "text": "C", "ms": 1.0}),
            json!({"file": "photo-0000.png", "text": "D", "ms": 1.0}),
        ];
        // Every decoder in wasm reads the picture (in 50 ms, not a frame's time) and not the
        // real picture.
        let answers = |second: Value| {
            json!([
                {"file": "f0000.png", "text": "A", "ms": 4.0, "panicked": false},
                second,
                {"file": "p0000.png", "text": "C", "ms": 50.0, "panicked": false},
                {"file": "photo-0000.png", "text": null, "ms": 50.0, "panicked": false},
            ])
        };
        let wasm = json!({
            "userAgent": "UA",
            "results": {
                "rqrr": answers(json!({"file": "f0001.png", "text": null, "ms": 0, "panicked": true})),
                "rxing": answers(json!({"file": "f0001.png", "text": "B", "ms": 6.0, "panicked": false})),
                "step:rxing-large": answers(json!({"file": "f0001.png", "text": null, "ms": 1.0, "panicked": false})),
                "step:rxing-double": answers(json!({"file": "f0001.png", "text": "B", "ms": 30.0, "panicked": false})),
                "step:rxing-sharp": answers(json!({"file": "f0001.png", "text": "B", "ms": 7.0, "panicked": false})),
                "step:rxing-global": answers(json!({"file": "f0001.png", "text": null, "ms": 6.0, "panicked": false})),
                "step:rxing-half": answers(json!({"file": "f0001.png", "text": null, "ms": 2.0, "panicked": false})),
                "step:rqrr-half": answers(json!({"file": "f0001.png", "text": null, "ms": 2.0, "panicked": false})),
                "default": answers(json!({"file": "f0001.png", "text": "B", "ms": 8.0, "panicked": false})),
                "thorough": answers(json!({"file": "f0001.png", "text": "B", "ms": 9.0, "panicked": false})),
                "live": answers(json!({"file": "f0001.png", "text": "B", "ms": 3.0, "panicked": false})),
                "frame:rxing": answers(json!({"file": "f0001.png", "text": "b", "ms": 7.0, "panicked": false})),
                "frame:rxing-sharp": answers(json!({"file": "f0001.png", "text": "B", "ms": 7.0, "panicked": false})),
                "frame:rxing-global": answers(json!({"file": "f0001.png", "text": null, "ms": 6.0, "panicked": false})),
                "frame:rxing-half": answers(json!({"file": "f0001.png", "text": null, "ms": 2.0, "panicked": false})),
            }
        });
        let m = Measured::new(&manifest, &zxing, &wasm).unwrap();
        assert_eq!(m.rate("zxing-cpp", |_| true), (3, 4));
        assert_eq!(m.rate("default", |_| true), (3, 4));
        assert_eq!(m.rate("rqrr", |f| f.0 == "blur"), (0, 1));
        let photos = Photos::Read {
            dir: "photos".into(),
            count: 1,
            left_out: 2,
        };
        let section = render(&m, &photos, &["CPU: test".into()]);
        assert!(section.starts_with(HEADING));
        assert!(section.contains("### Decode rate by condition"));
        assert!(section.contains("### Decode rate by camera pixels per module"));
        assert!(
            section.contains(
                "| **all synthetic** | 66.7 % (2/3) | 66.7 % (2/3) | 100.0 % (3/3) | 66.7 % (2/3) |"
            ),
            "{section}"
        );
        assert!(
            section.contains("| tiny picture | 100.0 % (1/1) |"),
            "{section}"
        );
        assert!(section.contains("| real pictures | 100.0 % (1/1) | 0.0 % (0/1) |"));
        assert!(
            section.contains(
                "{left_out} without one left out"
                    .replace("{left_out}", "2")
                    .as_str()
            )
        );
        assert!(
            section.contains("real pictures: default 0 of 1, zxing-cpp 1"),
            "{section}"
        );
        assert!(section.contains("at least zxing-cpp's rate with the default pipeline: met"));
        let skipped = render(&m, &Photos::Skipped("no folder".into()), &[]);
        assert!(skipped.contains("Real pictures: skipped (no folder"));
        assert!(!skipped.contains("| real pictures |"));
        assert!(
            section.contains("| rqrr | wasm | 4.00 | 4.00 | 4.00 | 1 |"),
            "{section}"
        );
        // The live steps (rxing, its sharpened, global and half-size steps), each as on a camera
        // frame, where they did not read: rxing's wrong text (7 ms), global (6) and half (2).
        assert!(
            section
                .contains("| live, each frame while searching | wasm | 6.00 | 7.00 | 7.00 | – |"),
            "{section}"
        );
        assert!(section.contains("live = what the scanner does with camera frames: one step of rxing, rxing-sharp, rxing-global, rxing-half a frame"));
        // A decoder missing a frame is an error, not a silent gap.
        let mut short = wasm.clone();
        short["results"]["rxing"] = json!([]);
        assert!(Measured::new(&manifest, &zxing, &short).is_err());
    }
}
