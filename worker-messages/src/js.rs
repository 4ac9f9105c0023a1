//! The one place worker messages become JavaScript values and back (wasm only): [`post`] on
//! either side of the boundary, [`read`] of what arrived.
//!
//! Through `serde-wasm-bindgen`: structs become plain objects, `None` becomes `null`, bytes
//! (`serde_bytes`) become a `Uint8Array` (one copy out of wasm memory; reading one back is one
//! copy in), and a frame's [`Pixels`](crate::Pixels) pass through untouched, their buffer moved.

use std::fmt;

use js_sys::Array;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use web_sys::{DedicatedWorkerGlobalScope, Worker};

use crate::Message;

/// How messages become JavaScript values: plain objects, and `null` for what is absent.
const SERIALIZER: serde_wasm_bindgen::Serializer = serde_wasm_bindgen::Serializer::new()
    .serialize_missing_as_null(true)
    .serialize_maps_as_objects(true);

/// Either end of a worker's message channel: the page's `Worker`, or the worker's own scope.
pub trait Port {
    /// `postMessage(message, transfer)`.
    fn post_message(&self, message: &JsValue, transfer: &Array) -> Result<(), JsValue>;
}

impl Port for Worker {
    fn post_message(&self, message: &JsValue, transfer: &Array) -> Result<(), JsValue> {
        self.post_message_with_transfer(message, transfer)
    }
}

impl Port for DedicatedWorkerGlobalScope {
    fn post_message(&self, message: &JsValue, transfer: &Array) -> Result<(), JsValue> {
        self.post_message_with_transfer(message, transfer)
    }
}

/// A message that could not be posted.
#[derive(Clone, Debug, PartialEq)]
pub enum Unsent {
    /// It has no JavaScript form (a serialisation error).
    Unencodable(String),
    /// `postMessage` threw (the worker is gone, or a buffer was already moved).
    Refused(JsValue),
}

impl fmt::Display for Unsent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unencodable(why) => write!(f, "the message cannot be encoded: {why}"),
            Self::Refused(error) => match error.as_string() {
                Some(why) => write!(f, "postMessage failed: {why}"),
                None => write!(f, "postMessage failed: {error:?}"),
            },
        }
    }
}

impl std::error::Error for Unsent {}

/// A received message that is not the type expected, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed message: {}", self.0)
    }
}

impl std::error::Error for Malformed {}

/// Posts `message` to the other side, moving the buffer it names (a frame's pixels) instead of
/// copying it.
pub fn post<M: Message>(port: &impl Port, message: &M) -> Result<(), Unsent> {
    let value = message
        .serialize(&SERIALIZER)
        .map_err(|e| Unsent::Unencodable(e.to_string()))?;
    let transfer = message
        .transfer()
        .map_or_else(Array::new, |b| Array::of1(&b));
    port.post_message(&value, &transfer)
        .map_err(Unsent::Refused)
}

/// Reads a received message (`MessageEvent.data`) as an `M`. Never panics on what arrived.
pub fn read<M: DeserializeOwned>(data: &JsValue) -> Result<M, Malformed> {
    serde_wasm_bindgen::from_value(data.clone()).map_err(|e| Malformed(e.to_string()))
}

/// The `id` of a message that [`read`] found malformed, if it has a readable one, so that the
/// failure can still be answered to the request.
pub fn id(data: &JsValue) -> Option<u32> {
    #[derive(Deserialize)]
    struct Numbered {
        id: u32,
    }
    read::<Numbered>(data).ok().map(|n| n.id)
}
