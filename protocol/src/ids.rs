//! Sixteen-byte identifiers that only clients see (PROTOCOL.md B): sender sessions, files,
//! devices, chat messages and presence challenges.
//!
//! Each is a newtype so that a file id can never be passed where a sender id belongs; all are
//! serialised by postcard as 16 raw bytes with no length prefix.

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::entropy::Entropy;

macro_rules! id16 {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub [u8; 16]);

        impl $name {
            /// A fresh random id.
            pub fn random(entropy: &mut dyn Entropy) -> Self {
                let mut bytes = [0u8; 16];
                entropy.fill(&mut bytes);
                Self(bytes)
            }

            /// The id's bytes.
            pub fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            // Ids are not secret, but a short prefix is all a log or test failure needs.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let prefix = crate::hex::encode(&self.0[..4]);
                write!(f, concat!(stringify!($name), "({}..)"), prefix)
            }
        }
    };
}

id16!(
    /// A sender session's id: 16 fresh random bytes per page load, tab and join, never persisted
    /// (PROTOCOL.md B.1), so `(K_msg, nonce)` pairs never repeat.
    SenderId
);
id16!(
    /// A file transfer's id, chosen at random by the sender of the offer (PROTOCOL.md B.4).
    FileId
);
id16!(
    /// A tab's id, kept across reconnects and reloads of that tab so members replace a
    /// reconnected member's entry instead of listing it twice, and never shared by two live tabs
    /// ([`crate::device_claim`], PROTOCOL.md B.3).
    DeviceId
);
id16!(
    /// A chat message's random id; receivers show each one once (PROTOCOL.md B.3).
    MsgId
);
id16!(
    /// A presence challenge: Join carries one, Here echoes it and carries its own, Ack echoes
    /// that (PROTOCOL.md B.3).
    Challenge
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_a_short_hex_prefix() {
        let id = FileId(core::array::from_fn(|i| 0xa0 + i as u8));
        assert_eq!(format!("{id:?}"), "FileId(a0a1a2a3..)");
    }
}
