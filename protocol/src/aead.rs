//! AES-256-GCM as every sealed thing in the protocol uses it: envelopes (PROTOCOL.md B.2),
//! chunk frames (B.4) and offline blobs (C.1) are all
//!
//! ```text
//! frame = header ‖ ciphertext ‖ tag(16)      ciphertext ‖ tag = AES-256-GCM(key, nonce, plaintext, aad)
//! ```
//!
//! with a clear header the caller builds and an `aad` that covers it. This module is the only
//! place that touches the cipher: [`seal_in_place`] encrypts the bytes after the header and
//! appends the tag, [`open_in_place`] splits the tag off the end and decrypts. Each caller
//! keeps its own nonce, associated data and opaque error.

use core::fmt;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag};
use zeroize::Zeroize;

/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// AES-GCM nonce length.
pub(crate) const NONCE_LEN: usize = 12;

/// An AES-256-GCM key ready for use. The cipher's round keys are zeroized on drop (the `aes`
/// crate's `zeroize` feature); its `Debug` prints nothing.
#[derive(Clone)]
pub struct AeadKey(Aes256Gcm);

impl AeadKey {
    /// Expands the key schedule and wipes the caller's copy of the raw key.
    pub(crate) fn new(mut bytes: [u8; 32]) -> Self {
        let cipher = Aes256Gcm::new(&bytes.into());
        bytes.zeroize();
        Self(cipher)
    }
}

impl fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AeadKey(..)")
    }
}

/// Sealing or opening failed. Deliberately says nothing more: callers turn it into their own
/// opaque error (PROTOCOL.md B.2 asks for one indistinguishable failure).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AeadError;

/// Seals `frame[header_len..]` in place and appends the tag, so that `frame` becomes
/// `header ‖ ciphertext ‖ tag`. The header is left as it is; `aad` must cover it.
///
/// Fails only if `header_len` is past the end of `frame`, or the plaintext is beyond GCM's
/// 2^36-byte limit, far above anything the protocol seals. On failure no plaintext is left in
/// `frame`.
pub(crate) fn seal_in_place(
    key: &AeadKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    frame: &mut Vec<u8>,
    header_len: usize,
) -> Result<(), AeadError> {
    let plaintext = frame.get_mut(header_len..).ok_or(AeadError)?;
    match key
        .0
        .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, plaintext)
    {
        Ok(tag) => {
            frame.extend_from_slice(&tag);
            Ok(())
        }
        Err(_) => {
            plaintext.zeroize();
            Err(AeadError)
        }
    }
}

/// Opens `sealed = ciphertext ‖ tag` in place: on success `sealed` holds just the plaintext.
///
/// Fails if `sealed` is shorter than a tag or does not authenticate under `key`, `nonce` and
/// `aad`; then `sealed` is emptied, so no unauthenticated bytes can be mistaken for plaintext.
pub(crate) fn open_in_place(
    key: &AeadKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &mut Vec<u8>,
) -> Result<(), AeadError> {
    let Some(ciphertext_len) = sealed.len().checked_sub(TAG_LEN) else {
        sealed.clear();
        return Err(AeadError);
    };
    let tag = Tag::clone_from_slice(&sealed[ciphertext_len..]);
    sealed.truncate(ciphertext_len);
    let opened = key
        .0
        .decrypt_in_place_detached(Nonce::from_slice(nonce), aad, sealed, &tag);
    if opened.is_err() {
        sealed.zeroize();
        return Err(AeadError);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &[u8] = b"head";
    const NONCE: [u8; NONCE_LEN] = [7; NONCE_LEN];

    fn key(byte: u8) -> AeadKey {
        AeadKey::new([byte; 32])
    }

    fn sealed(plaintext: &[u8]) -> Vec<u8> {
        let mut frame = [HEADER, plaintext].concat();
        assert_eq!(
            seal_in_place(&key(1), &NONCE, b"aad", &mut frame, HEADER.len()),
            Ok(())
        );
        frame
    }

    #[test]
    fn sealed_frame_is_header_then_ciphertext_then_tag() {
        let frame = sealed(b"hello");
        assert_eq!(frame.len(), HEADER.len() + 5 + TAG_LEN);
        assert_eq!(&frame[..HEADER.len()], HEADER);
        assert_ne!(&frame[HEADER.len()..HEADER.len() + 5], b"hello");
    }

    #[test]
    fn open_reverses_seal() {
        for plaintext in [&b""[..], b"x", &[0xa5; 300]] {
            let mut body = sealed(plaintext).split_off(HEADER.len());
            assert_eq!(open_in_place(&key(1), &NONCE, b"aad", &mut body), Ok(()));
            assert_eq!(body, plaintext);
        }
    }

    #[test]
    fn open_rejects_any_changed_input_and_leaves_nothing() {
        let body = sealed(b"hello").split_off(HEADER.len());
        let mut flipped = body.clone();
        flipped[0] ^= 1;
        let mut flipped_tag = body.clone();
        flipped_tag[body.len() - 1] ^= 0x80;
        let cases = [
            (key(2), NONCE, &b"aad"[..], body.clone()),
            (key(1), [8; NONCE_LEN], b"aad", body.clone()),
            (key(1), NONCE, b"aae", body.clone()),
            (key(1), NONCE, b"aad", flipped),
            (key(1), NONCE, b"aad", flipped_tag),
            (key(1), NONCE, b"aad", body[..TAG_LEN - 1].to_vec()),
            (key(1), NONCE, b"aad", Vec::new()),
        ];
        for (index, (key, nonce, aad, mut sealed)) in cases.into_iter().enumerate() {
            assert_eq!(
                open_in_place(&key, &nonce, aad, &mut sealed),
                Err(AeadError),
                "case {index}"
            );
            assert!(sealed.is_empty(), "case {index}");
        }
    }

    #[test]
    fn seal_rejects_a_header_past_the_end() {
        let mut frame = b"abc".to_vec();
        assert_eq!(
            seal_in_place(&key(1), &NONCE, b"", &mut frame, 4),
            Err(AeadError)
        );
        assert_eq!(frame, b"abc");
    }

    #[test]
    fn key_debug_prints_nothing() {
        assert_eq!(format!("{:?}", key(0x42)), "AeadKey(..)");
    }
}
