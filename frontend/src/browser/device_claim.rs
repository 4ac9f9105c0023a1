//! This tab's device id (PROTOCOL.md B.3), claimed once per page: the browser's side of
//! [`protocol::device_claim`]. The id and whether a live page holds it are kept in
//! `sessionStorage`; other tabs of this origin are asked over a `BroadcastChannel` (which, unlike
//! `navigator.locks`, works on plain HTTP at a LAN address). [`start`] runs before the app mounts,
//! so every page answers for its id, on any screen; a room waits for [`device_id`].

use std::cell::RefCell;

use protocol::device_claim::{ClaimMessage, DeviceClaim, PROBE_MS, Stored};
use protocol::entropy::SystemEntropy;
use protocol::ids::DeviceId;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;

use super::{Store, load, save, sleep, window};

/// Where the tab keeps its id (`live:<hex>` or `free:<hex>`).
const KEY: &str = "cutout.device";
/// The channel this origin's pages ask and answer on.
const CHANNEL: &str = "cutout.device";

/// The page's claim and what carries it.
struct Page {
    claim: DeviceClaim,
    channel: Option<web_sys::BroadcastChannel>,
    /// Resolves once the claim first settles.
    settled: js_sys::Promise,
    resolve: Option<js_sys::Function>,
}

thread_local! {
    static PAGE: RefCell<Option<Page>> = const { RefCell::new(None) };
}

/// Claims this tab's id: at once for a new tab or a reload, after asking the other tabs when the
/// id is marked in use (a duplicated tab, or a page that crashed). Idempotent.
pub fn start() {
    if PAGE.with_borrow(Option::is_some) {
        return;
    }
    let stored = Stored::parse(load(Store::Tab, KEY).as_deref());
    let (claim, probe) = DeviceClaim::start(stored, &mut SystemEntropy);
    let mut resolve = None;
    let settled = js_sys::Promise::new(&mut |done, _| resolve = Some(done));
    let channel = web_sys::BroadcastChannel::new(CHANNEL).ok();
    if let Some(channel) = &channel {
        let heard =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
                if let Some(message) = event
                    .data()
                    .as_string()
                    .as_deref()
                    .and_then(ClaimMessage::parse)
                {
                    hear(message);
                }
            });
        channel.set_onmessage(Some(heard.as_ref().unchecked_ref()));
        // The page's whole life.
        heard.forget();
    }
    PAGE.set(Some(Page {
        claim,
        channel,
        settled,
        resolve,
    }));
    listen("pagehide", |_| {
        with_page(|page| page.claim.hide());
    });
    listen("pageshow", |event| {
        let persisted = event
            .dyn_ref::<web_sys::PageTransitionEvent>()
            .is_some_and(web_sys::PageTransitionEvent::persisted);
        if persisted {
            shown_again();
        }
    });
    match probe {
        Some(probe) => {
            post(probe);
            wasm_bindgen_futures::spawn_local(async {
                sleep(PROBE_MS as i32).await;
                with_page(|page| page.claim.settle());
            });
        }
        None => {
            with_page(|_| {});
        }
    }
}

/// This tab's device id, once the page's claim has settled.
pub async fn device_id() -> DeviceId {
    start();
    if let Some(settled) = PAGE.with_borrow(|page| page.as_ref().map(|p| p.settled.clone())) {
        let _ = JsFuture::from(settled).await;
    }
    PAGE.with_borrow(|page| page.as_ref().map(|p| p.claim.id()))
        .unwrap_or_else(|| DeviceId::random(&mut SystemEntropy))
}

/// Shown again from the back/forward cache: a tab duplicated meanwhile may hold the id now. If
/// so this page mints its own and reloads, so its room rejoins under it.
fn shown_again() {
    let Some((before, probe)) = with_page(|page| {
        let before = page.claim.id();
        page.claim
            .show(&mut SystemEntropy)
            .map(|probe| (before, probe))
    })
    .flatten() else {
        return;
    };
    post(probe);
    wasm_bindgen_futures::spawn_local(async move {
        sleep(PROBE_MS as i32).await;
        let now = with_page(|page| {
            page.claim.settle();
            page.claim.id()
        });
        if now.is_some_and(|id| id != before)
            && let Some(window) = window()
        {
            let _ = window.location().reload();
        }
    });
}

fn hear(message: ClaimMessage) {
    if let Some(Some(answer)) = with_page(|page| page.claim.hear(message, &mut SystemEntropy)) {
        post(answer);
    }
}

/// Runs `f` on the page's claim, then stores what the tab should say and resolves the wait
/// once the claim settles.
fn with_page<T>(f: impl FnOnce(&mut Page) -> T) -> Option<T> {
    PAGE.with_borrow_mut(|page| {
        let page = page.as_mut()?;
        let out = f(page);
        if let Some(text) = page.claim.stored().to_text() {
            save(Store::Tab, KEY, &text);
        }
        if page.claim.is_settled()
            && let Some(resolve) = page.resolve.take()
        {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
        Some(out)
    })
}

fn post(message: ClaimMessage) {
    PAGE.with_borrow(|page| {
        if let Some(channel) = page.as_ref().and_then(|p| p.channel.as_ref()) {
            let _ = channel.post_message(&message.to_text().into());
        }
    });
}

/// Listens to the window's `name` events for the page's whole life.
fn listen(name: &str, f: impl FnMut(web_sys::Event) + 'static) {
    let Some(window) = window() else {
        return;
    };
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(f);
    let _ = window.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    closure.forget();
}
