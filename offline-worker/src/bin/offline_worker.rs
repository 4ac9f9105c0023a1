//! The offline-message worker: passphrase words, and sealing and opening with Argon2id, off the
//! page's main thread. The page ends the instance after each sealing or opening. Passphrases
//! are normalised as typed before key derivation (`protocol::passphrase_input`); opening tries
//! one as typed too when earlier versions may have sealed with it so.
//!
//! It answers `worker_messages::OfflineRequest`s: `Words` with a generated passphrase and its
//! bits, `Seal` with the sealed blob, `Open` with what the blob carried. Sealing and opening
//! first announce the key derivation's expected duration (`Reply::Expected`, from a calibration
//! run at the lowest costs; Argon2 reports no progress), then answer. Failures carry a
//! `worker_messages::Reason`: a wrong passphrase or an altered message, a message sealed for a
//! contact, a bad header, contents or name, a failed key derivation, or a malformed request.

#![forbid(unsafe_code)]

use offline_worker::serve;
use protocol::blob::{BlobError, BlobHeader};
use protocol::entropy::SystemEntropy;
use protocol::kdf::{Argon2Params, Argon2id, PasswordKdf};
use protocol::{passphrase, passphrase_input};
use web_sys::DedicatedWorkerGlobalScope;
use worker_messages::{OfflineAnswer, OfflineRequest, Refusal, Reply};

/// Memory of the calibration run, as log2 KiB: the least the protocol allows.
const CALIBRATION_M_LOG2: u8 = 14;
/// Generated passphrases have between these many words.
const WORDS: std::ops::RangeInclusive<usize> = 4..=12;

fn main() {
    serve(answer);
}

fn answer(
    scope: &DedicatedWorkerGlobalScope,
    id: u32,
    request: OfflineRequest,
) -> Result<OfflineAnswer, Refusal> {
    Ok(match request {
        OfflineRequest::Words { count } => {
            let count = usize::try_from(count)
                .unwrap_or(passphrase::DEFAULT_WORDS)
                .clamp(*WORDS.start(), *WORDS.end());
            OfflineAnswer::Words {
                passphrase: passphrase::generate(count, &mut SystemEntropy),
                bits: passphrase::bits(count),
            }
        }
        OfflineRequest::Seal {
            passphrase,
            light,
            content,
        } => {
            let params = if light {
                Argon2Params::LIGHT
            } else {
                Argon2Params::DEFAULT
            };
            announce_expected(scope, id, params);
            OfflineAnswer::Sealed {
                blob: passphrase_input::seal(
                    &passphrase,
                    params,
                    &content,
                    &mut SystemEntropy,
                    &mut Argon2id,
                )?,
            }
        }
        OfflineRequest::Open { passphrase, blob } => {
            // The header is checked before any key derivation work.
            match BlobHeader::parse(&blob)?.0 {
                BlobHeader::Passphrase { params, .. } => announce_expected(scope, id, params),
                BlobHeader::Contact { .. } => return Err(BlobError::WrongMode.into()),
            }
            OfflineAnswer::Opened {
                content: passphrase_input::open(&blob, &passphrase, &mut Argon2id)?,
            }
        }
    })
}

/// Tells the page how long deriving a key with `params` should take here: a run at the lowest
/// costs the protocol allows (16 MiB, one pass), timed and scaled by memory × passes, which is
/// how Argon2's time grows.
fn announce_expected(scope: &DedicatedWorkerGlobalScope, id: u32, params: Argon2Params) {
    let Ok(sample) = Argon2Params::new(CALIBRATION_M_LOG2, 1, params.p()) else {
        return;
    };
    let now = || scope.performance().map_or(0.0, |p| p.now());
    let started = now();
    if Argon2id.derive(b"calibration", &[0; 16], sample).is_err() {
        return;
    }
    let scale = f64::from(params.m_kib()) / f64::from(sample.m_kib()) * f64::from(params.t());
    let ms = (now() - started) * scale;
    let _ = worker_messages::post(scope, &Reply::<OfflineAnswer>::Expected { id, ms });
}
