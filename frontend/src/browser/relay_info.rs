//! What the relay's `/relay-info` says that the app uses (PROTOCOL.md A): the origins people
//! on the LAN can open, the largest file the relay carries, and the certificate authority it
//! recently replaced.

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
    /// The CA the relay's current one recently replaced, if it says.
    pub ca_replaced: Option<EarlierCa>,
}

/// A certificate authority the relay replaced: devices that installed it must install the new
/// one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EarlierCa {
    /// Its name, as devices list it among installed certificates.
    pub name: String,
    /// When it was replaced, in milliseconds since the Unix epoch.
    pub replaced_at_ms: u64,
}

fn earlier_ca(json: &wasm_bindgen::JsValue) -> Option<EarlierCa> {
    let ca = js_sys::Reflect::get(json, &"ca_replaced".into()).ok()?;
    if !ca.is_object() {
        return None;
    }
    let name = js_sys::Reflect::get(&ca, &"name".into())
        .ok()?
        .as_string()?;
    let seconds = js_sys::Reflect::get(&ca, &"replaced_at".into())
        .ok()?
        .as_f64()
        .filter(|v| v.is_finite() && *v >= 0.0)?;
    Some(EarlierCa {
        name,
        replaced_at_ms: (seconds * 1000.0) as u64,
    })
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
        ca_replaced: earlier_ca(&json),
    }
}
