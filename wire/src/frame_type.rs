//! The type byte that starts every WebSocket message (PROTOCOL.md A), and the typed errors of
//! decoding a frame.

use core::fmt;

use thiserror::Error;

/// Every frame type of PROTOCOL.md A, in both directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameType {
    /// 0x01, client → relay: join a room.
    Join,
    /// 0x02, client → relay: payload for every other member.
    Broadcast,
    /// 0x03, client → relay: payload for one member.
    SendTo,
    /// 0x04, client → relay: application-level ping.
    Ping,
    /// 0x80, relay → client: the member's id, the payload limit and the other members.
    Welcome,
    /// 0x81, relay → client: a payload from another member.
    Deliver,
    /// 0x82, relay → client: a member joined.
    Joined,
    /// 0x83, relay → client: a member left.
    Left,
    /// 0x84, relay → client: answer to PING.
    Pong,
    /// 0x8F, relay → client: an error code; the relay closes the socket next.
    Error,
}

impl FrameType {
    /// The type byte on the wire.
    pub const fn code(self) -> u8 {
        match self {
            Self::Join => 0x01,
            Self::Broadcast => 0x02,
            Self::SendTo => 0x03,
            Self::Ping => 0x04,
            Self::Welcome => 0x80,
            Self::Deliver => 0x81,
            Self::Joined => 0x82,
            Self::Left => 0x83,
            Self::Pong => 0x84,
            Self::Error => 0x8F,
        }
    }
}

impl fmt::Display for FrameType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Join => "JOIN",
            Self::Broadcast => "BROADCAST",
            Self::SendTo => "SEND_TO",
            Self::Ping => "PING",
            Self::Welcome => "WELCOME",
            Self::Deliver => "DELIVER",
            Self::Joined => "JOINED",
            Self::Left => "LEFT",
            Self::Pong => "PONG",
            Self::Error => "ERROR",
        };
        f.write_str(name)
    }
}

/// Why a byte string is not a frame of the expected direction. Every variant is ERROR 1
/// ("malformed frame") when a relay sees it (PROTOCOL.md A).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The message had no type byte at all.
    #[error("empty frame")]
    Empty,
    /// The type byte is not a frame type of this direction.
    #[error("unknown frame type {0:#04x}")]
    UnknownType(u8),
    /// The body ended before its fixed fields did.
    #[error("truncated {0} body")]
    Truncated(FrameType),
    /// Bytes followed a body that has a fixed length.
    #[error("trailing bytes after {0} body")]
    TrailingBytes(FrameType),
    /// An ERROR frame carried a code PROTOCOL.md A does not define.
    #[error("unknown error code {0}")]
    UnknownErrorCode(u8),
}

/// Why a frame cannot be encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// WELCOME counts members in a u16; a room this large cannot be described.
    #[error("{0} members do not fit WELCOME's u16 count")]
    TooManyMembers(usize),
}

/// A cursor over a frame body that turns every short read into [`DecodeError::Truncated`].
///
/// Reads copy fixed-size fields into arrays and hand out the remainder as a borrowed slice, so
/// decoding allocates nothing of its own.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    frame: FrameType,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(body: &'a [u8], frame: FrameType) -> Self {
        Self { rest: body, frame }
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let (head, tail) = self
            .rest
            .split_first_chunk::<N>()
            .ok_or(DecodeError::Truncated(self.frame))?;
        self.rest = tail;
        Ok(*head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// The bytes not yet read; used for payloads, which run to the end of the frame.
    pub(crate) fn remainder(self) -> &'a [u8] {
        self.rest
    }

    /// Succeeds only if every byte was read (PROTOCOL.md A frames have no padding).
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::TrailingBytes(self.frame))
        }
    }
}
