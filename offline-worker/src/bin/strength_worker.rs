//! The passphrase strength worker: zxcvbn's estimate of a typed passphrase, started only when
//! someone types their own (its dictionaries are most of its weight).
//!
//! - `strength`: `passphrase` → `{ id, score, bits, crack, warning, suggestions }`

#![forbid(unsafe_code)]

use offline_worker::{Failure, Fields, request, serve, text_field};
use wasm_bindgen::JsValue;
use web_sys::DedicatedWorkerGlobalScope;

fn main() {
    serve(answer);
}

fn answer(
    _scope: &DedicatedWorkerGlobalScope,
    _id: &JsValue,
    message: &JsValue,
) -> Result<Fields, Failure> {
    match text_field(message, "op")?.as_str() {
        "strength" => Ok(strength(&text_field(message, "passphrase")?)),
        other => Err(request(&format!("unknown op {other}"))),
    }
}

/// zxcvbn's estimate of a typed passphrase: score 0–4, log2 of the guesses needed, and the
/// time to guess it at 10,000 guesses a second (an attacker with good hardware against
/// Argon2id at these costs), with its advice.
fn strength(phrase: &str) -> Fields {
    let estimate = zxcvbn::zxcvbn(phrase, &[]);
    let (warning, suggestions) = estimate.feedback().map_or((None, Vec::new()), |f| {
        (
            f.warning().map(|w| w.to_string()),
            f.suggestions().iter().map(ToString::to_string).collect(),
        )
    });
    let suggestions: js_sys::Array = suggestions.into_iter().map(JsValue::from).collect();
    vec![
        ("score", (u8::from(estimate.score()) as u32).into()),
        (
            "bits",
            (estimate.guesses_log10() * std::f64::consts::LOG2_10).into(),
        ),
        (
            "crack",
            estimate
                .crack_times()
                .offline_slow_hashing_1e4_per_second()
                .to_string()
                .into(),
        ),
        ("warning", warning.map_or(JsValue::NULL, JsValue::from)),
        ("suggestions", suggestions.into()),
    ]
}
