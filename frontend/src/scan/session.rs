//! A scan's moving parts, owned together so closing stops all of them: the camera, the
//! decoding worker, and the frame loop that hands camera frames to the worker one at a time
//! (frames that come while it decodes are skipped); photos wait for the worker to be idle.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::scan::camera::{Camera, Frame};
use crate::scan::photo::PhotoError;
use crate::scan::worker::QrWorker;

/// Where browsers lack `requestVideoFrameCallback`, a frame is taken this often.
const FALLBACK_INTERVAL_MS: u64 = 100;

/// The frame loop: the video, its handler (kept while the loop runs) and the id of the frame
/// callback it waits for, cancelled on stop so the browser never calls a freed handler.
struct FrameLoop {
    video: web_sys::HtmlVideoElement,
    handler: Option<Closure<dyn FnMut()>>,
    pending: JsValue,
}

/// The camera, the worker and the frame loop, owned together so closing stops all of them.
#[derive(Default)]
pub struct Session {
    /// The camera, while it runs.
    pub camera: Option<Camera>,
    /// The decoding worker.
    pub worker: Option<QrWorker>,
    /// The pending `requestVideoFrameCallback` (or fallback timer) handler.
    frame_loop: Option<Rc<RefCell<FrameLoop>>>,
    timer: Option<IntervalHandle>,
    /// A photo waits for the worker: no camera frame is sent meanwhile.
    photo_waiting: bool,
    /// The photo was sent: the next answer is its, not a camera frame's.
    pub photo_in_flight: bool,
    /// Width and height of the last camera frame sent.
    pub frame_size: (u32, u32),
}

impl Session {
    /// Stops the camera and the frame loop; the worker stays.
    pub fn stop_camera(&mut self) {
        if let Some(timer) = self.timer.take() {
            timer.clear();
        }
        if let Some(frame_loop) = self.frame_loop.take() {
            let mut frame_loop = frame_loop.borrow_mut();
            if let Ok(cancel) =
                js_sys::Reflect::get(&frame_loop.video, &"cancelVideoFrameCallback".into())
                && let Ok(cancel) = cancel.dyn_into::<js_sys::Function>()
            {
                let _ = cancel.call1(&frame_loop.video, &frame_loop.pending);
            }
            // Freed after the call that may be running it returns.
            let handler = frame_loop.handler.take();
            spawn_local(async move { drop(handler) });
        }
        // Dropping the camera stops its tracks.
        self.camera = None;
    }

    /// Stops everything.
    pub fn stop(&mut self) {
        self.stop_camera();
        self.worker = None;
    }
}

/// Takes frames as the video presents them (`requestVideoFrameCallback`, or a timer where the
/// browser lacks it) and hands each to the worker when it is idle; frames that come while it
/// decodes are skipped.
pub fn start_frame_loop(
    session: StoredValue<Session, LocalStorage>,
    video: web_sys::HtmlVideoElement,
) {
    let take_frame = {
        let video = video.clone();
        move || {
            let mut sent = None;
            session.with_value(|s| {
                let (Some(camera), Some(worker)) = (&s.camera, &s.worker) else {
                    return;
                };
                if s.photo_waiting || !worker.idle() {
                    return;
                }
                if let Some(Frame {
                    width,
                    height,
                    rgba,
                }) = camera.frame(&video)
                    && worker.post(width, height, &rgba, true)
                {
                    sent = Some((width, height));
                }
            });
            if let Some(size) = sent {
                let _ = session.try_update_value(|s| s.frame_size = size);
            }
        }
    };
    let request = js_sys::Reflect::get(&video, &"requestVideoFrameCallback".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    let Some(request) = request else {
        let timer = set_interval_with_handle(
            take_frame,
            std::time::Duration::from_millis(FALLBACK_INTERVAL_MS),
        )
        .ok();
        session.update_value(|s| s.timer = timer);
        return;
    };
    let frame_loop = Rc::new(RefCell::new(FrameLoop {
        video: video.clone(),
        handler: None,
        pending: JsValue::UNDEFINED,
    }));
    let again = Rc::downgrade(&frame_loop);
    let first = request.clone();
    let handler = Closure::<dyn FnMut()>::new(move || {
        take_frame();
        // Ask for the next frame, unless the loop was stopped.
        if let Some(frame_loop) = again.upgrade() {
            let mut frame_loop = frame_loop.borrow_mut();
            if let Some(handler) = frame_loop.handler.as_ref()
                && let Ok(id) = request.call1(&video, handler.as_ref().unchecked_ref())
            {
                frame_loop.pending = id;
            }
        }
    });
    {
        let mut state = frame_loop.borrow_mut();
        if let Ok(id) = first.call1(&state.video, handler.as_ref().unchecked_ref()) {
            state.pending = id;
        }
        state.handler = Some(handler);
    }
    session.update_value(|s| s.frame_loop = Some(frame_loop));
}

/// Hands a photo to the worker as soon as it is idle (a camera frame may be decoding; the
/// camera sends no more until the photo is in).
pub async fn post_photo(
    session: StoredValue<Session, LocalStorage>,
    frame: Frame,
) -> Result<(), PhotoError> {
    let _ = session.try_update_value(|s| s.photo_waiting = true);
    for _ in 0..200 {
        let posted = session.try_update_value(|s| {
            let posted = s
                .worker
                .as_ref()
                .is_some_and(|w| w.post(frame.width, frame.height, &frame.rgba, false));
            if posted {
                s.photo_waiting = false;
                s.photo_in_flight = true;
            }
            posted
        });
        match posted {
            // The panel closed meanwhile.
            None => return Ok(()),
            Some(true) => return Ok(()),
            Some(false) => crate::browser::sleep(25).await,
        }
    }
    let _ = session.try_update_value(|s| s.photo_waiting = false);
    Err(PhotoError::Busy)
}
