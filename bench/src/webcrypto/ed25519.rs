//! WebCrypto's Ed25519 (`crypto.subtle.sign` and `verify` with `"Ed25519"`), the baseline of
//! the signature rows where the browser has it: the same statements, keys and signatures as
//! `identity`'s measurements. The session key is imported from the same seed, so WebCrypto must
//! give the very signature the Rust code gives; that is checked before anything is timed.
//!
//! As for AES-GCM, each call is awaited before the next.

use js_sys::{Array, ArrayBuffer, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use crate::BenchError;
use crate::browser::{js_error, window, yield_to_event_loop};
use crate::figure::{Figure, Runtime, Unit};
use crate::identity::{FullRoom, SESSION_SEED, Signed, presence};
use crate::sampler::{Clock, Plan, Sampler};

const ALGORITHM: &str = "Ed25519";
/// A PKCS#8 `PrivateKeyInfo` for an Ed25519 seed is this prefix and the 32-byte seed (RFC 8410,
/// section 10.3).
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The session key of [`SESSION_SEED`] in the browser's WebCrypto.
#[derive(Clone, Debug)]
pub struct Ed25519 {
    subtle: SubtleCrypto,
    private: CryptoKey,
}

impl Ed25519 {
    /// Imports the session key; `Ok(Err(why))` when this browser's WebCrypto has no Ed25519
    /// (its `importKey` says `NotSupportedError`), `why` being the browser's own words.
    pub async fn new() -> Result<Result<Self, String>, BenchError> {
        let subtle = window()?
            .crypto()
            .map_err(js_error("window.crypto"))?
            .subtle();
        let pkcs8 = [&PKCS8_PREFIX[..], &SESSION_SEED].concat();
        match import(&subtle, "pkcs8", &pkcs8, "sign").await {
            Ok(private) => Ok(Ok(Self { subtle, private })),
            Err(e) if error_name(&e).as_deref() == Some("NotSupportedError") => {
                Ok(Err(format!("{e:?}")))
            }
            Err(e) => Err(js_error("importKey Ed25519")(e)),
        }
    }

    async fn public(&self, bytes: &[u8]) -> Result<CryptoKey, BenchError> {
        import(&self.subtle, "raw", bytes, "verify")
            .await
            .map_err(js_error("importKey Ed25519 public"))
    }

    async fn sign(&self, statement: &[u8]) -> Result<Vec<u8>, BenchError> {
        let promise = self
            .subtle
            .sign_with_str_and_u8_array(ALGORITHM, &self.private, statement)
            .map_err(js_error("sign"))?;
        let signature = JsFuture::from(promise)
            .await
            .map_err(js_error("sign"))?
            .dyn_into::<ArrayBuffer>()
            .map_err(js_error("sign result"))?;
        Ok(Uint8Array::new(&signature).to_vec())
    }

    async fn verify(&self, key: &CryptoKey, signed: &Signed) -> Result<bool, BenchError> {
        let promise = self
            .subtle
            .verify_with_str_and_u8_array_and_u8_array(
                ALGORITHM,
                key,
                &signed.signature,
                &signed.statement,
            )
            .map_err(js_error("verify"))?;
        Ok(JsFuture::from(promise)
            .await
            .map_err(js_error("verify"))?
            .as_bool()
            .unwrap_or(false))
    }

    /// Signatures per second of the presence statement `identity::ed25519_sign` signs.
    pub async fn sign_figure(&self, clock: &dyn Clock) -> Result<Figure, BenchError> {
        const MEASURE: &str = "ed25519_sign";
        let expected = presence();
        if self.sign(&expected.statement).await? != expected.signature {
            return Err(BenchError::Verify("webcrypto ed25519_sign"));
        }
        sample(MEASURE, Unit::OpsPerSecond, clock, async || {
            self.sign(&expected.statement).await.map(drop)
        })
        .await
    }

    /// Verifications per second of that signature, its public key imported once beforehand.
    pub async fn verify_figure(&self, clock: &dyn Clock) -> Result<Figure, BenchError> {
        const MEASURE: &str = "ed25519_verify";
        let signed = presence();
        let key = self.public(&signed.public).await?;
        let mut forged = signed.clone();
        forged.signature[0] ^= 1;
        if !self.verify(&key, &signed).await? || self.verify(&key, &forged).await? {
            return Err(BenchError::Verify("webcrypto ed25519_verify"));
        }
        sample(MEASURE, Unit::OpsPerSecond, clock, async || {
            if self.verify(&key, &signed).await? {
                Ok(())
            } else {
                Err(BenchError::Verify("webcrypto ed25519_verify"))
            }
        })
        .await
    }

    /// Milliseconds per newcomer, as `FullRoom::newcomer` but every signature made and checked
    /// by WebCrypto: the Join signed; for each member its identity key and session key
    /// imported from their bytes, the three signatures verified, an Ack signed.
    pub async fn newcomer_figure(
        &self,
        room: &FullRoom,
        clock: &dyn Clock,
    ) -> Result<Figure, BenchError> {
        let members = room.signatures()?;
        let statements = room.statements();
        sample("newcomer_full_room", Unit::MillisPerOp, clock, async || {
            self.meet(&members, &statements).await
        })
        .await
    }

    async fn meet(
        &self,
        members: &[[Signed; 3]],
        statements: &[Vec<u8>],
    ) -> Result<(), BenchError> {
        let Some((join, acks)) = statements.split_first() else {
            return Err(BenchError::Verify("webcrypto newcomer"));
        };
        self.sign(join).await?;
        for ([binding, certificate, here], ack) in members.iter().zip(acks) {
            let identity = self.public(&binding.public).await?;
            let session = self.public(&here.public).await?;
            let verified = self.verify(&identity, binding).await?
                && self.verify(&identity, certificate).await?
                && self.verify(&session, here).await?;
            if !verified {
                return Err(BenchError::Verify("webcrypto newcomer"));
            }
            self.sign(ack).await?;
        }
        Ok(())
    }
}

/// Imports an Ed25519 key for one usage.
async fn import(
    subtle: &SubtleCrypto,
    format: &str,
    bytes: &[u8],
    usage: &str,
) -> Result<CryptoKey, JsValue> {
    let usages = Array::of1(&usage.into());
    let promise =
        subtle.import_key_with_str(format, &Uint8Array::from(bytes), ALGORITHM, false, &usages)?;
    JsFuture::from(promise).await?.dyn_into::<CryptoKey>()
}

/// A `DOMException`'s `name`.
fn error_name(error: &JsValue) -> Option<String> {
    js_sys::Reflect::get(error, &JsValue::from_str("name"))
        .ok()?
        .as_string()
}

/// Samples `op` with [`Plan::FAST`], yielding to the event loop before every batch.
async fn sample(
    measure: &str,
    unit: Unit,
    clock: &dyn Clock,
    mut op: impl AsyncFnMut() -> Result<(), BenchError>,
) -> Result<Figure, BenchError> {
    let mut sampler = Sampler::new(Plan::FAST);
    while let Some(n) = sampler.next_batch() {
        yield_to_event_loop().await?;
        let start = clock.seconds();
        for _ in 0..n {
            op().await?;
        }
        sampler.record(n, clock.seconds() - start);
    }
    Ok(Figure::of(measure, Runtime::WebCrypto, unit, &sampler))
}
