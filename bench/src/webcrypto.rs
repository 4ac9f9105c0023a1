//! The baseline in the browser (wasm32 only): WebCrypto's AES-256-GCM (`crypto.subtle.encrypt`
//! and `decrypt`) on the same data sizes as the Rust measurements: 256-byte padded chat bodies
//! with the envelope's 42 bytes of associated data, and the 32 MiB file in 64 KiB chunks with
//! the chunk frame's 55 bytes.
//!
//! Each WebCrypto call is awaited before the next, as a sender or receiver processing one
//! message or chunk after another would; the promise round trip is part of the cost.
//!
//! Its Ed25519, the baseline of the signature rows, is [`ed25519`].

use js_sys::{Array, ArrayBuffer, Object, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AesGcmParams, CryptoKey, SubtleCrypto};

use crate::BenchError;
use crate::browser::{js_error, window, yield_to_event_loop};
use crate::cases::{CHUNK_LEN, FILE_LEN, FILE_MIB, pattern};
use crate::figure::{Figure, Runtime, Unit};
use crate::sampler::{Clock, Plan, Sampler};

pub mod ed25519;

/// Associated data of an envelope: room_id (16) ‖ header (26).
const ENVELOPE_AAD_LEN: usize = 42;
/// Associated data of a chunk frame: room_id (16) ‖ chunk header (39).
const CHUNK_AAD_LEN: usize = 55;
/// A sealed chat body: one 256-byte pad block.
const PADDED_BODY_LEN: usize = 256;
const TAG_LEN: u32 = 16;

/// An AES-256-GCM key in the browser's WebCrypto.
#[derive(Clone, Debug)]
pub struct WebCrypto {
    subtle: SubtleCrypto,
    key: CryptoKey,
}

impl WebCrypto {
    /// Imports a fixed raw 256-bit key for encryption and decryption.
    pub async fn new() -> Result<Self, BenchError> {
        let subtle = window()?
            .crypto()
            .map_err(js_error("window.crypto"))?
            .subtle();
        let raw = Uint8Array::from(&[0x42u8; 32][..]);
        let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
        let promise = subtle
            .import_key_with_str("raw", &raw, "AES-GCM", false, &usages)
            .map_err(js_error("importKey"))?;
        let key = JsFuture::from(promise)
            .await
            .map_err(js_error("importKey"))?
            .dyn_into::<CryptoKey>()
            .map_err(js_error("importKey result"))?;
        Ok(Self { subtle, key })
    }

    fn params(nonce: &[u8; 12], aad: &[u8]) -> AesGcmParams {
        // Fresh JS copies: a view into wasm memory would go stale if the memory grew.
        let params = AesGcmParams::new("AES-GCM", &Uint8Array::from(&nonce[..]));
        params.set_additional_data(&Uint8Array::from(aad));
        params
    }

    async fn encrypt(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        plaintext: &[u8],
    ) -> Result<ArrayBuffer, BenchError> {
        let promise = self
            .subtle
            .encrypt_with_object_and_u8_array(&Self::params(nonce, aad), &self.key, plaintext)
            .map_err(js_error("encrypt"))?;
        JsFuture::from(promise)
            .await
            .map_err(js_error("encrypt"))?
            .dyn_into::<ArrayBuffer>()
            .map_err(js_error("encrypt result"))
    }

    /// Decrypts and returns the plaintext's length (the plaintext stays in JS).
    async fn decrypt(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        ciphertext: &ArrayBuffer,
    ) -> Result<u32, BenchError> {
        let data: &Object = ciphertext.unchecked_ref();
        let promise = self
            .subtle
            .decrypt_with_object_and_buffer_source(&Self::params(nonce, aad), &self.key, data)
            .map_err(js_error("decrypt"))?;
        let plaintext = JsFuture::from(promise)
            .await
            .map_err(js_error("decrypt"))?
            .dyn_into::<ArrayBuffer>()
            .map_err(js_error("decrypt result"))?;
        Ok(plaintext.byte_length())
    }

    /// Encryptions per second of a padded chat body, each with its own nonce.
    pub async fn envelope_seal(&self, clock: &dyn Clock) -> Result<Figure, BenchError> {
        let body = pattern(PADDED_BODY_LEN);
        let aad = pattern(ENVELOPE_AAD_LEN);
        let mut seq = 0u64;
        let mut sampler = Sampler::new(Plan::FAST);
        while let Some(n) = sampler.next_batch() {
            yield_to_event_loop().await?;
            let start = clock.seconds();
            for _ in 0..n {
                seq += 1;
                let sealed = self.encrypt(&envelope_nonce(seq), &aad, &body).await?;
                if sealed.byte_length() != PADDED_BODY_LEN as u32 + TAG_LEN {
                    return Err(BenchError::Seal("webcrypto envelope_seal"));
                }
            }
            sampler.record(n, clock.seconds() - start);
        }
        Ok(Figure::of(
            "envelope_seal",
            Runtime::WebCrypto,
            Unit::OpsPerSecond,
            &sampler,
        ))
    }

