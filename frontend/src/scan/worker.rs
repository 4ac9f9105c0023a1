//! The page's side of the QR decoding worker (`qr-worker/`, built by trunk next to the app):
//! started with the scanner, so the decoders weigh nothing on the app's first load. One frame
//! at a time: a frame that comes while the worker is busy is skipped, never queued. A decoder
//! panic ends the worker's wasm instance; the worker is then replaced and scanning goes on.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, Worker};
use worker_messages::{Pixels, QrAnswer, QrRequest};

/// The worker's loader script, emitted by trunk (`data-loader-shim`).
const SCRIPT: &str = "/qr_worker_loader.js";
/// Restarts allowed before the scanner gives up (a worker that cannot even start).
const MAX_RESTARTS: u32 = 20;

/// What the worker reports.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerEvent {
    /// A frame was decoded: the text of the code read, if any, and the decoding time.
    Read {
        /// The code's text.
        text: Option<String>,
        /// Where the code is in the frame, (x, y) in its pixels.
        points: Vec<(f64, f64)>,
        /// Milliseconds the pipeline took.
        ms: f64,
    },
    /// The worker died (a decoder panic) and a new one was started.
    Restarted,
    /// The worker cannot run here.
    Failed(String),
}

struct Inner {
    worker: Option<Worker>,
    ready: bool,
    busy: bool,
    next_id: u32,
    restarts: u32,
    on_event: Rc<dyn Fn(WorkerEvent)>,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    on_error: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

/// A running decoding worker; dropping it ends the worker.
pub struct QrWorker {
    inner: Rc<RefCell<Inner>>,
}

impl QrWorker {
    /// Starts the worker; `on_event` hears every answer, restart and failure.
    pub fn start(on_event: impl Fn(WorkerEvent) + 'static) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            worker: None,
            ready: false,
            busy: false,
            next_id: 0,
            restarts: 0,
            on_event: Rc::new(on_event),
            on_message: None,
            on_error: None,
        }));
        spawn(&inner);
        Self { inner }
    }

    /// Ready for a frame: started, and not decoding one.
    pub fn idle(&self) -> bool {
        let inner = self.inner.borrow();
        inner.ready && !inner.busy && inner.worker.is_some()
    }

    /// Sends a `width`×`height` RGBA frame (its buffer is moved to the worker): a `live` camera
    /// frame gets one step of the pipeline, in turn (from the first again after a read); a
    /// picture all of it. Returns false, sending nothing, when the worker is not
    /// [`idle`](Self::idle).
    pub fn post(
        &self,
        width: u32,
        height: u32,
        rgba: &js_sys::Uint8ClampedArray,
        live: bool,
    ) -> bool {
        if !self.idle() {
            return false;
        }
        let mut inner = self.inner.borrow_mut();
        let Some(worker) = inner.worker.clone() else {
            return false;
        };
        inner.next_id = inner.next_id.wrapping_add(1);
        let request = QrRequest {
            id: inner.next_id,
            width,
            height,
            rgba: Pixels::new(rgba),
            live,
            steps: None,
            frame: false,
            pipeline: None,
        };
        let sent = worker_messages::post(&worker, &request).is_ok();
        inner.busy = sent;
        sent
    }
}

impl Drop for QrWorker {
    fn drop(&mut self) {
        let mut inner = self.inner.borrow_mut();
        if let Some(worker) = inner.worker.take() {
            crate::browser::end_worker(&worker);
        }
        // The scanner may drop its worker from inside one of these handlers (a code was read):
        // they are freed once that call has returned.
        let handlers = (inner.on_message.take(), inner.on_error.take());
        wasm_bindgen_futures::spawn_local(async move { drop(handlers) });
    }
}

fn spawn(inner: &Rc<RefCell<Inner>>) {
    let worker = match Worker::new(SCRIPT) {
        Ok(worker) => worker,
        Err(e) => {
            let on_event = inner.borrow().on_event.clone();
            on_event(WorkerEvent::Failed(format!(
                "the decoder could not start: {}",
                crate::browser::describe(&e)
            )));
            return;
        }
    };
    let weak = Rc::downgrade(inner);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        answered(&weak, &event.data());
    });
    let weak = Rc::downgrade(inner);
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        // Handled here: the page's console need not report it as uncaught.
        event.prevent_default();
        died(&weak);
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let mut state = inner.borrow_mut();
    state.worker = Some(worker);
    state.ready = false;
    state.busy = false;
    state.on_message = Some(on_message);
    state.on_error = Some(on_error);
}

fn answered(inner: &Weak<RefCell<Inner>>, data: &JsValue) {
    let Some(inner) = inner.upgrade() else { return };
    // An answer that cannot be read, or a frame the worker could not take (e.g. a malformed
    // size), reads as no code.
    let answer = worker_messages::read::<QrAnswer>(data);
    if let Ok(QrAnswer::Ready { .. }) = answer {
        inner.borrow_mut().ready = true;
        return;
    }
    let on_event = {
        let mut state = inner.borrow_mut();
        state.busy = false;
        state.on_event.clone()
    };
    on_event(match answer {
        Ok(QrAnswer::Read {
            text, points, ms, ..
        }) => WorkerEvent::Read {
            text,
            points: points
                .chunks_exact(2)
                .map(|p| (f64::from(p[0]), f64::from(p[1])))
                .collect(),
            ms,
        },
        _ => WorkerEvent::Read {
            text: None,
            points: Vec::new(),
            ms: 0.0,
        },
    });
}

fn died(inner: &Weak<RefCell<Inner>>) {
    let Some(inner) = inner.upgrade() else { return };
    let (restarts, on_event) = {
        let mut state = inner.borrow_mut();
        if let Some(worker) = state.worker.take() {
            crate::browser::end_worker(&worker);
        }
        state.restarts += 1;
        (state.restarts, state.on_event.clone())
    };
    if restarts > MAX_RESTARTS {
        on_event(WorkerEvent::Failed(
            "the decoder keeps stopping; use another device to scan".into(),
        ));
        return;
    }
    // Not from inside this error handler, which `spawn` replaces.
    wasm_bindgen_futures::spawn_local(async move {
        if inner.borrow().on_error.is_some() {
            spawn(&inner);
            on_event(WorkerEvent::Restarted);
        }
    });
}
