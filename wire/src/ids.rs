//! Identifiers the relay sees: the room a connection joins and the member ids it hands out.
//!
//! Both are newtypes so that a room id can never be confused with a payload slice and a member id
//! never with a ping nonce (PROTOCOL.md A).

use core::fmt;

/// A room's 16-byte id, derived by clients from the room secret (PROTOCOL.md B.1) and sent only in
/// the JOIN frame (PROTOCOL.md A).
///
/// `Debug` deliberately prints nothing of the bytes: the house rule is that room ids never reach a
/// log, and a derived `Debug` would make that one `{:?}` away.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub [u8; 16]);

impl RoomId {
    /// The id's bytes as they appear on the wire.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Debug for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoomId(..)")
    }
}

/// A member's id within one room: a random u32 chosen by the relay, unique among the room's
/// current members (PROTOCOL.md A).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(pub u32);

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_id_debug_hides_bytes() {
        let id = RoomId([0xab; 16]);
        assert_eq!(format!("{id:?}"), "RoomId(..)");
    }

    #[test]
    fn member_id_displays_as_fixed_width_hex() {
        assert_eq!(MemberId(0x1f).to_string(), "0000001f");
    }
}
