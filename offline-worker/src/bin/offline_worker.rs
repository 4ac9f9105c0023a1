//! The offline-message worker: passphrase words, and sealing and opening with Argon2id, off the
//! page's main thread. The page ends the instance after each sealing or opening.
//!
//! - `words`: `count` → `{ id, passphrase, bits }`
//! - `seal`: `passphrase`, `light`, and `text` or `name` + `bytes` → `{ id, blob }`
//! - `open`: `passphrase`, `blob` → `{ id, text }` or `{ id, name, bytes }`
//!
//! Sealing and opening first send `{ id, expected_ms }`, the key derivation's expected
//! duration (from a calibration run at the lowest costs; Argon2 reports no progress), then the
//! answer.
//! Failures carry `reason`: `wrong` (wrong passphrase or an altered message), `mode` (sealed for
//! a contact), `header`, `contents`, `name`, `kdf` or `request`.

#![forbid(unsafe_code)]

use js_sys::Uint8Array;
use offline_worker::{Failure, Fields, bytes_field, field, object, request, serve, text_field};
use protocol::blob::{self, BlobContent, BlobError, BlobHeader};
use protocol::entropy::SystemEntropy;
use protocol::kdf::{Argon2Params, Argon2id, PasswordKdf};
use protocol::passphrase;
use wasm_bindgen::JsValue;
use web_sys::DedicatedWorkerGlobalScope;

/// Memory of the calibration run, as log2 KiB: the least the protocol allows.
const CALIBRATION_M_LOG2: u8 = 14;
/// Generated passphrases have between these many words.
const WORDS: std::ops::RangeInclusive<usize> = 4..=12;

fn main() {
    serve(answer);
}

fn answer(
    scope: &DedicatedWorkerGlobalScope,
    id: &JsValue,
    message: &JsValue,
) -> Result<Fields, Failure> {
    match text_field(message, "op")?.as_str() {
        "words" => {
            let count = field(message, "count")
                .as_f64()
                .map_or(passphrase::DEFAULT_WORDS, |n| n as usize)
                .clamp(*WORDS.start(), *WORDS.end());
            Ok(vec![
                (
                    "passphrase",
                    passphrase::generate(count, &mut SystemEntropy).into(),
                ),
                ("bits", passphrase::bits(count).into()),
            ])
        }
        "seal" => {
            let phrase = text_field(message, "passphrase")?;
            let params = if field(message, "light").is_truthy() {
                Argon2Params::LIGHT
            } else {
                Argon2Params::DEFAULT
            };
            let content = match field(message, "text").as_string() {
                Some(text) => BlobContent::Text(text),
                None => BlobContent::File {
                    name: text_field(message, "name")?,
                    bytes: bytes_field(message, "bytes")?,
                },
            };
            announce_expected(scope, id, params);
            let sealed = blob::seal_with_passphrase(
                &phrase,
                params,
                &content,
                &mut SystemEntropy,
                &mut Argon2id,
            )?;
            Ok(vec![("blob", Uint8Array::from(&sealed[..]).into())])
        }
        "open" => {
            let sealed = bytes_field(message, "blob")?;
            let phrase = text_field(message, "passphrase")?;
            // The header is checked before any key derivation work.
            match BlobHeader::parse(&sealed)?.0 {
                BlobHeader::Passphrase { params, .. } => announce_expected(scope, id, params),
                BlobHeader::Contact { .. } => return Err(BlobError::WrongMode.into()),
            }
            Ok(
                match blob::open_with_passphrase(&sealed, &phrase, &mut Argon2id)? {
                    BlobContent::Text(text) => vec![("text", text.into())],
                    BlobContent::File { name, bytes } => vec![
                        ("name", name.into()),
                        ("bytes", Uint8Array::from(&bytes[..]).into()),
                    ],
                },
            )
        }
        other => Err(request(&format!("unknown op {other}"))),
    }
}

/// Tells the page how long deriving a key with `params` should take here: a run at the lowest
/// costs the protocol allows (16 MiB, one pass), timed and scaled by memory × passes, which is
/// how Argon2's time grows.
fn announce_expected(scope: &DedicatedWorkerGlobalScope, id: &JsValue, params: Argon2Params) {
    let Ok(sample) = Argon2Params::new(CALIBRATION_M_LOG2, 1, params.p()) else {
        return;
    };
    let now = || scope.performance().map_or(0.0, |p| p.now());
    let started = now();
    if Argon2id.derive(b"calibration", &[0; 16], sample).is_err() {
        return;
    }
    let scale = f64::from(params.m_kib()) / f64::from(sample.m_kib()) * f64::from(params.t());
    let expected = (now() - started) * scale;
    let _ = scope.post_message(&object(&[
        ("id", id.clone()),
        ("expected_ms", expected.into()),
    ]));
}
