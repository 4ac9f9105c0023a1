//! The QR scanner panel: the live camera, or a photo or an uploaded picture where the camera
//! cannot be used, all decoded in a Web Worker (`worker.rs`) so the page never stalls. The
//! panel draws; `session.rs` runs the camera, the frames and photos, `code.rs` decides what
//! a read means.

use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::scan::camera::Camera;
use crate::scan::code::{CodeKind, Mark, ScanState};
use crate::scan::photo::photo_frame;
use crate::scan::session::{Session, post_photo, start_frame_loop};
use crate::scan::worker::{QrWorker, WorkerEvent};
use crate::ui::focus::reveal_when_mounted;

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
    let panel = NodeRef::<leptos::html::Section>::new();
    reveal_when_mounted(panel);
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
                    match state.try_get_untracked() {
                        // The panel closed, or a code read from a picture while the camera
                        // started ended the scan: the camera is not wanted (dropping it stops
                        // it).
                        None | Some(ScanState::Found(_)) => return,
                        Some(ScanState::Starting) => state.set(ScanState::Scanning),
                        Some(_) => {}
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
                // A picture chosen while the camera started has its own status (reading it,
                // or what it held), which a camera that then fails must not replace.
                Err(err) => {
                    if matches!(state.try_get_untracked(), Some(ScanState::Starting)) {
                        state.set(ScanState::Failed(err));
                    }
                }
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
                state.set(ScanState::PhotoFailed(why));
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
            node_ref=panel
            aria-labelledby="scan-title"
            data-testid="scan-panel"
            data-restarts=move || restarts.get().to_string()
            data-kind=move || match state.get() {
                ScanState::Found(text) => CodeKind::of(&text).name(),
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
                {move || state.get().status(has_camera.get())}
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

/// The file chosen in a file input, if any.
fn chosen_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
    let file = input.files()?.get(0);
    // Choosing the same picture again must fire `change` again.
    input.set_value("");
    file
}
