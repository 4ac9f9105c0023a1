//! The QR decoding worker. The page posts frames; the worker answers each with what the
//! `qrdecode` pipeline read. Decoding here keeps the page's main thread free while the camera
//! runs, and keeps the decoders out of the app's first load (the scanner starts the worker).
//!
//! In: `{ id, width, height, rgba }` (RGBA bytes as from `getImageData`, buffer transferred),
//! with `live: true` for camera frames (one step of `Pipeline::LIVE` each, in turn, starting
//! over at the first step after a read, run with `qrdecode::decode_frame`), or
//! `pipeline` (a name of `qrdecode::Pipeline::OPTIONS`) or `steps` (step names,
//! comma-separated; with `frame: true`, run as on a camera frame) for benchmarks.
//! Out: `{ ready: true }` once, then for each frame `{ id, text, points, ms }` (`text` null when
//! no code was read; `points` where the code is, x, y pairs in frame pixels) or
//! `{ id, error }`. A decoder panic aborts this instance; the page sees the worker's `error`
//! event and starts a new one.

#![forbid(unsafe_code)]

use js_sys::{Object, Reflect, Uint8Array};
use qrdecode::{Image, Pipeline, Step};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

thread_local! {
    /// Which step of the live pipeline the next live frame gets.
    static NEXT_LIVE_STEP: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let answer = answer(&reply, &event.data());
        let _ = reply.post_message(&answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as its scope: the handler must too.
    on_message.forget();
    let _ = scope.post_message(&object(&[("ready", JsValue::TRUE)]));
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&o, &(*key).into(), value);
    }
    o.into()
}

fn field(message: &JsValue, key: &str) -> JsValue {
    Reflect::get(message, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

fn answer(scope: &DedicatedWorkerGlobalScope, message: &JsValue) -> JsValue {
    let id = field(message, "id");
    match decode(scope, message) {
        Ok((found, ms)) => {
            let text = found.as_ref().map(qrdecode::Found::text);
            // Where the code is, as x, y pairs in frame pixels.
            let points: Vec<f32> = found
                .iter()
                .flat_map(|f| f.points.iter().flat_map(|&(x, y)| [x, y]))
                .collect();
            object(&[
                ("id", id),
                ("text", text.map_or(JsValue::NULL, |t| t.into())),
                ("points", js_sys::Float32Array::from(&points[..]).into()),
                ("ms", ms.into()),
            ])
        }
        Err(error) => object(&[("id", id), ("error", error.into())]),
    }
}

/// Reads the frame out of `message` and runs the pipeline; the code read (if any) and the
/// milliseconds decoding took (without the RGBA to grey conversion).
fn decode(
    scope: &DedicatedWorkerGlobalScope,
    message: &JsValue,
) -> Result<(Option<qrdecode::Found>, f64), String> {
    let dimension = |key: &str| {
        field(message, key)
            .as_f64()
            .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(u32::MAX))
            .map(|v| v as u32)
            .ok_or_else(|| format!("the frame has no valid {key}"))
    };
    let (width, height) = (dimension("width")?, dimension("height")?);
    let rgba = field(message, "rgba");
    if !rgba.is_object() {
        return Err("the frame has no pixels".into());
    }
    let pixels = rgba_to_luma(&Uint8Array::new(&rgba));
    let image = Image::new(width, height, &pixels).map_err(|e| e.to_string())?;
    // Which steps: one step of the live pipeline for a live camera frame (the next one each
    // time: consecutive frames are nearly the same picture, so a few frames run them all while
    // each frame stays cheap); `steps` ("rxing,rqrr", for benchmarks; with `frame`, each run
    // as on a camera frame); `pipeline` by name; else the whole default pipeline (photos,
    // pictures).
    let live = field(message, "live").is_truthy();
    let frame = live || field(message, "frame").is_truthy();
    let steps: Vec<Step> = if live {
        let steps = Pipeline::LIVE.steps;
        vec![steps[NEXT_LIVE_STEP.with(std::cell::Cell::get) % steps.len()]]
    } else {
        match field(message, "steps").as_string() {
            Some(names) => names
                .split(',')
                .map(|name| Step::from_name(name).ok_or_else(|| format!("no step {name}")))
                .collect::<Result<_, _>>()?,
            None => field(message, "pipeline")
                .as_string()
                .and_then(|name| Pipeline::OPTIONS.into_iter().find(|p| p.name == name))
                .unwrap_or(Pipeline::DEFAULT)
                .steps
                .to_vec(),
        }
    };
    let now = || scope.performance().map_or(0.0, |p| p.now());
    let started = now();
    let outcome = if frame {
        qrdecode::decode_frame(&image, &steps)
    } else {
        qrdecode::decode_with(&image, &steps)
    };
    let ms = now() - started;
    // After a read the next frame starts over at the first (cheapest) step; after a miss it
    // gets the next step. A code held in view, or an animated sequence, that rxing reads is read
    // by rxing frame after frame.
    if live {
        NEXT_LIVE_STEP.with(|next| {
            next.set(match outcome.found {
                Some(_) => 0,
                None => next.get().wrapping_add(1),
            });
        });
    }
    Ok((outcome.found, ms))
}

/// RGBA bytes read in pieces of this size: the frame is not copied into wasm memory whole.
const PIECE: u32 = 64 * 1024;

/// RGBA (in JavaScript memory) to grey with the BT.601 weights in fixed point
/// (77 + 150 + 29 = 256), a piece at a time through one small buffer.
fn rgba_to_luma(rgba: &Uint8Array) -> Vec<u8> {
    let length = rgba.length();
    let mut piece = vec![0u8; PIECE as usize];
    let mut luma = Vec::with_capacity(length as usize / 4);
    let mut at = 0;
    while at < length {
        let end = (at + PIECE).min(length);
        let bytes = &mut piece[..(end - at) as usize];
        rgba.subarray(at, end).copy_to(bytes);
        luma.extend(bytes.chunks_exact(4).map(|px| {
            let y = 77 * u32::from(px[0]) + 150 * u32::from(px[1]) + 29 * u32::from(px[2]);
            (y >> 8) as u8
        }));
        at = end;
    }
    luma
}
