//! The human-comparable check code: four HKDF bytes shown as `u32 mod 10^8`, zero-padded, as
//! "NNNN NNNN" (PROTOCOL.md B.1 for rooms, C.2 for contacts).

use core::fmt;

/// A check code people read aloud to confirm they hold the same room or contact key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckCode(u32);

impl CheckCode {
    /// The code for the four check bytes derived by HKDF.
    pub fn from_bytes(bytes: [u8; 4]) -> Self {
        Self(u32::from_be_bytes(bytes) % 100_000_000)
    }

    /// The code as a number below 10^8.
    pub fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for CheckCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04} {:04}", self.0 / 10_000, self.0 % 10_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_zero_padded() {
        assert_eq!(CheckCode::from_bytes([0, 0, 0, 7]).to_string(), "0000 0007");
    }

    #[test]
    fn values_wrap_modulo_ten_to_the_eighth() {
        // 0xffffffff = 4294967295 → 94967295.
        assert_eq!(CheckCode::from_bytes([0xff; 4]).to_string(), "9496 7295");
    }
}
