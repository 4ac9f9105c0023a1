//! What the relay's `/relay-info` says that the app uses (PROTOCOL.md A): the origins people
//! on the LAN can open, and the largest file the relay carries.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::window;

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
