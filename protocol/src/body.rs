//! Envelope bodies (PROTOCOL.md B.2, B.3, B.4): serde structs encoded with postcard. The byte
//! layout of each is documented in docs/PROTOCOL.md; field order here *is* the wire order, so
//! fields must never be reordered.
//!
//! Decoding rejects trailing bytes and any body over its size limits, so a body has exactly one
//! accepted encoding per value.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::identity::SIGNATURE_LEN;
use crate::identity::session::CERT_LEN;
use crate::ids::{Challenge, DeviceId, FileId, MsgId};

/// Longest display name, in UTF-8 bytes (issue 3).
pub const MAX_NAME_LEN: usize = 64;
/// Longest chat text, in UTF-8 bytes: 16 KiB (issue 3).
pub const MAX_CHAT_TEXT_LEN: usize = 16 * 1024;
/// Longest offered file name, in UTF-8 bytes (PROTOCOL.md B.4).
pub const MAX_FILE_NAME_LEN: usize = 255;
/// Longest offered MIME type, in bytes (PROTOCOL.md B.4).
pub const MAX_MIME_LEN: usize = 127;

/// Why a body could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum BodyError {
    /// The bytes are not a postcard encoding of the body type.
    #[error("malformed body")]
    Malformed,
    /// Bytes follow the encoded body.
    #[error("trailing bytes after body")]
    TrailingBytes,
    /// A field is over its size limit.
    #[error("{0} too long")]
    TooLong(&'static str),
    /// A valid value in a non-canonical encoding (e.g. an overlong varint).
    #[error("non-canonical body encoding")]
    NonCanonical,
}

/// A presence message, kind 0x01 (PROTOCOL.md B.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Presence {
    /// Broadcast by a joiner.
    Join {
        /// `c_J`: a fresh challenge that members' Here must echo.
        challenge: Challenge,
        /// Display name.
        name: String,
        /// The joiner's page-load id.
        device_id: DeviceId,
        /// Sender's clock, informational only.
        ts_ms: u64,
        /// The joiner's wire member id; must equal the DELIVER `from`.
        member_id: u32,
    },
    /// Sent by each member to a joiner.
    Here {
        /// The joiner's `c_J`.
        echo: Challenge,
        /// `d_M`: a fresh challenge the joiner's Ack must echo.
        challenge: Challenge,
        /// Display name.
        name: String,
        /// The member's page-load id.
        device_id: DeviceId,
        /// Sender's clock, informational only.
        ts_ms: u64,
        /// The member's wire member id; must equal the DELIVER `from`.
        member_id: u32,
    },
    /// Sent by a joiner to each member whose Here it accepted.
    Ack {
        /// The member's `d_M`.
        echo: Challenge,
    },
    /// Broadcast every 20 s ± 5 s.
    Heartbeat {
        /// Sender's clock, informational only.
        ts_ms: u64,
    },
    /// Broadcast best-effort on `pagehide`.
    Leave,
    /// v2 Join (docs/PROTOCOL.md I.3): a Join with the session's certificate and its session
    /// key's signature. Fields as in [`Presence::Join`], then the two.
    SignedJoin {
        /// `c_J`.
        challenge: Challenge,
        /// Display name; the certificate is over exactly these bytes.
        name: String,
        /// The joiner's tab id.
        device_id: DeviceId,
        /// Sender's clock, informational only.
        ts_ms: u64,
        /// The joiner's wire member id; must equal the DELIVER `from`.
        member_id: u32,
        /// The session certificate, [`CERT_LEN`] bytes.
        cert: Vec<u8>,
        /// The session key's signature, [`SIGNATURE_LEN`] bytes.
        signature: Vec<u8>,
    },
    /// v2 Here: [`Presence::Here`]'s fields, then certificate and signature.
    SignedHere {
        /// The joiner's `c_J`.
        echo: Challenge,
        /// `d_M`.
        challenge: Challenge,
        /// Display name; the certificate is over exactly these bytes.
        name: String,
        /// The member's tab id.
        device_id: DeviceId,
        /// Sender's clock, informational only.
        ts_ms: u64,
        /// The member's wire member id; must equal the DELIVER `from`.
        member_id: u32,
        /// The session certificate, [`CERT_LEN`] bytes.
        cert: Vec<u8>,
        /// The session key's signature, [`SIGNATURE_LEN`] bytes.
        signature: Vec<u8>,
    },
    /// v2 Ack: [`Presence::Ack`]'s echo, then the session key's signature (checked with the
    /// certificate of the sender's Join).
    SignedAck {
        /// The member's `d_M`.
        echo: Challenge,
        /// The session key's signature, [`SIGNATURE_LEN`] bytes.
        signature: Vec<u8>,
    },
}

