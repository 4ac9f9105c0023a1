//! The QR scanner: the live camera, or a photo or an uploaded picture where the camera cannot
//! be used, all decoded in a Web Worker (`qr_worker.rs`) so the page never stalls.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use protocol::qr_text::{QrText, QrTextError, parse_qr_text};

use crate::scan::camera::{Camera, CameraError, Frame, Frames, Source};
use crate::scan::worker::{QrWorker, WorkerEvent};

/// Where browsers lack `requestVideoFrameCallback`, a frame is taken this often.
const FALLBACK_INTERVAL_MS: u64 = 100;
/// Photos are read at most this large on their longer side (a 12-megapixel photo would take
/// the decoder a second; codes in photos are rarely that small).
const MAX_PHOTO_SIDE: u32 = 2048;

/// The frame loop: the video, its handler (kept while the loop runs) and the id of the frame
/// callback it waits for, cancelled on stop so the browser never calls a freed handler.
struct FrameLoop {
    video: web_sys::HtmlVideoElement,
    handler: Option<Closure<dyn FnMut()>>,
    pending: JsValue,
}

/// What a code read turned out to be (PROTOCOL.md C.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Invite,
    Pairing,
    Offline,
    /// A Cutout tag with a payload that does not decode.
    Damaged,
    /// Anything else: a web address, a menu, a Wi-Fi code.
    Foreign,
}

impl Kind {
    fn of(text: &str) -> Self {
        match parse_qr_text(text) {
            Ok(QrText::Invite(_)) => Self::Invite,
            Ok(QrText::ContactKey(_)) => Self::Pairing,
            Ok(QrText::Message(_) | QrText::FountainFrame(_)) => Self::Offline,
            Err(QrTextError::Unknown) => Self::Foreign,
            // An ordinary web address, not a damaged invite.
            Err(QrTextError::Invite) if !text.contains("#r1.") => Self::Foreign,
            Err(_) => Self::Damaged,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Invite => "invite",
            Self::Pairing => "pairing",
            Self::Offline => "offline",
            Self::Damaged => "damaged",
            Self::Foreign => "foreign",
        }
    }

    fn explain(self) -> &'static str {
        match self {
            Self::Invite => "A Cutout room invite.",
            Self::Pairing => "A Cutout pairing code.",
            Self::Offline => "A Cutout offline message.",
            Self::Damaged => "A Cutout code, but damaged: it cannot be read. Ask for a new one.",
            Self::Foreign => "Not a Cutout code. Its text is below; nothing was opened.",
        }
    }
}

/// Where the scan stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ScanState {
    Starting,
    Scanning,
    ReadingPhoto,
    NothingInPhoto,
    /// Codes of a sequence are being collected (the caller shows how far).
    Collecting,
    Found(String),
    Failed(CameraError),
    DecoderFailed(String),
}

/// A box around a code found in a camera frame, in that frame's pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Mark {
    frame: (u32, u32),
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

