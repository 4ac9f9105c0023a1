//! The QR decoding worker. The page posts frames; the worker answers each with what the
//! `qrdecode` pipeline read. Decoding here keeps the page's main thread free while the camera
//! runs, and keeps the decoders out of the app's first load (the scanner starts the worker).
//!
//! In: `{ id, width, height, rgba }` (RGBA bytes as from `getImageData`, buffer transferred) or
//! `{ id, width, height, luma }` (one byte a pixel). Out: `{ ready: true }` once, then for each
//! frame `{ id, text, ms }` (`text` null when no code was read) or `{ id, error }`. A decoder
//! panic aborts this instance; the page sees the worker's `error` event and starts a new one.

#![forbid(unsafe_code)]

use js_sys::{Object, Reflect, Uint8Array};
use qrdecode::{Image, Pipeline};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

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
        Ok((text, ms)) => object(&[
            ("id", id),
            ("text", text.map_or(JsValue::NULL, |t| t.into())),
            ("ms", ms.into()),
        ]),
        Err(error) => object(&[("id", id), ("error", error.into())]),
    }
}

/// Reads the frame out of `message` and runs the pipeline; the text read (if any) and the
/// milliseconds decoding took (without the RGBA to grey conversion).
fn decode(
    scope: &DedicatedWorkerGlobalScope,
    message: &JsValue,
) -> Result<(Option<String>, f64), String> {
    let dimension = |key: &str| {
        field(message, key)
            .as_f64()
            .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v <= f64::from(u32::MAX))
            .map(|v| v as u32)
            .ok_or_else(|| format!("the frame has no valid {key}"))
    };
    let (width, height) = (dimension("width")?, dimension("height")?);
    let luma = field(message, "luma");
    let pixels = if luma.is_object() {
        Uint8Array::new(&luma).to_vec()
    } else {
        let rgba = field(message, "rgba");
        if !rgba.is_object() {
            return Err("the frame has no pixels".into());
        }
        rgba_to_luma(&Uint8Array::new(&rgba).to_vec())
    };
    let image = Image::new(width, height, &pixels).map_err(|e| e.to_string())?;
    let pipeline = field(message, "pipeline")
        .as_string()
        .and_then(|name| Pipeline::OPTIONS.into_iter().find(|p| p.name == name))
        .unwrap_or(Pipeline::DEFAULT);
    let now = || scope.performance().map_or(0.0, |p| p.now());
    let started = now();
    let outcome = qrdecode::decode(&image, &pipeline);
    let ms = now() - started;
    Ok((outcome.found.as_ref().map(qrdecode::Found::text), ms))
}

/// RGBA to grey with the BT.601 weights in fixed point (77 + 150 + 29 = 256).
fn rgba_to_luma(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|px| {
            let y = 77 * u32::from(px[0]) + 150 * u32::from(px[1]) + 29 * u32::from(px[2]);
            (y >> 8) as u8
        })
        .collect()
}