/// A chat message, kind 0x02.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Random id; receivers show each one once (PROTOCOL.md B.3).
    pub msg_id: MsgId,
    /// Sender's clock when sent, in ms since the Unix epoch; informational only.
    pub sent_at_ms: u64,
    /// The message, at most [`MAX_CHAT_TEXT_LEN`] bytes.
    pub text: String,
}

/// A file offer, kind 0x03 (PROTOCOL.md B.4). Structural limits are checked on decode; the
/// stream rules (chunk size, chunk count) by [`crate::stream::validate_offer`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileOffer {
    /// Random id of this transfer.
    pub file_id: FileId,
    /// File name as the sender knows it; receivers sanitise it before use.
    pub name: String,
    /// MIME type as the sender claims it; never used to render the file.
    pub mime: String,
    /// Size in bytes.
    pub size: u64,
    /// Bytes per chunk; 65 536 in production.
    pub chunk_size: u32,
    /// `max(1, ceil(size / chunk_size))`.
    pub n_chunks: u32,
}

/// File control, kind 0x05 (PROTOCOL.md B.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileCtrl {
    /// The receiver wants the file.
    Accept {
        /// Which offer.
        file_id: FileId,
    },
    /// The receiver does not want the file.
    Decline {
        /// Which offer.
        file_id: FileId,
    },
    /// Either side stops the transfer.
    Cancel {
        /// Which transfer.
        file_id: FileId,
    },
    /// The receiver holds every chunk below `next_index`.
    Ack {
        /// Which transfer.
        file_id: FileId,
        /// The next chunk index the receiver expects.
        next_index: u32,
    },
}

impl FileCtrl {
    /// The transfer this message is about.
    pub fn file_id(&self) -> FileId {
        match self {
            Self::Accept { file_id }
            | Self::Decline { file_id }
            | Self::Cancel { file_id }
            | Self::Ack { file_id, .. } => *file_id,
        }
    }
}

/// Encoding and decoding shared by every body type.
pub trait Body: Serialize + DeserializeOwned + Sized {
    /// Checks the size limits of a decoded or to-be-encoded value.
    fn validate(&self) -> Result<(), BodyError>;

    /// The postcard encoding, after checking the limits.
    fn encode(&self) -> Result<Vec<u8>, BodyError> {
        self.validate()?;
        postcard::to_allocvec(self).map_err(|_| BodyError::Malformed)
    }

    /// Decodes exactly one body from `bytes`, rejecting trailing bytes and oversized fields.
    fn decode(bytes: &[u8]) -> Result<Self, BodyError> {
        let (value, rest) =
            postcard::take_from_bytes::<Self>(bytes).map_err(|_| BodyError::Malformed)?;
        if !rest.is_empty() {
            return Err(BodyError::TrailingBytes);
        }
        value.validate()?;
        // postcard accepts overlong varints; only the one canonical encoding of a value is
        // accepted, so a body's bytes and its meaning stay one-to-one.
        if value.encode()? != bytes {
            return Err(BodyError::NonCanonical);
        }
        Ok(value)
    }
}

/// A field of fixed length: longer is too long, shorter malformed.
fn exact(field: &'static str, value: &[u8], len: usize) -> Result<(), BodyError> {
    match value.len().cmp(&len) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(BodyError::TooLong(field)),
        std::cmp::Ordering::Less => Err(BodyError::Malformed),
    }
}

fn limit(field: &'static str, value: &str, max: usize) -> Result<(), BodyError> {
    if value.len() > max {
        Err(BodyError::TooLong(field))
    } else {
        Ok(())
    }
}

