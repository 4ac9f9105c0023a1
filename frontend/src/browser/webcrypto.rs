//! The browser's WebCrypto (`crypto.subtle`), where this page has it, and its Ed25519 and X25519
//! for the identity (docs/PROTOCOL.md I.1): key pairs made or imported with non-extractable
//! private keys, so that page script can sign and agree with them and never read them; their
//! public keys as bytes; signatures; X25519 agreement. The protocol crate builds every statement
//! and checks every signature; only the private-key operation happens here.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use protocol::identity::{KEY_LEN, SIGNATURE_LEN};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, CryptoKeyPair, SubtleCrypto};
use zeroize::Zeroizing;

use super::BrowserError;

const ED25519: &str = "Ed25519";
const X25519: &str = "X25519";

/// A PKCS#8 `PrivateKeyInfo` for an Ed25519 seed is this prefix and the 32-byte seed (RFC 8410,
/// section 10.3) …
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// … and for an X25519 scalar this one (the algorithm's OID ends in 0x6e, not 0x70).
const X25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
];

/// `crypto.subtle`, if this page has it: only secure contexts (HTTPS, loopback) do.
pub fn subtle() -> Option<SubtleCrypto> {
    let crypto = super::window()?.crypto().ok()?;
    // `subtle` is undefined outside secure contexts.
    let subtle = Reflect::get(&crypto, &"subtle".into()).ok()?;
    (!subtle.is_undefined() && !subtle.is_null()).then(|| subtle.unchecked_into())
}

/// An identity's private keys as WebCrypto holds them (and IndexedDB stores them): `ik` signs,
/// `xk` agrees. Neither can be exported.
#[derive(Clone, Debug)]
pub struct PrivateKeys {
    /// The Ed25519 identity key.
    pub ik: CryptoKey,
    /// The X25519 key-agreement key.
    pub xk: CryptoKey,
}

/// A fresh Ed25519 and a fresh X25519 key pair, private halves non-extractable; `None` where
/// this browser's WebCrypto lacks either algorithm (which is how the app finds out).
pub async fn generate(subtle: &SubtleCrypto) -> Option<(CryptoKeyPair, CryptoKeyPair)> {
    let ik = generate_pair(subtle, ED25519, &["sign", "verify"]).await?;
    let xk = generate_pair(subtle, X25519, &["deriveBits"]).await?;
    Some((ik, xk))
}

async fn generate_pair(
    subtle: &SubtleCrypto,
    algorithm: &str,
    usages: &[&str],
) -> Option<CryptoKeyPair> {
    let promise = subtle
        .generate_key_with_str(algorithm, false, &usage_list(usages))
        .ok()?;
    let pair = JsFuture::from(promise).await.ok()?;
    // `CryptoKeyPair` is a dictionary, a plain object with no class to check against.
    let private = Reflect::get(&pair, &"privateKey".into()).ok()?;
    private
        .is_instance_of::<CryptoKey>()
        .then(|| pair.unchecked_into())
}

/// The private keys of two stored seeds (an identity an earlier version kept in storage),
/// imported as non-extractable keys: the same identity, now out of the page's reach.
pub async fn import_seeds(
    subtle: &SubtleCrypto,
    ik_seed: &[u8; 32],
    xk_seed: &[u8; 32],
) -> Result<PrivateKeys, BrowserError> {
    Ok(PrivateKeys {
        ik: import_private(subtle, &ED25519_PKCS8_PREFIX, ik_seed, ED25519, "sign").await?,
        xk: import_private(subtle, &X25519_PKCS8_PREFIX, xk_seed, X25519, "deriveBits").await?,
    })
}

async fn import_private(
    subtle: &SubtleCrypto,
    prefix: &[u8; 16],
    seed: &[u8; 32],
    algorithm: &str,
    usage: &str,
) -> Result<CryptoKey, BrowserError> {
    let pkcs8 = Zeroizing::new([prefix.as_slice(), seed.as_slice()].concat());
    let bytes = Uint8Array::from(pkcs8.as_slice());
    let promise =
        subtle.import_key_with_str("pkcs8", &bytes, algorithm, false, &usage_list(&[usage]));
    let key = match promise {
        Ok(promise) => JsFuture::from(promise).await,
        Err(err) => Err(err),
    };
    // The JavaScript copy of the seed is not needed after the import.
    bytes.fill(0, 0, bytes.length());
    Ok(key?.dyn_into()?)
}

