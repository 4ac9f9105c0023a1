//! Browser glue that every feature shares, one concern a file: the page's address, storage
//! (short strings, and IndexedDB for the rest), the clipboard, this tab's device id, WebCrypto,
//! this browser's identity, the people verified on it, `/relay-info`, reading slices of files,
//! ending workers; here, time and browser errors.
//! Everything degrades quietly: a browser that refuses storage still runs Cutout.

mod address;
mod blob;
mod clipboard;
mod device_claim;
mod idb;
mod identity;
pub mod kept;
pub mod notify;
mod relay_info;
mod storage;
mod verified;
pub mod webcrypto;
mod worker;

pub use address::{clear_fragment, host, is_https, is_secure_context, location_hash, origin};
pub use blob::read_slice;
pub use clipboard::copy;
pub use device_claim::{device_id, start as claim_device_id};
pub use identity::{KeyHome, agree, identity, load as load_identity};
pub use relay_info::{EarlierCa, relay_info, relay_origins};
pub use storage::{Store, forget, load, save};
pub use verified::{VERIFIED_KEY, save_verified, verified};
pub use webcrypto::subtle;
pub use worker::end_worker;

use wasm_bindgen_futures::JsFuture;

/// A failure the browser reported, as words: its `message` (DOMException, Error), else the
/// value as text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BrowserError(pub String);

impl From<wasm_bindgen::JsValue> for BrowserError {
    fn from(err: wasm_bindgen::JsValue) -> Self {
        Self(describe(&err))
    }
}

/// A browser error as words: its `message` (DOMException, Error), else the value as text.
pub fn describe(err: &wasm_bindgen::JsValue) -> String {
    js_sys::Reflect::get(err, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| err.as_string())
        .unwrap_or_else(|| format!("{err:?}"))
}

/// `ms` (since the Unix epoch) as this device's local time, HH:MM.
pub fn local_time(ms: u64) -> String {
    let date = js_sys::Date::new(&(ms as f64).into());
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// The local calendar day `ms` (since the Unix epoch) falls on, on this device.
pub fn local_day(ms: u64) -> protocol::days::Day {
    let date = js_sys::Date::new(&(ms as f64).into());
    protocol::days::Day {
        year: date.get_full_year() as i32,
        month: (date.get_month() + 1) as u8,
        day: date.get_date() as u8,
    }
}

/// A day as this browser's language writes it: "Monday 30 November", with the year when it
/// is not this year's.
pub fn day_name(day: protocol::days::Day, this_year: i32) -> String {
    let date = js_sys::Date::new_with_year_month_day(
        day.year as u32,
        i32::from(day.month) - 1,
        i32::from(day.day),
    );
    let options = js_sys::Object::new();
    for (key, value) in [("weekday", "long"), ("day", "numeric"), ("month", "long")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    if day.year != this_year {
        let _ = js_sys::Reflect::set(&options, &"year".into(), &"numeric".into());
    }
    date.to_locale_date_string("default", &options).into()
}

/// `ms` (since the Unix epoch) as this device's local date, YYYY-MM-DD.
pub fn local_date(ms: u64) -> String {
    let date = js_sys::Date::new(&(ms as f64).into());
    format!(
        "{:04}-{:02}-{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date()
    )
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
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
