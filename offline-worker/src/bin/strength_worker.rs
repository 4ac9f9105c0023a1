//! The passphrase strength worker: zxcvbn's estimate of a typed passphrase, started only when
//! someone types their own (its dictionaries are most of its weight). It answers a
//! `worker_messages::StrengthRequest` with a `worker_messages::Strength` of the passphrase as it
//! is keyed: normalised (`protocol::passphrase_input`), so capitals the key ignores count for
//! nothing.

#![forbid(unsafe_code)]

use offline_worker::serve;
use web_sys::DedicatedWorkerGlobalScope;
use worker_messages::{Refusal, Strength, StrengthRequest};

fn main() {
    serve(answer);
}

fn answer(
    _scope: &DedicatedWorkerGlobalScope,
    _id: u32,
    request: StrengthRequest,
) -> Result<Strength, Refusal> {
    Ok(strength(&protocol::passphrase_input::normalise(
        &request.passphrase,
    )))
}

/// zxcvbn's estimate of a typed passphrase: score 0–4, log2 of the guesses needed, and the
/// time to guess it at 10,000 guesses a second (an attacker with good hardware against
/// Argon2id at these costs), with its advice.
fn strength(phrase: &str) -> Strength {
    let estimate = zxcvbn::zxcvbn(phrase, &[]);
    let (warning, suggestions) = estimate.feedback().map_or((None, Vec::new()), |f| {
        (
            f.warning().map(|w| w.to_string()),
            f.suggestions().iter().map(ToString::to_string).collect(),
        )
    });
    Strength {
        score: u32::from(u8::from(estimate.score())),
        bits: estimate.guesses_log10() * std::f64::consts::LOG2_10,
        crack: estimate
            .crack_times()
            .offline_slow_hashing_1e4_per_second()
            .to_string(),
        warning,
        suggestions,
    }
}
