//! Copying text to the clipboard, where the browser allows it.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::window;

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
