//! System notifications (`Notification`), and whether this page is hidden. Nothing here asks for
//! permission by itself: the room asks only when the person turns notifications on.

use wasm_bindgen_futures::JsFuture;
use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// Whether this browser has notifications at all (not in every browser, nor on plain HTTP in
/// some).
pub fn supported() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::has(&w, &"Notification".into()).ok())
        .unwrap_or(false)
}

/// Whether notifications may be shown now.
pub fn granted() -> bool {
    supported() && Notification::permission() == NotificationPermission::Granted
}

/// Asks for permission (call from a click: browsers refuse otherwise); whether it is granted.
pub async fn request() -> bool {
    if !supported() {
        return false;
    }
    let Ok(promise) = Notification::request_permission() else {
        return false;
    };
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|answer| answer.as_string())
        .is_some_and(|answer| answer == "granted")
}

/// Shows one notification; `tag` replaces an earlier one of the same tag, so a busy room shows
/// one, not a pile.
pub fn show(title: &str, body: &str, tag: &str) {
    if !granted() {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    let _ = Notification::new_with_options(title, &options);
}

/// Whether this page is hidden (another tab in front, the window minimised, the screen off).
pub fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Sets the tab's title.
pub fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}
