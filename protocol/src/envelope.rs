//! Room envelopes (PROTOCOL.md B.2): sealing and opening over raw body bytes.
//!
//! ```text
//! header    = version(1)=0x01 ‖ kind(1) ‖ sender_id(16) ‖ seq(u64)     26 bytes, in clear
//! nonce     = 00 00 00 00 ‖ seq(8)
//! aad       = room_id ‖ header
//! plaintext = body ‖ 0x80 ‖ 0x00…   padded to a multiple of 256 bytes
//! envelope  = header ‖ AEAD(K_msg(sender_id), nonce, plaintext, aad)
//! ```
//!
//! Opening follows the specified order: structural checks ([`SealedEnvelope::parse`]) → replay
//! pre-check → decrypt → unpad → commit the replay window ([`SealedEnvelope::open`]). Every
//! failure is the one opaque [`OpenError`] and leaves the window untouched.

use thiserror::Error;
use wire::RoomId;
use zeroize::Zeroizing;

pub use crate::aead::TAG_LEN;
use crate::aead::{self, AeadKey, NONCE_LEN};
use crate::ids::SenderId;
use crate::replay::ReplayWindow;

/// The protocol version byte of envelopes and chunk frames.
pub const VERSION: u8 = 0x01;
/// Header length: version ‖ kind ‖ sender_id ‖ seq.
pub const HEADER_LEN: usize = 26;
/// Plaintexts are padded to a multiple of this (PROTOCOL.md B.2).
pub const PAD_BLOCK: usize = 256;
/// Envelopes are at most the wire payload limit (PROTOCOL.md A, B.2).
pub const MAX_ENVELOPE_LEN: usize = wire::limits::MAX_PAYLOAD;
/// The largest body that still fits [`MAX_ENVELOPE_LEN`] once padded (the 0x80 marker needs a
/// byte of its own).
pub const MAX_BODY_LEN: usize =
    (MAX_ENVELOPE_LEN - HEADER_LEN - TAG_LEN) / PAD_BLOCK * PAD_BLOCK - 1;

/// Envelope kinds a receiver acts on (PROTOCOL.md B.2). 0x04 is the file chunk, which is not an
/// envelope; 0x06 (reserved for private messages) and every unknown kind are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 0x01: presence (Join, Here, Ack, Heartbeat, Leave).
    Presence,
    /// 0x02: a chat message.
    Chat,
    /// 0x03: a file offer.
    FileOffer,
    /// 0x05: file control (Accept, Decline, Cancel, Ack).
    FileCtrl,
}

impl Kind {
    /// The kind byte.
    pub fn code(self) -> u8 {
        match self {
            Self::Presence => 0x01,
            Self::Chat => 0x02,
            Self::FileOffer => 0x03,
            Self::FileCtrl => 0x05,
        }
    }

    /// The kind for a byte, or `None` for one that is dropped.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0x01 => Some(Self::Presence),
            0x02 => Some(Self::Chat),
            0x03 => Some(Self::FileOffer),
            0x05 => Some(Self::FileCtrl),
            _ => None,
        }
    }
}

/// The clear header of an envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// What the body is.
    pub kind: Kind,
    /// The sending session.
    pub sender: SenderId,
    /// The session's sequence number for this envelope.
    pub seq: u64,
}

impl Header {
    /// The 26 header bytes.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut bytes = [0u8; HEADER_LEN];
        bytes[0] = VERSION;
        bytes[1] = self.kind.code();
        bytes[2..18].copy_from_slice(self.sender.as_bytes());
        bytes[18..26].copy_from_slice(&self.seq.to_be_bytes());
        bytes
    }

    fn nonce(&self) -> [u8; NONCE_LEN] {
        let mut nonce = [0u8; NONCE_LEN];
        nonce[4..].copy_from_slice(&self.seq.to_be_bytes());
        nonce
    }
}

/// Why an envelope could not be sealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum SealError {
    /// The body would make the envelope larger than the wire payload limit.
    #[error("body of {0} bytes exceeds the envelope limit")]
    BodyTooLarge(usize),
    /// The session has used every sequence number; a new session is needed.
    #[error("sequence numbers exhausted")]
    SeqExhausted,
}

/// The one opaque error of opening an envelope (PROTOCOL.md B.2). It deliberately says nothing
/// about which check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("envelope rejected")]
pub struct OpenError;

