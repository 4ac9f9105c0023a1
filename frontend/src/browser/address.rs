//! This page's address: its origin, host and fragment, whether it is a secure context, and
//! clearing a room secret from the address bar.

use super::window;

/// The fragment of the address, with its `#` (empty if none).
pub fn location_hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// This page's origin, e.g. `http://127.0.0.1:8080`.
pub fn origin() -> String {
    window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// This page's host:port.
pub fn host() -> String {
    window()
        .and_then(|w| w.location().host().ok())
        .unwrap_or_default()
}

/// Whether the page was loaded over HTTPS.
pub fn is_https() -> bool {
    window()
        .and_then(|w| w.location().protocol().ok())
        .is_some_and(|p| p == "https:")
}

/// Removes the fragment from the address bar and the history entry, so a room secret read from
/// an invite is not left where a screenshot or a shared history could show it (PROTOCOL.md B.1).
pub fn clear_fragment() {
    let Some(window) = window() else { return };
    let location = window.location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let search = location.search().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{search}")),
        );
    }
}

/// Whether the page is a secure context (HTTPS or loopback): the camera and install need it.
pub fn is_secure_context() -> bool {
    window().is_some_and(|w| w.is_secure_context())
}