impl Mark {
    /// The box around `points` with a margin (rxing reports finder pattern centres, inside
    /// the code's corners), or `None` without points.
    fn around(points: &[(f64, f64)], frame: (u32, u32)) -> Option<Self> {
        if points.is_empty() || frame.0 == 0 || frame.1 == 0 {
            return None;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let margin = 0.12 * (x1 - x0).max(y1 - y0) + 6.0;
        Some(Self {
            frame,
            x: x0 - margin,
            y: y0 - margin,
            width: x1 - x0 + 2.0 * margin,
            height: y1 - y0 + 2.0 * margin,
        })
    }
}

/// The camera, the worker and the frame loop, owned together so closing stops all of them.
#[derive(Default)]
struct Session {
    camera: Option<Camera>,
    worker: Option<QrWorker>,
    /// The pending `requestVideoFrameCallback` (or fallback timer) handler.
    frame_loop: Option<Rc<RefCell<FrameLoop>>>,
    timer: Option<IntervalHandle>,
    /// A photo waits for the worker: no camera frame is sent meanwhile.
    photo_waiting: bool,
    /// The photo was sent: the next answer is its, not a camera frame's.
    photo_in_flight: bool,
    /// Width and height of the last camera frame sent.
    frame_size: (u32, u32),
}

impl Session {
    fn stop_camera(&mut self) {
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

    fn stop(&mut self) {
        self.stop_camera();
        self.worker = None;
    }
}

/// Camera scan panel. `on_close` is called when the person closes it, `on_read` with the text
/// of the code read. With `collect`, every code read is offered to it first: when it keeps the
/// code (one frame of an animated sequence, say) scanning goes on.
#[component]
pub fn ScanPanel(
    on_close: Callback<()>,
    on_read: Callback<String>,
    #[prop(optional)] collect: Option<Callback<String, bool>>,
    /// The panel's heading.
    #[prop(optional, into)]
    title: Option<String>,
) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let state = RwSignal::new(ScanState::Starting);
    let restarts = RwSignal::new(0u32);
    let has_camera = RwSignal::new(false);
    let session = StoredValue::new_local(Session::default());

    // Where the code was found in the last camera frame: the viewfinder keeps showing it.
    let mark = RwSignal::new(None::<Mark>);
    let still_slot = NodeRef::<leptos::html::Div>::new();
    let found = move |text: String| {
        // The frame the code was read in stays on screen, marked, after the camera stops.
        if mark.get_untracked().is_some()
            && let Some(still) = session.with_value(|s| s.camera.as_ref().map(Camera::still))
            && let Some(slot) = still_slot.get_untracked()
        {
            slot.replace_children_with_node_1(&still);
        }
        session.update_value(Session::stop);
        state.set(ScanState::Found(text.clone()));
        on_read.run(text);
    };
    let on_worker = move |event: WorkerEvent| match event {
        WorkerEvent::Read { text, points, .. } => {
            let photo = session
                .try_update_value(|s| std::mem::replace(&mut s.photo_in_flight, false))
                .unwrap_or(false);
            match text {
                Some(text) if collect.is_some_and(|c| c.run(text.clone())) => {
                    state.set(ScanState::Collecting);
                }
                Some(text) => {
                    if !photo {
                        let size = session.try_with_value(|s| s.frame_size).unwrap_or_default();
                        mark.set(Mark::around(&points, size));
                    }
                    found(text)
                }
                None if photo => state.set(ScanState::NothingInPhoto),
                None => {}
            }
        }
        WorkerEvent::Restarted => {
            // A photo the dead worker had gets no answer: say nothing was read in it.
            let photo = session
                .try_update_value(|s| std::mem::replace(&mut s.photo_in_flight, false))
                .unwrap_or(false);
            if photo {
                state.set(ScanState::NothingInPhoto);
            }
            restarts.update(|n| *n += 1);
        }
        WorkerEvent::Failed(why) => state.set(ScanState::DecoderFailed(why)),
    };
    session.update_value(|s| s.worker = Some(QrWorker::start(on_worker)));

    let cameras = RwSignal::new(Vec::<(String, String)>::new());
    let current_camera = RwSignal::new(String::new());
    let has_torch = RwSignal::new(false);
    let torch_on = RwSignal::new(false);
    // Opens `device` (or the rear camera) and starts taking frames from it.
    let start_camera = move |element: web_sys::HtmlVideoElement, device: Option<String>| {
        spawn_local(async move {
            match Camera::open(&element, device.as_deref()).await {
                Ok(camera) => {
                    if matches!(state.get_untracked(), ScanState::Starting) {
                        state.set(ScanState::Scanning);
                    }
                    current_camera.set(camera.device_id().unwrap_or_default());
                    has_torch.set(camera.has_torch());
                    torch_on.set(false);
                    session.update_value(|s| s.camera = Some(camera));
                    has_camera.set(true);
                    start_frame_loop(session, element);
                    // Labels are only readable once access was granted.
                    cameras.set(crate::scan::camera::cameras().await);
                }
                Err(err) => state.set(ScanState::Failed(err)),
            }
        });
    };