impl Body for Presence {
    fn validate(&self) -> Result<(), BodyError> {
        match self {
            Self::Join { name, .. } | Self::Here { name, .. } => limit("name", name, MAX_NAME_LEN),
            Self::SignedJoin {
                name,
                cert,
                signature,
                ..
            }
            | Self::SignedHere {
                name,
                cert,
                signature,
                ..
            } => {
                limit("name", name, MAX_NAME_LEN)?;
                exact("cert", cert, CERT_LEN)?;
                exact("signature", signature, SIGNATURE_LEN)
            }
            Self::SignedAck { signature, .. } => exact("signature", signature, SIGNATURE_LEN),
            Self::Ack { .. } | Self::Heartbeat { .. } | Self::Leave => Ok(()),
        }
    }
}

impl Body for Chat {
    fn validate(&self) -> Result<(), BodyError> {
        limit("text", &self.text, MAX_CHAT_TEXT_LEN)
    }
}

impl Body for FileOffer {
    fn validate(&self) -> Result<(), BodyError> {
        limit("name", &self.name, MAX_FILE_NAME_LEN)?;
        limit("mime", &self.mime, MAX_MIME_LEN)
    }
}

impl Body for FileCtrl {
    fn validate(&self) -> Result<(), BodyError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_layout_is_variant_then_varint() {
        let bytes = Presence::Heartbeat { ts_ms: 300 }.encode();
        assert_eq!(bytes, Ok(vec![3, 0xac, 0x02]));
    }

    #[test]
    fn overlong_varints_are_rejected() {
        assert_eq!(
            Presence::decode(&[3, 0xac, 0x02]),
            Ok(Presence::Heartbeat { ts_ms: 300 })
        );
        // The same value with an overlong ts_ms, and with an overlong variant index (found by
        // the `body` fuzz target).
        for overlong in [&[3, 0xac, 0x82, 0x00][..], &[0x83, 0x00, 0xac, 0x02]] {
            assert_eq!(Presence::decode(overlong), Err(BodyError::NonCanonical));
        }
    }

    #[test]
    fn ack_layout_is_variant_then_raw_challenge() {
        let bytes = Presence::Ack {
            echo: Challenge([9; 16]),
        }
        .encode();
        let mut expected = vec![2];
        expected.extend([9; 16]);
        assert_eq!(bytes, Ok(expected));
    }

    #[test]
    fn chat_round_trips_and_rejects_trailing_bytes() {
        let chat = Chat {
            msg_id: MsgId([1; 16]),
            sent_at_ms: 1_700_000_000_000,
            text: "hello".into(),
        };
        let mut bytes = chat.encode().unwrap_or_default();
        assert_eq!(Chat::decode(&bytes), Ok(chat));
        bytes.push(0);
        assert_eq!(Chat::decode(&bytes), Err(BodyError::TrailingBytes));
    }

    #[test]
    fn oversized_fields_are_rejected_both_ways() {
        let join = Presence::Join {
            challenge: Challenge([0; 16]),
            name: "n".repeat(MAX_NAME_LEN + 1),
            device_id: DeviceId([0; 16]),
            ts_ms: 0,
            member_id: 1,
        };
        assert_eq!(join.encode(), Err(BodyError::TooLong("name")));
        let raw = postcard::to_allocvec(&join).unwrap_or_default();
        assert_eq!(Presence::decode(&raw), Err(BodyError::TooLong("name")));

        let chat = Chat {
            msg_id: MsgId([0; 16]),
            sent_at_ms: 0,
            text: "x".repeat(MAX_CHAT_TEXT_LEN + 1),
        };
        assert_eq!(chat.encode(), Err(BodyError::TooLong("text")));
    }

    #[test]
    fn unknown_variant_and_bad_utf8_are_malformed() {
        assert_eq!(Presence::decode(&[8]), Err(BodyError::Malformed));
        assert_eq!(FileCtrl::decode(&[4]), Err(BodyError::Malformed));
        let mut chat = vec![0u8; 16];
        chat.extend([0, 1, 0xff]);
        assert_eq!(Chat::decode(&chat), Err(BodyError::Malformed));
    }
}
