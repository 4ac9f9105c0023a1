//! The relay's ERROR codes (PROTOCOL.md A): the one byte a relay sends before closing a socket.

use core::fmt;

/// Why the relay is closing a connection (PROTOCOL.md A, "Error codes").
///
/// There is no catch-all variant: a code outside 1..=7 is a decoding error
/// ([`crate::DecodeError::UnknownErrorCode`]), so every value of this type is one the spec defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 1: malformed frame — also a frame before JOIN, a second JOIN, an unknown type, a truncated
    /// body, or no JOIN before the deadline.
    Malformed,
    /// 2: the room already has the maximum number of members.
    RoomFull,
    /// 3: the payload is larger than the relay's payload limit.
    PayloadTooLarge,
    /// 4: reserved by PROTOCOL.md A; a relay never sends it, but a client must still decode it.
    Reserved,
    /// 5: the relay is at capacity (rooms, connections, or the per-address connection cap).
    AtCapacity,
    /// 6: the JOIN carried a wire version this relay does not speak.
    UnsupportedVersion,
    /// 7: this connection's send queue overflowed because it read too slowly.
    TooSlow,
}

impl ErrorCode {
    /// The code's byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            Self::Malformed => 1,
            Self::RoomFull => 2,
            Self::PayloadTooLarge => 3,
            Self::Reserved => 4,
            Self::AtCapacity => 5,
            Self::UnsupportedVersion => 6,
            Self::TooSlow => 7,
        }
    }

    /// The code for a wire byte, or `None` for a byte PROTOCOL.md A does not define.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::Malformed,
            2 => Self::RoomFull,
            3 => Self::PayloadTooLarge,
            4 => Self::Reserved,
            5 => Self::AtCapacity,
            6 => Self::UnsupportedVersion,
            7 => Self::TooSlow,
            _ => return None,
        })
    }

    /// Every defined code, in wire order; handy for exhaustive tests.
    pub const ALL: [ErrorCode; 7] = [
        Self::Malformed,
        Self::RoomFull,
        Self::PayloadTooLarge,
        Self::Reserved,
        Self::AtCapacity,
        Self::UnsupportedVersion,
        Self::TooSlow,
    ];
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::Malformed => "malformed frame",
            Self::RoomFull => "room full",
            Self::PayloadTooLarge => "payload too large",
            Self::Reserved => "reserved error code",
            Self::AtCapacity => "relay at capacity",
            Self::UnsupportedVersion => "unsupported wire version",
            Self::TooSlow => "too slow",
        };
        f.write_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(usize::from(code.code()), i + 1);
            assert_eq!(ErrorCode::from_code(code.code()), Some(*code));
        }
    }

    #[test]
    fn undefined_codes_are_none() {
        for byte in [0u8, 8, 0x7f, 0xff] {
            assert_eq!(ErrorCode::from_code(byte), None);
        }
    }
}