    // Start the camera once the <video> element exists.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let Some(element) = video.get() else {
            return false;
        };
        start_camera(element, None);
        true
    });
    // Phones often open an ultra-wide lens that cannot focus close: let people pick another.
    let pick_camera = move |ev: leptos::ev::Event| {
        let device = event_target_value(&ev);
        let Some(element) = video.get_untracked() else {
            return;
        };
        session.update_value(Session::stop_camera);
        has_camera.set(false);
        state.set(ScanState::Starting);
        start_camera(element, Some(device));
    };
    let toggle_torch = move |_| {
        let on = !torch_on.get_untracked();
        spawn_local(async move {
            let switching = session
                .try_with_value(|s| s.camera.as_ref().map(|c| c.set_torch(on)))
                .flatten();
            if let Some(Ok(promise)) = switching
                && JsFuture::from(promise).await.is_ok()
            {
                torch_on.set(on);
            }
        });
    };
    on_cleanup(move || session.update_value(Session::stop));

    let close = move |_| {
        session.update_value(Session::stop);
        on_close.run(());
    };
    let picture_chosen = move |ev: leptos::ev::Event| {
        let Some(file) = chosen_file(&ev) else { return };
        state.set(ScanState::ReadingPhoto);
        spawn_local(async move {
            let sent = match photo_frame(&file).await {
                Ok(frame) => post_photo(session, frame).await,
                Err(why) => Err(why),
            };
            if let Err(why) = sent {
                state.set(ScanState::DecoderFailed(why));
            }
        });
    };

    // The viewfinder shows while the camera runs, also while a picture is being read, and
    // after a code was read from it, with the code marked.
    let live = move || match state.get() {
        ScanState::Starting | ScanState::Scanning => true,
        ScanState::ReadingPhoto | ScanState::NothingInPhoto | ScanState::Collecting => {
            has_camera.get()
        }
        ScanState::Found(_) => mark.get().is_some(),
        _ => false,
    };

    view! {
        <section
            class="panel scan-panel"
            aria-labelledby="scan-title"
            data-testid="scan-panel"
            data-restarts=move || restarts.get().to_string()
            data-kind=move || match state.get() {
                ScanState::Found(text) => Kind::of(&text).name(),
                _ => "",
            }
        >
            <div class="panel-head">
                <h2 id="scan-title">{title.unwrap_or_else(|| "Scan a QR code".into())}</h2>
                <button class="button ghost" data-testid="close-scanner" on:click=close>
                    "Close"
                </button>
            </div>
            <div class="viewfinder" class:hidden=move || !live()>
                <video
                    node_ref=video
                    playsinline=true
                    muted=true
                    autoplay=true
                    aria-label="Camera view"
                    class:hidden=move || mark.get().is_some()
                ></video>
                <div class="still" node_ref=still_slot></div>
                <div class="reticle" aria-hidden="true" class:hidden=move || mark.get().is_some()></div>
                {move || mark.get().map(|m| view! {
                    <svg
                        class="found-mark"
                        data-testid="found-mark"
                        aria-hidden="true"
                        viewBox=format!("0 0 {} {}", m.frame.0, m.frame.1)
                        preserveAspectRatio="xMidYMid slice"
                    >
                        <rect x=m.x y=m.y width=m.width height=m.height rx=m.width / 12.0></rect>
                    </svg>
                })}
            </div>
            <div
                class="row camera-controls"
                class:hidden=move || !live() || matches!(state.get(), ScanState::Found(_))
            >
                <Show when=move || { cameras.get().len() > 1 }>
                    <label class="field">
                        <span>"Camera"</span>
                        <select data-testid="camera-picker" on:change=pick_camera>
                            {move || cameras.get().into_iter().map(|(id, label)| {
                                let selected = id == current_camera.get();
                                view! { <option value=id selected=selected>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                </Show>
                <Show when=move || has_torch.get()>
                    <button
                        class="button"
                        data-testid="torch"
                        aria-pressed=move || torch_on.get().to_string()
                        on:click=toggle_torch
                    >
                        {move || if torch_on.get() { "Light off" } else { "Light on" }}
                    </button>
                </Show>
            </div>
            <p class="status" role="status" aria-live="polite" data-testid="scan-status">
                {move || match state.get() {
                    ScanState::Starting => "Starting the camera…".to_string(),
                    ScanState::Scanning => "Point the camera at a QR code.".to_string(),
                    ScanState::ReadingPhoto => "Reading the picture…".to_string(),
                    ScanState::Collecting if has_camera.get() => {
                        "Reading the codes: keep the camera on them.".to_string()
                    }
                    ScanState::Collecting => "Code read. Take or choose the next one.".to_string(),
                    ScanState::NothingInPhoto => "No QR code found in that picture. Take it \
                        closer, so the code fills more of it, and keep it sharp."
                        .to_string(),
                    ScanState::Found(text) => format!("QR code read. {}", Kind::of(&text).explain()),
                    ScanState::Failed(err) => format!(
                        "{} You can take a photo of the code or choose a picture instead.",
                        err.explain()
                    ),
                    ScanState::DecoderFailed(why) => format!("Cannot read codes here: {why}."),
                }}
            </p>
            {move || match state.get() {
                ScanState::Found(text) => Some(view! {
                    <label class="field">
                        <span>"Text of the code"</span>
                        <textarea readonly rows="3" data-testid="scan-result" prop:value=text></textarea>
                    </label>
                }),
                _ => None,
            }}
            <div class="row scan-pictures" class:hidden=move || matches!(state.get(), ScanState::Found(_))>
                <label class="button">
                    "Take photo"
                    <input
                        type="file"
                        accept="image/*"
                        capture="environment"
                        class="sr-only"
                        data-testid="scan-photo"
                        on:change=picture_chosen
                    />
                </label>
                <label class="button">
                    "Upload image"
                    <input
                        type="file"
                        accept="image/*"
                        class="sr-only"
                        data-testid="scan-upload"
                        on:change=picture_chosen
                    />
                </label>
            </div>
        </section>
    }
}

/// Takes frames as the video presents them (`requestVideoFrameCallback`, or a timer where the
/// browser lacks it) and hands each to the worker when it is idle; frames that come while it
/// decodes are skipped.
fn start_frame_loop(session: StoredValue<Session, LocalStorage>, video: web_sys::HtmlVideoElement) {
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

/// The file chosen in a file input, if any.
fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0);
    // Choosing the same picture again must fire `change` again.
    input.set_value("");
    file
}

/// A photo or picture as RGBA pixels, scaled down to at most [`MAX_PHOTO_SIDE`].
async fn photo_frame(file: &web_sys::File) -> Result<Frame, String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window
        .create_image_bitmap_with_blob(file)
        .map_err(|_| "this browser cannot open pictures".to_string())?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(|_| "that file is not a picture this browser can open".to_string())?
        .unchecked_into();
    let (w, h) = (bitmap.width(), bitmap.height());
    let scale = (f64::from(MAX_PHOTO_SIDE) / f64::from(w.max(h))).min(1.0);
    let (sw, sh) = (
        ((f64::from(w) * scale) as u32).max(1),
        ((f64::from(h) * scale) as u32).max(1),
    );
    let frames = Frames::new()?;
    let frame = frames.draw(&Source::Bitmap(&bitmap), sw, sh);
    bitmap.close();
    frame.ok_or_else(|| "the picture could not be read".into())
}

/// Hands a photo to the worker as soon as it is idle (a camera frame may be decoding; the
/// camera sends no more until the photo is in).
async fn post_photo(
    session: StoredValue<Session, LocalStorage>,
    frame: Frame,
) -> Result<(), String> {
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
    Err("the decoder is busy; try the picture again".into())
}
