//! The QR decoding worker. The page posts frames; the worker answers each with what the
//! `qrdecode` pipeline read. Decoding here keeps the page's main thread free while the camera
//! runs, and keeps the decoders out of the app's first load (the scanner starts the worker).
//!
//! In: a [`QrRequest`] (RGBA bytes as from `getImageData`, buffer transferred): `live` camera
//! frames get one step of `Pipeline::LIVE` each, in turn, starting over at the first step after
//! a read, run with `qrdecode::decode_frame`; benchmarks name `steps` or a `pipeline`.
//! Out: [`QrAnswer::READY`] once, then for each frame [`QrAnswer::Read`] (the text, if a code
//! was read, and where it is) or [`QrAnswer::Failed`] (a malformed request or frame). The
//! shapes are `worker-messages`' alone. A decoder panic aborts this instance; the page sees the
//! worker's `error` event and starts a new one.

#![forbid(unsafe_code)]

use js_sys::Uint8Array;
use qrdecode::{Image, Pipeline, Step};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};
use worker_messages::{QrAnswer, QrRequest};

thread_local! {
    /// Which step of the live pipeline the next live frame gets.
    static NEXT_LIVE_STEP: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        // Nothing to do if the page is gone.
        let _ = worker_messages::post(&reply, &answer(&reply, &event.data()));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as its scope: the handler must too.
    on_message.forget();
    let _ = worker_messages::post(&scope, &QrAnswer::READY);
}

fn answer(scope: &DedicatedWorkerGlobalScope, data: &JsValue) -> QrAnswer {
    let request = match worker_messages::read::<QrRequest>(data) {
        Ok(request) => request,
        Err(malformed) => {
            return QrAnswer::Failed {
                id: worker_messages::id(data).unwrap_or(0),
                error: malformed.to_string(),
            };
        }
    };
    match decode(scope, &request) {
        Ok((found, ms)) => QrAnswer::Read {
            id: request.id,
            text: found.as_ref().map(qrdecode::Found::text),
            // Where the code is, as x, y pairs in frame pixels.
            points: found
                .iter()
                .flat_map(|f| f.points.iter().flat_map(|&(x, y)| [x, y]))
                .collect(),
            ms,
        },
        Err(error) => QrAnswer::Failed {
            id: request.id,
            error,
        },
    }
}

/// Runs the pipeline on the frame; the code read (if any) and the milliseconds decoding took
/// (without the RGBA to grey conversion).
fn decode(
    scope: &DedicatedWorkerGlobalScope,
    request: &QrRequest,
) -> Result<(Option<qrdecode::Found>, f64), String> {
    let pixels = rgba_to_luma(request.rgba.rgba());
    let image = Image::new(request.width, request.height, &pixels).map_err(|e| e.to_string())?;
    // Which steps: one step of the live pipeline for a live camera frame (the next one each
    // time: consecutive frames are nearly the same picture, so a few frames run them all while
    // each frame stays cheap); `steps` ("rxing,rqrr", for benchmarks; with `frame`, each run
    // as on a camera frame); `pipeline` by name; else the whole default pipeline (photos,
    // pictures).
    let live = request.live;
    let frame = live || request.frame;
    let steps: Vec<Step> = if live {
        let steps = Pipeline::LIVE.steps;
        vec![steps[NEXT_LIVE_STEP.with(std::cell::Cell::get) % steps.len()]]
    } else {
        match &request.steps {
            Some(names) => names
                .split(',')
                .map(|name| Step::from_name(name).ok_or_else(|| format!("no step {name}")))
                .collect::<Result<_, _>>()?,
            None => request
                .pipeline
                .as_deref()
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
/// (77 + 150 + 29 = 256), a piece at a time through one small buffer: the frame's only copy.
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
