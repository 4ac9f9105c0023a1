//! Relay → client frames (PROTOCOL.md A): WELCOME, DELIVER, JOINED, LEFT, PONG, ERROR.
//!
//! DELIVER is the relay's hot path, so besides the general [`RelayFrame`] codec it has
//! [`deliver`] and [`deliver_header`], which build `0x81 ‖ from ‖ payload` with one exact-size
//! allocation (or none, for a caller that chains the header and the payload itself).

use std::borrow::Cow;

use crate::error_code::ErrorCode;
use crate::frame_type::{DecodeError, EncodeError, FrameType, Reader};
use crate::ids::MemberId;

/// A frame the relay sends to a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayFrame<'a> {
    /// Sent once, in answer to JOIN.
    Welcome {
        /// The id the relay chose for this connection.
        your_id: MemberId,
        /// The payload limit this relay enforces.
        max_payload: u32,
        /// The room's other members. Borrowed when encoding; decoding allocates it, at most
        /// one `MemberId` per four bytes of the frame.
        members: Cow<'a, [MemberId]>,
    },
    /// A payload from another member, byte-for-byte as it was sent.
    Deliver {
        /// The sender's member id.
        from: MemberId,
        /// The payload.
        payload: &'a [u8],
    },
    /// A member joined the room.
    Joined(MemberId),
    /// A member left the room.
    Left(MemberId),
    /// Answer to PING.
    Pong {
        /// The PING's nonce.
        nonce: u32,
    },
    /// The relay is closing the socket for this reason.
    Error(ErrorCode),
}

/// The five bytes that precede the payload in a DELIVER frame: `0x81 ‖ from(u32)`.
pub fn deliver_header(from: MemberId) -> [u8; 5] {
    let [a, b, c, d] = from.0.to_be_bytes();
    [FrameType::Deliver.code(), a, b, c, d]
}

/// Appends a DELIVER frame `0x81 ‖ from ‖ payload` to `out`.
pub fn encode_deliver_into(out: &mut Vec<u8>, from: MemberId, payload: &[u8]) {
    out.reserve(deliver_header(from).len() + payload.len());
    out.extend_from_slice(&deliver_header(from));
    out.extend_from_slice(payload);
}

/// A DELIVER frame `0x81 ‖ from ‖ payload` in a buffer of exactly its length; the relay builds it
/// once per incoming frame and shares it among all recipients.
pub fn deliver(from: MemberId, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(crate::limits::DELIVER_OVERHEAD + payload.len());
    encode_deliver_into(&mut out, from, payload);
    out
}

impl<'a> RelayFrame<'a> {
    /// Decodes one WebSocket message. Never panics; rejects unknown types and error codes,
    /// truncated bodies, and trailing bytes after fixed-length bodies.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let (&type_byte, body) = bytes.split_first().ok_or(DecodeError::Empty)?;
        match type_byte {
            0x80 => decode_welcome(body),
            0x81 => {
                let mut body = Reader::new(body, FrameType::Deliver);
                let from = MemberId(body.u32()?);
                Ok(Self::Deliver {
                    from,
                    payload: body.remainder(),
                })
            }
            0x82 => Ok(Self::Joined(single_member(body, FrameType::Joined)?)),
            0x83 => Ok(Self::Left(single_member(body, FrameType::Left)?)),
            0x84 => {
                let mut body = Reader::new(body, FrameType::Pong);
                let nonce = body.u32()?;
                body.finish()?;
                Ok(Self::Pong { nonce })
            }
            0x8F => {
                let mut body = Reader::new(body, FrameType::Error);
                let code = body.u8()?;
                body.finish()?;
                ErrorCode::from_code(code)
                    .map(Self::Error)
                    .ok_or(DecodeError::UnknownErrorCode(code))
            }
            other => Err(DecodeError::UnknownType(other)),
        }
    }

    /// This frame's type.
    pub fn frame_type(&self) -> FrameType {
        match self {
            Self::Welcome { .. } => FrameType::Welcome,
            Self::Deliver { .. } => FrameType::Deliver,
            Self::Joined(_) => FrameType::Joined,
            Self::Left(_) => FrameType::Left,
            Self::Pong { .. } => FrameType::Pong,
            Self::Error(_) => FrameType::Error,
        }
    }

    /// The encoded length in bytes.
    pub fn encoded_len(&self) -> usize {
        1 + match self {
            Self::Welcome { members, .. } => 4 + 4 + 2 + 4 * members.len(),
            Self::Deliver { payload, .. } => 4 + payload.len(),
            Self::Joined(_) | Self::Left(_) | Self::Pong { .. } => 4,
            Self::Error(_) => 1,
        }
    }

    /// Appends the encoded frame to `out`. Fails only for a WELCOME listing more members than its
    /// u16 count can hold, in which case `out` is left unchanged.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Self::Welcome {
                your_id,
                max_payload,
                members,
            } => {
                let count = u16::try_from(members.len())
                    .map_err(|_| EncodeError::TooManyMembers(members.len()))?;
                out.reserve(self.encoded_len());
                out.push(FrameType::Welcome.code());
                out.extend_from_slice(&your_id.0.to_be_bytes());
                out.extend_from_slice(&max_payload.to_be_bytes());
                out.extend_from_slice(&count.to_be_bytes());
                for member in members.iter() {
                    out.extend_from_slice(&member.0.to_be_bytes());
                }
            }
            Self::Deliver { from, payload } => encode_deliver_into(out, *from, payload),
            Self::Joined(member) | Self::Left(member) => {
                out.push(self.frame_type().code());
                out.extend_from_slice(&member.0.to_be_bytes());
            }
            Self::Pong { nonce } => {
                out.push(FrameType::Pong.code());
                out.extend_from_slice(&nonce.to_be_bytes());
            }
            Self::Error(code) => out.extend_from_slice(&[FrameType::Error.code(), code.code()]),
        }
        Ok(())
    }

    /// The encoded frame in a buffer of exactly its length.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out)?;
        Ok(out)
    }
}

fn decode_welcome(body: &[u8]) -> Result<RelayFrame<'_>, DecodeError> {
    let mut body = Reader::new(body, FrameType::Welcome);
    let your_id = MemberId(body.u32()?);
    let max_payload = body.u32()?;
    let count = usize::from(body.u16()?);
    let ids = body.remainder();
    // The count must match the bytes exactly; checking before allocating keeps the allocation
    // within the frame's own length whatever the count claims.
    match ids.len().cmp(&(count * 4)) {
        core::cmp::Ordering::Less => return Err(DecodeError::Truncated(FrameType::Welcome)),
        core::cmp::Ordering::Greater => {
            return Err(DecodeError::TrailingBytes(FrameType::Welcome));
        }
        core::cmp::Ordering::Equal => {}
    }
    let members = ids
        .chunks_exact(4)
        .map(|id| MemberId(u32::from_be_bytes([id[0], id[1], id[2], id[3]])))
        .collect::<Vec<_>>();
    Ok(RelayFrame::Welcome {
        your_id,
        max_payload,
        members: Cow::Owned(members),
    })
}

fn single_member(body: &[u8], frame: FrameType) -> Result<MemberId, DecodeError> {
    let mut body = Reader::new(body, frame);
    let member = MemberId(body.u32()?);
    body.finish()?;
    Ok(member)
}
