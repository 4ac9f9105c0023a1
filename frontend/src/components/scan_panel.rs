//! A panel that opens the camera and shows the text of the first QR code it reads.

use std::time::Duration;

use leptos::html::Video;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::camera::{Camera, CameraError};
use crate::qr_scan::decode_luma;

/// How often a frame is taken from the camera and decoded.
const SCAN_INTERVAL: Duration = Duration::from_millis(120);

/// Where the scan stands.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ScanState {
    Starting,
    Scanning,
    Found(String),
    Failed(CameraError),
}

/// The camera, the frame timer and the state, owned together so closing stops all of them.
struct Session {
    camera: Option<Camera>,
    timer: Option<IntervalHandle>,
}

impl Session {
    fn stop(&mut self) {
        if let Some(timer) = self.timer.take() {
            timer.clear();
        }
        // Dropping the camera stops its tracks.
        self.camera = None;
    }
}

/// Camera scan panel. `on_close` is called when the person closes it, `on_read` with the text
/// of each code read.
#[component]
pub fn ScanPanel(on_close: Callback<()>, on_read: Callback<String>) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let state = RwSignal::new(ScanState::Starting);
    let session = StoredValue::new_local(Session {
        camera: None,
        timer: None,
    });

    // Start once the <video> element exists.
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        let Some(element) = video.get() else {
            return false;
        };
        spawn_local(async move {
            match Camera::open(&element).await {
                Ok(camera) => {
                    state.set(ScanState::Scanning);
                    let tick = move || {
                        let decoded = session.with_value(|s| {
                            s.camera
                                .as_ref()
                                .and_then(|c| c.frame(&element))
                                .and_then(|(w, h, luma)| decode_luma(w, h, &luma))
                        });
                        if let Some(text) = decoded {
                            session.update_value(Session::stop);
                            state.set(ScanState::Found(text.clone()));
                            on_read.run(text);
                        }
                    };
                    let timer = set_interval_with_handle(tick, SCAN_INTERVAL).ok();
                    session.update_value(|s| {
                        s.camera = Some(camera);
                        s.timer = timer;
                    });
                }
                Err(err) => state.set(ScanState::Failed(err)),
            }
        });
        true
    });
    on_cleanup(move || session.update_value(Session::stop));

    let close = move |_| {
        session.update_value(Session::stop);
        on_close.run(());
    };

    view! {
        <section class="panel scan-panel" aria-labelledby="scan-title" data-testid="scan-panel">
            <div class="panel-head">
                <h2 id="scan-title">"Scan a QR code"</h2>
                <button class="button ghost" data-testid="close-scanner" on:click=close>
                    "Close"
                </button>
            </div>
            <div class="viewfinder" class:hidden=move || matches!(state.get(), ScanState::Found(_) | ScanState::Failed(_))>
                <video node_ref=video playsinline=true muted=true autoplay=true aria-label="Camera view"></video>
                <div class="reticle" aria-hidden="true"></div>
            </div>
            <p class="status" role="status" aria-live="polite" data-testid="scan-status">
                {move || match state.get() {
                    ScanState::Starting => "Starting the camera…".to_string(),
                    ScanState::Scanning => "Point the camera at a QR code.".to_string(),
                    ScanState::Found(_) => "QR code read.".to_string(),
                    ScanState::Failed(err) => err.explain(),
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
        </section>
    }
}
