//! Small browser glue: time, storage, the address bar, the clipboard, the secure-context test.
//! Everything here degrades quietly: a browser that refuses storage still runs Cutout.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Lower-case hex, for storage keys, element keys and file names.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 32 bytes `text` holds in lower- or upper-case hex, if it holds exactly that.
pub fn unhex32(text: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A browser error as words: its `message` (DOMException, Error), else the value as text.
pub fn describe(err: &wasm_bindgen::JsValue) -> String {
    js_sys::Reflect::get(err, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Where a value is kept.
#[derive(Clone, Copy)]
pub enum Store {
    /// This device, across visits (`localStorage`).
    Device,
    /// This tab, across reloads, gone when the tab closes (`sessionStorage`).
    Tab,
}

fn storage(store: Store) -> Option<web_sys::Storage> {
    let window = window()?;
    match store {
        Store::Device => window.local_storage().ok().flatten(),
        Store::Tab => window.session_storage().ok().flatten(),
    }
}

/// A stored string.
pub fn load(store: Store, key: &str) -> Option<String> {
    storage(store)?.get_item(key).ok().flatten()
}

/// Stores a string (ignored if storage is unavailable).
pub fn save(store: Store, key: &str, value: &str) {
    if let Some(s) = storage(store) {
        let _ = s.set_item(key, value);
    }
}

/// Forgets a stored string.
pub fn forget(store: Store, key: &str) {
    if let Some(s) = storage(store) {
        let _ = s.remove_item(key);
    }
}

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

/// Copies `text` to the clipboard; `false` when the browser does not allow it here.
pub async fn copy(text: &str) -> bool {
    let Some(window) = window() else { return false };
    let navigator = window.navigator();
    // `navigator.clipboard` is undefined outside secure contexts.
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).ok();
    let Some(clipboard) = clipboard.filter(|c| !c.is_undefined() && !c.is_null()) else {
        return false;
    };
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// The origins from the relay's `/relay-info`, HTTPS first; empty if it cannot be read.
pub async fn relay_origins() -> Vec<String> {
    relay_info().await.origins
}

async fn fetch_json(path: &str) -> Option<wasm_bindgen::JsValue> {
    let window = window()?;
    let response = JsFuture::from(window.fetch_with_str(path)).await.ok()?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return None;
    }
    JsFuture::from(response.json().ok()?).await.ok()
}

/// What the relay's `/relay-info` says that the app uses.
#[derive(Clone, Debug, Default)]
pub struct RelayInfo {
    /// Origins people on the LAN can open, HTTPS first.
    pub origins: Vec<String>,
    /// Largest file to offer or accept, if the relay says.
    pub max_file_size: Option<u64>,
}

/// Reads `/relay-info`; empty if it cannot be read.
pub async fn relay_info() -> RelayInfo {
    let Some(json) = fetch_json("/relay-info").await else {
        return RelayInfo::default();
    };
    let origins = js_sys::Reflect::get(&json, &"origins".into()).unwrap_or_default();
    let max_file_size = js_sys::Reflect::get(&json, &"max_file_size".into())
        .ok()
        .and_then(|v| v.as_f64())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v as u64);
    RelayInfo {
        origins: js_sys::Array::from(&origins)
            .iter()
            .filter_map(|v| v.as_string())
            .collect(),
        max_file_size,
    }
}

/// Bytes `offset .. offset + len` of a file, read without loading the rest.
pub async fn read_slice(file: &web_sys::Blob, offset: u64, len: usize) -> Option<Vec<u8>> {
    let end = offset + len as u64;
    let slice = file
        .slice_with_f64_and_f64(offset as f64, end as f64)
        .ok()?;
    let buffer = JsFuture::from(slice.array_buffer()).await.ok()?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    (bytes.len() == len).then_some(bytes)
}

/// Resolves after `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Moves keyboard focus to `node` once it is in the page (a result that replaced the button
/// that was pressed, so focus is not lost to the page's top).
pub fn focus_when_mounted(node: leptos::prelude::NodeRef<leptos::html::P>) {
    use leptos::prelude::{Effect, Get};
    Effect::new(move |_| {
        if let Some(element) = node.get() {
            let _ = element.focus();
        }
    });
}

/// Ends a Web Worker, first detaching its handlers: a message or error event already queued must
/// not reach a handler the caller is about to free ("closure invoked after being dropped").
pub fn end_worker(worker: &web_sys::Worker) {
    worker.set_onmessage(None);
    worker.set_onerror(None);
    worker.terminate();
}
