//! What Cutout's offline workers share: the request loop and reading requests. The workers:
//! `offline_worker` (passphrase words, and sealing and opening with Argon2id, in an instance the
//! page ends after each key derivation: wasm memory never shrinks) and `strength_worker`
//! (zxcvbn's estimate of a typed passphrase; its dictionaries are most of its 1.9 MB in
//! `dist/strength_worker_bg.wasm`, so it starts only when someone types their own).
//!
//! Requests are `{ id, op, … }`; answers `{ id, … }`, or `{ id, error, reason }` on failure.

#![forbid(unsafe_code)]

use js_sys::{Object, Reflect, Uint8Array};
use protocol::blob::BlobError;
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// Why a request failed: a reason code for the page, and words for people.
pub struct Failure(pub &'static str, pub String);

impl From<BlobError> for Failure {
    fn from(err: BlobError) -> Self {
        let reason = match err {
            BlobError::Authentication => "wrong",
            BlobError::WrongMode => "mode",
            BlobError::Header => "header",
            BlobError::Contents => "contents",
            BlobError::NameTooLong => "name",
            BlobError::Kdf => "kdf",
        };
        Self(reason, err.to_string())
    }
}

/// A malformed request.
pub fn request(why: &str) -> Failure {
    Failure("request", why.to_string())
}

/// An answer's fields.
pub type Fields = Vec<(&'static str, JsValue)>;

/// A plain object of `fields`.
pub fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&o, &(*key).into(), value);
    }
    o.into()
}

/// A field of a request (undefined if absent).
pub fn field(message: &JsValue, key: &str) -> JsValue {
    Reflect::get(message, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// A string field, or a request failure.
pub fn text_field(message: &JsValue, key: &str) -> Result<String, Failure> {
    field(message, key)
        .as_string()
        .ok_or_else(|| request(&format!("no {key}")))
}

/// A bytes field (`Uint8Array`), or a request failure.
pub fn bytes_field(message: &JsValue, key: &str) -> Result<Vec<u8>, Failure> {
    let value = field(message, key);
    if !value.is_object() {
        return Err(request(&format!("no {key}")));
    }
    Ok(Uint8Array::new(&value).to_vec())
}

/// Answers every request with `answer(scope, id, request)` and says `{ ready: true }` once.
pub fn serve(
    answer: fn(&DedicatedWorkerGlobalScope, &JsValue, &JsValue) -> Result<Fields, Failure>,
) {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply = scope.clone();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let message = event.data();
        let id = field(&message, "id");
        let answer = match answer(&reply, &id, &message) {
            Ok(fields) => fields,
            Err(Failure(reason, error)) => vec![
                ("error", error.into()),
                ("reason", JsValue::from_str(reason)),
            ],
        };
        let mut fields = vec![("id", id)];
        fields.extend(answer);
        let _ = reply.post_message(&object(&fields));
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as its scope: the handler must too.
    on_message.forget();
    let _ = scope.post_message(&object(&[("ready", JsValue::TRUE)]));
}