/// Seals `body` under `key` (which must be `K_msg(header.sender)`).
pub fn seal(
    room_id: &RoomId,
    key: &AeadKey,
    header: &Header,
    body: &[u8],
) -> Result<Vec<u8>, SealError> {
    if body.len() > MAX_BODY_LEN {
        return Err(SealError::BodyTooLarge(body.len()));
    }
    if header.seq == u64::MAX {
        return Err(SealError::SeqExhausted);
    }
    let padded_len = (body.len() / PAD_BLOCK + 1) * PAD_BLOCK;
    let header_bytes = header.to_bytes();
    let mut out = Vec::with_capacity(HEADER_LEN + padded_len + TAG_LEN);
    out.extend_from_slice(&header_bytes);
    out.extend_from_slice(body);
    out.push(0x80);
    out.resize(HEADER_LEN + padded_len, 0);
    // Sealing fails only for plaintexts beyond GCM's 2^36-byte limit, far above ours.
    aead::seal_in_place(
        key,
        &header.nonce(),
        &aad(room_id, &header_bytes),
        &mut out,
        HEADER_LEN,
    )
    .map_err(|_| SealError::BodyTooLarge(body.len()))?;
    Ok(out)
}

/// An envelope that passed the structural checks: length, version, kind and `seq`.
#[derive(Clone, Copy, Debug)]
pub struct SealedEnvelope<'a> {
    header: Header,
    header_bytes: &'a [u8; HEADER_LEN],
    /// `ciphertext ‖ tag`.
    sealed: &'a [u8],
}

impl<'a> SealedEnvelope<'a> {
    /// Structural checks: exactly 26 + 256·k + 16 bytes with k ≥ 1 and at most the payload limit,
    /// version 1, a known kind, and `seq` below 2^64−1.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, OpenError> {
        let len = bytes.len();
        let min = HEADER_LEN + PAD_BLOCK + TAG_LEN;
        if len < min
            || len > MAX_ENVELOPE_LEN
            || !(len - HEADER_LEN - TAG_LEN).is_multiple_of(PAD_BLOCK)
        {
            return Err(OpenError);
        }
        let (header_bytes, sealed) = bytes.split_first_chunk::<HEADER_LEN>().ok_or(OpenError)?;
        if header_bytes[0] != VERSION {
            return Err(OpenError);
        }
        let kind = Kind::from_code(header_bytes[1]).ok_or(OpenError)?;
        let mut sender = [0u8; 16];
        sender.copy_from_slice(&header_bytes[2..18]);
        let mut seq = [0u8; 8];
        seq.copy_from_slice(&header_bytes[18..26]);
        let seq = u64::from_be_bytes(seq);
        if seq == u64::MAX {
            return Err(OpenError);
        }
        Ok(Self {
            header: Header {
                kind,
                sender: SenderId(sender),
                seq,
            },
            header_bytes,
            sealed,
        })
    }

    /// The clear header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// Replay pre-check, decrypt, unpad, and only then commit `window`. `key` must be
    /// `K_msg(header.sender)`. On any failure `window` is unchanged.
    pub fn open(
        &self,
        room_id: &RoomId,
        key: &AeadKey,
        window: &mut ReplayWindow,
    ) -> Result<Vec<u8>, OpenError> {
        if !window.accepts(self.header.seq) {
            return Err(OpenError);
        }
        let mut plaintext = Zeroizing::new(self.sealed.to_vec());
        aead::open_in_place(
            key,
            &self.header.nonce(),
            &aad(room_id, self.header_bytes),
            &mut plaintext,
        )
        .map_err(|_| OpenError)?;
        let body_len = unpadded_len(&plaintext).ok_or(OpenError)?;
        window.commit(self.header.seq);
        Ok(plaintext[..body_len].to_vec())
    }
}

/// The body length of a padded plaintext: strip trailing zeros, then require the 0x80 marker.
fn unpadded_len(plaintext: &[u8]) -> Option<usize> {
    let marker = plaintext.iter().rposition(|&byte| byte != 0)?;
    (plaintext[marker] == 0x80).then_some(marker)
}

fn aad(room_id: &RoomId, header: &[u8; HEADER_LEN]) -> [u8; 16 + HEADER_LEN] {
    let mut aad = [0u8; 16 + HEADER_LEN];
    aad[..16].copy_from_slice(room_id.as_bytes());
    aad[16..].copy_from_slice(header);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unpad_requires_marker() {
        assert_eq!(unpadded_len(&[1, 2, 0x80, 0, 0]), Some(2));
        assert_eq!(unpadded_len(&[0x80]), Some(0));
        assert_eq!(unpadded_len(&[1, 2, 0x81, 0]), None);
        assert_eq!(unpadded_len(&[0, 0, 0]), None);
    }

    #[test]
    fn max_body_fills_the_payload_limit() {
        assert_eq!(MAX_BODY_LEN, 511 * 256 - 1);
        const { assert!(HEADER_LEN + MAX_BODY_LEN + 1 + TAG_LEN <= MAX_ENVELOPE_LEN) };
    }
}