/// A public key's 32 bytes (public keys are always extractable).
pub async fn public_bytes(
    subtle: &SubtleCrypto,
    key: &CryptoKey,
) -> Result<[u8; KEY_LEN], BrowserError> {
    let raw = bytes_of(subtle.export_key("raw", key)).await?;
    raw.try_into()
        .map_err(|_| BrowserError("a public key is not 32 bytes".into()))
}

/// An Ed25519 signature with `ik`.
pub async fn sign(
    subtle: &SubtleCrypto,
    ik: &CryptoKey,
    message: &[u8],
) -> Result<[u8; SIGNATURE_LEN], BrowserError> {
    let signature = bytes_of(subtle.sign_with_str_and_u8_array(ED25519, ik, message)).await?;
    signature
        .try_into()
        .map_err(|_| BrowserError("a signature is not 64 bytes".into()))
}

/// X25519 of `xk` with `their_xk`; `None` for a key of small order, whose result is all zeros
/// (WebCrypto refuses to give it, and it is refused here too in case a browser does not).
pub async fn agree(
    subtle: &SubtleCrypto,
    xk: &CryptoKey,
    their_xk: &[u8; KEY_LEN],
) -> Result<Option<Zeroizing<[u8; 32]>>, BrowserError> {
    let raw = Uint8Array::from(their_xk.as_slice());
    let promise = subtle.import_key_with_str("raw", &raw, X25519, true, &Array::new())?;
    let theirs: CryptoKey = JsFuture::from(promise).await?.dyn_into()?;
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &X25519.into())?;
    Reflect::set(&params, &"public".into(), &theirs)?;
    let promise = subtle.derive_bits_with_object(&params, xk, 256)?;
    let bits = match JsFuture::from(promise).await {
        Ok(bits) => bits,
        // The specification's answer to an all-zero result.
        Err(err) if error_name(&err).as_deref() == Some("OperationError") => return Ok(None),
        Err(err) => return Err(err.into()),
    };
    let bits: ArrayBuffer = bits.dyn_into()?;
    let buffer = Uint8Array::new(&bits);
    let mut shared = Zeroizing::new([0u8; 32]);
    if buffer.length() as usize != shared.len() {
        return Err(BrowserError("X25519 gave the wrong length".into()));
    }
    buffer.copy_to(shared.as_mut_slice());
    buffer.fill(0, 0, buffer.length());
    Ok((shared.iter().any(|&b| b != 0)).then_some(shared))
}

/// Imports 32 bytes as a non-extractable AES-256-GCM key for both directions, and wipes the
/// script engine's copy of them.
pub async fn import_aes_key(subtle: &SubtleCrypto, key: Zeroizing<[u8; 32]>) -> Option<CryptoKey> {
    let raw = Uint8Array::from(&key[..]);
    let promise = subtle
        .import_key_with_str(
            "raw",
            &raw,
            "AES-GCM",
            false,
            &usage_list(&["encrypt", "decrypt"]),
        )
        .ok()?;
    let key = JsFuture::from(promise).await;
    raw.fill(0, 0, 32);
    key.ok()?.dyn_into().ok()
}

/// AES-GCM with a 128-bit tag under `key`: `bytes` sealed (`seal`) or opened, with `nonce` and
/// associated data `aad`; `None` if it fails (a tag that does not check).
pub async fn aes_gcm(
    subtle: &SubtleCrypto,
    key: &CryptoKey,
    (nonce, aad): (&[u8], &[u8]),
    bytes: &[u8],
    seal: bool,
) -> Option<Vec<u8>> {
    // JS copies: a view into wasm memory would go stale if the memory grew meanwhile.
    let params = AesGcmParams::new("AES-GCM", &Uint8Array::from(nonce));
    params.set_additional_data(&Uint8Array::from(aad));
    params.set_tag_length(128);
    let promise = if seal {
        subtle.encrypt_with_object_and_u8_array(&params, key, bytes)
    } else {
        subtle.decrypt_with_object_and_u8_array(&params, key, bytes)
    };
    bytes_of(promise).await.ok()
}

async fn bytes_of(promise: Result<js_sys::Promise, JsValue>) -> Result<Vec<u8>, BrowserError> {
    let buffer: ArrayBuffer = JsFuture::from(promise?).await?.dyn_into()?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

fn usage_list(usages: &[&str]) -> Array {
    usages
        .iter()
        .map(|usage| JsValue::from_str(usage))
        .collect()
}

fn error_name(err: &JsValue) -> Option<String> {
    Reflect::get(err, &"name".into()).ok()?.as_string()
}
