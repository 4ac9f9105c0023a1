//! The app kept for offline use (journey 7): in a secure context the page registers `sw.js`,
//! which keeps every file of the build (listed in `app-files.txt`, written by trunk's
//! post-build hook) in the Cache API, so the app reloads with no relay and offline messages
//! work with no server anywhere. The Offline screen says whether this device is there yet.

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::browser;
use crate::ui::ca_replaced::CaReplaced;

/// The service worker's script.
const SCRIPT: &str = "/sw.js";
/// The cache it fills; `sw.js` names the same.
const CACHE: &str = "cutout-app";
/// The build's file list.
const LIST: &str = "app-files.txt";

thread_local! {
    /// Why the browser refused to register the service worker, once it has.
    static REFUSED: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Registers the service worker where browsers allow one (secure contexts), and asks it to
/// bring its copy of the app up to date with the files this page was loaded from.
pub fn register() {
    if !browser::is_secure_context() {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    // Some browsers have none (private windows): calling into it would throw and stop the app.
    if !js_sys::Reflect::has(&window.navigator(), &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let workers = window.navigator().service_worker();
    let registering = workers.register(SCRIPT);
    // Before the app mounts: Leptos's executor is not set up yet.
    wasm_bindgen_futures::spawn_local(async move {
        let registration = match JsFuture::from(registering).await {
            Ok(registration) => registration,
            Err(why) => {
                // Over HTTPS this is nearly always a certificate the device does not trust:
                // browsers fetch a worker's script only over a connection they trust.
                let why = browser::describe(&why);
                REFUSED.with(|refused| *refused.borrow_mut() = Some(why));
                return;
            }
        };
        let registration: web_sys::ServiceWorkerRegistration = registration.unchecked_into();
        // A worker installed before this build refreshes its copy (a new one fills it anyway).
        if let Some(active) = registration.active() {
            let _ = active.post_message(&JsValue::from_str("refresh"));
        }
    });
}

/// How far this device is from working offline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Readiness {
    /// Plain HTTP on a network address: browsers keep no app for offline use there.
    NotSecure,
    /// A secure context, but no service workers (private windows in some browsers).
    Unsupported,
    /// Keeping a copy of the app.
    Preparing,
    /// The browser refused the service worker: over HTTPS, a certificate it does not trust.
    Refused,
    /// Every file is kept and the worker serves this page: it reloads with no relay.
    Ready,
}

async fn readiness() -> Readiness {
    if !browser::is_secure_context() {
        return Readiness::NotSecure;
    }
    let Some(window) = web_sys::window() else {
        return Readiness::Unsupported;
    };
    let has_workers =
        js_sys::Reflect::has(&window.navigator(), &"serviceWorker".into()).unwrap_or(false);
    let Ok(caches) = window.caches() else {
        return Readiness::Unsupported;
    };
    if !has_workers {
        return Readiness::Unsupported;
    }
    if REFUSED.with(|refused| refused.borrow().is_some()) {
        return Readiness::Refused;
    }
    if window.navigator().service_worker().controller().is_none() {
        return Readiness::Preparing;
    }
    match all_kept(&caches).await {
        Some(true) => Readiness::Ready,
        _ => Readiness::Preparing,
    }
}

/// Whether the cache holds the file list and every file on it.
async fn all_kept(caches: &web_sys::CacheStorage) -> Option<bool> {
    let cache: web_sys::Cache = JsFuture::from(caches.open(CACHE))
        .await
        .ok()?
        .unchecked_into();
    let list = JsFuture::from(cache.match_with_str(LIST)).await.ok()?;
    let list: web_sys::Response = list.dyn_into().ok()?;
    let text = JsFuture::from(list.text().ok()?).await.ok()?.as_string()?;
    // The browser keeps the service worker's own script itself.
    for name in text
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty() && *n != "sw.js")
    {
        let found = JsFuture::from(cache.match_with_str(name)).await.ok()?;
        if found.is_undefined() {
            return Some(false);
        }
    }
    Some(true)
}

/// One line on the Offline screen: whether this app works here with no relay.
#[component]
pub fn OfflineStatus() -> impl IntoView {
    let state = RwSignal::new(None::<Readiness>);
    // Until it is ready, look again every second (the worker installs in the background).
    spawn_local(async move {
        loop {
            let now = readiness().await;
            if state.try_set(Some(now)).is_some() || now != Readiness::Preparing {
                return;
            }
            browser::sleep(1000).await;
        }
    });
    view! {
        <span
            data-testid="offline-capable"
            data-state=move || match state.get() {
                Some(Readiness::Ready) => "ready",
                Some(Readiness::Preparing) | None => "preparing",
                Some(Readiness::NotSecure) => "insecure",
                Some(Readiness::Unsupported) => "unsupported",
                Some(Readiness::Refused) => "untrusted",
            }
        >
            {move || match state.get() {
                Some(Readiness::Ready) => "Works offline: this device keeps the app, so it reloads \
                    and exchanges offline messages with no relay and no network.",
                Some(Readiness::Preparing) | None => "Keeping a copy of the app on this device for \
                    offline use…",
                Some(Readiness::NotSecure) => "Offline messages work while this page stays open. \
                    To keep the app for use with no relay, open it over HTTPS: browsers keep \
                    apps only for secure pages.",
                Some(Readiness::Unsupported) => "Offline messages work while this page stays \
                    open. This browser will not keep the app for use with no relay (a private \
                    window?).",
                Some(Readiness::Refused) => "Offline messages work while this page stays open. \
                    This browser will not keep the app: it does not trust this relay's \
                    certificate. Install the relay's certificate authority on this device \
                    (below), then reload.",
            }}
            <Show when=move || state.get() == Some(Readiness::Refused)>
                " "
                <a href="/ca.crt" data-testid="install-ca" download="cutout-ca.crt">
                    "Download the certificate authority (/ca.crt)"
                </a>
                ", and check that its fingerprint matches the one the relay printed when it started."
                <CaReplaced />
            </Show>
        </span>
    }
}