    /// Decryptions per second of a sealed padded chat body.
    pub async fn envelope_open(&self, clock: &dyn Clock) -> Result<Figure, BenchError> {
        let aad = pattern(ENVELOPE_AAD_LEN);
        let nonce = envelope_nonce(1);
        let sealed = self
            .encrypt(&nonce, &aad, &pattern(PADDED_BODY_LEN))
            .await?;
        let mut sampler = Sampler::new(Plan::FAST);
        while let Some(n) = sampler.next_batch() {
            yield_to_event_loop().await?;
            let start = clock.seconds();
            for _ in 0..n {
                if self.decrypt(&nonce, &aad, &sealed).await? != PADDED_BODY_LEN as u32 {
                    return Err(BenchError::Open("webcrypto envelope_open"));
                }
            }
            sampler.record(n, clock.seconds() - start);
        }
        Ok(Figure::of(
            "envelope_open",
            Runtime::WebCrypto,
            Unit::OpsPerSecond,
            &sampler,
        ))
    }

    async fn encrypt_file(&self, file: &[u8], aad: &[u8]) -> Result<Vec<ArrayBuffer>, BenchError> {
        let n_chunks = file.len().div_ceil(CHUNK_LEN);
        let mut sealed = Vec::with_capacity(n_chunks);
        for (chunk, index) in file.chunks(CHUNK_LEN).zip(0u32..) {
            let last = index as usize + 1 == n_chunks;
            sealed.push(self.encrypt(&chunk_nonce(index, last), aad, chunk).await?);
        }
        Ok(sealed)
    }

    /// The 32 MiB file encrypted chunk by chunk, in MiB/s.
    pub async fn stream_seal(&self, clock: &dyn Clock) -> Result<Figure, BenchError> {
        let file = pattern(FILE_LEN);
        let aad = pattern(CHUNK_AAD_LEN);
        let mut sampler = Sampler::new(Plan::FAST);
        while let Some(n) = sampler.next_batch() {
            yield_to_event_loop().await?;
            let start = clock.seconds();
            for _ in 0..n {
                self.encrypt_file(&file, &aad).await?;
            }
            sampler.record(n, clock.seconds() - start);
        }
        Ok(Figure::of(
            "stream_seal",
            Runtime::WebCrypto,
            Unit::MibPerSecond(FILE_MIB),
            &sampler,
        ))
    }

    /// The 32 MiB file decrypted chunk by chunk, in MiB/s.
    pub async fn stream_open(&self, clock: &dyn Clock) -> Result<Figure, BenchError> {
        let aad = pattern(CHUNK_AAD_LEN);
        let sealed = self.encrypt_file(&pattern(FILE_LEN), &aad).await?;
        let n_chunks = sealed.len();
        let mut sampler = Sampler::new(Plan::FAST);
        while let Some(n) = sampler.next_batch() {
            yield_to_event_loop().await?;
            let start = clock.seconds();
            for _ in 0..n {
                let mut total = 0usize;
                for (chunk, index) in sealed.iter().zip(0u32..) {
                    let last = index as usize + 1 == n_chunks;
                    total += self.decrypt(&chunk_nonce(index, last), &aad, chunk).await? as usize;
                }
                if total != FILE_LEN {
                    return Err(BenchError::Open("webcrypto stream_open"));
                }
            }
            sampler.record(n, clock.seconds() - start);
        }
        Ok(Figure::of(
            "stream_open",
            Runtime::WebCrypto,
            Unit::MibPerSecond(FILE_MIB),
            &sampler,
        ))
    }
}

/// The envelope nonce layout: 00 00 00 00 ‖ seq (PROTOCOL.md B.2).
fn envelope_nonce(seq: u64) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[4..].copy_from_slice(&seq.to_be_bytes());
    nonce
}

/// The chunk nonce layout: 00×7 ‖ index ‖ last (PROTOCOL.md B.4).
fn chunk_nonce(index: u32, last: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[7..11].copy_from_slice(&index.to_be_bytes());
    nonce[11] = u8::from(last);
    nonce
}
