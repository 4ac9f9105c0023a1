//! Client → relay frames (PROTOCOL.md A): JOIN, BROADCAST, SEND_TO, PING.
//!
//! Payloads borrow from the decoded message, so the relay can forward them without a copy.

use crate::frame_type::{DecodeError, FrameType, Reader};
use crate::ids::{MemberId, RoomId};

/// A frame a browser sends to the relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientFrame<'a> {
    /// Join a room; the first frame, exactly once. The version is kept as sent so the relay can
    /// answer an unknown one with ERROR 6 rather than ERROR 1.
    Join {
        /// `wire_version(1)`; [`crate::WIRE_VERSION`] is the only one defined.
        version: u8,
        /// The room to join.
        room: RoomId,
    },
    /// A payload for every other member of the room.
    Broadcast {
        /// Opaque bytes, forwarded byte-for-byte.
        payload: &'a [u8],
    },
    /// A payload for one member; dropped by the relay if `to` is not a current member.
    SendTo {
        /// The recipient.
        to: MemberId,
        /// Opaque bytes, forwarded byte-for-byte.
        payload: &'a [u8],
    },
    /// A ping the relay answers with PONG carrying the same nonce.
    Ping {
        /// Echoed back unchanged.
        nonce: u32,
    },
}

impl<'a> ClientFrame<'a> {
    /// Decodes one WebSocket message. Never panics; rejects unknown types, truncated bodies and
    /// trailing bytes after fixed-length bodies.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let (&type_byte, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
        match type_byte {
            0x01 => {
                let mut body = Reader::new(body, FrameType::Join);
                let version = body.u8()?;
                let room = RoomId(body.array()?);
                body.finish()?;
                Ok(Self::Join { version, room })
            }
            0x02 => Ok(Self::Broadcast { payload: body }),
            0x03 => {
                let mut body = Reader::new(body, FrameType::SendTo);
                let to = MemberId(body.u32()?);
                Ok(Self::SendTo {
                    to,
                    payload: body.remainder(),
                })
            }
            0x04 => {
                let mut body = Reader::new(body, FrameType::Ping);
                let nonce = body.u32()?;
                body.finish()?;
                Ok(Self::Ping { nonce })
            }
            other => Err(DecodeError::UnknownType(other)),
        }
    }

    /// This frame's type.
    pub fn frame_type(&self) -> FrameType {
        match self {
            Self::Join { .. } => FrameType::Join,
            Self::Broadcast { .. } => FrameType::Broadcast,
            Self::SendTo { .. } => FrameType::SendTo,
            Self::Ping { .. } => FrameType::Ping,
        }
    }

    /// The payload, for the frames that carry one; this is what the payload limit measures
    /// (PROTOCOL.md A).
    pub fn payload(&self) -> Option<&'a [u8]> {
        match self {
            Self::Broadcast { payload } | Self::SendTo { payload, .. } => Some(payload),
            Self::Join { .. } | Self::Ping { .. } => None,
        }
    }

    /// The encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        1 + match self {
            Self::Join { .. } => 1 + 16,
            Self::Broadcast { payload } => payload.len(),
            Self::SendTo { payload, .. } => 4 + payload.len(),
            Self::Ping { .. } => 4,
        }
    }

    /// Appends the encoded frame to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        out.push(self.frame_type().code());
        match self {
            Self::Join { version, room } => {
                out.push(*version);
                out.extend_from_slice(room.as_bytes());
            }
            Self::Broadcast { payload } => out.extend_from_slice(payload),
            Self::SendTo { to, payload } => {
                out.extend_from_slice(&to.0.to_be_bytes());
                out.extend_from_slice(payload);
            }
            Self::Ping { nonce } => out.extend_from_slice(&nonce.to_be_bytes()),
        }
    }

    /// The encoded frame in a buffer of exactly its length.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }
}
