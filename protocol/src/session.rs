//! A sender session (PROTOCOL.md B.1, B.2): a fresh random `sender_id` and a `seq` that starts at
//! 0 and grows by one for every envelope sent, whatever its kind. Neither is ever persisted, so
//! a `(K_msg, nonce)` pair can never repeat.

use core::fmt;

use wire::RoomId;

use crate::entropy::Entropy;
use crate::envelope::{self, Header, Kind, SealError};
use crate::ids::SenderId;
use crate::keys::{AeadKey, RoomKeys};

/// The sending half of one session in one room.
pub struct SenderSession {
    room_id: RoomId,
    sender: SenderId,
    key: AeadKey,
    next_seq: u64,
}

impl SenderSession {
    /// A new session with a fresh random sender id.
    pub fn new(keys: &RoomKeys, entropy: &mut dyn Entropy) -> Self {
        Self::with_sender(keys, SenderId::random(entropy))
    }

    /// A session with a given sender id, starting at seq 0. Tests and vectors use this; the app
    /// uses [`Self::new`].
    pub fn with_sender(keys: &RoomKeys, sender: SenderId) -> Self {
        Self {
            room_id: keys.room_id(),
            sender,
            key: keys.message_key(sender),
            next_seq: 0,
        }
    }

    /// This session's sender id.
    pub fn sender(&self) -> SenderId {
        self.sender
    }

    /// The seq the next envelope will carry.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Continues at `seq`; for tests of sequence exhaustion.
    #[doc(hidden)]
    pub fn skip_to(&mut self, seq: u64) {
        self.next_seq = self.next_seq.max(seq);
    }

    /// Seals `body` as the session's next envelope. The seq advances only on success; at
    /// 2^64−1 the session refuses to send.
    pub fn seal(&mut self, kind: Kind, body: &[u8]) -> Result<Vec<u8>, SealError> {
        let header = Header {
            kind,
            sender: self.sender,
            seq: self.next_seq,
        };
        let sealed = envelope::seal(&self.room_id, &self.key, &header, body)?;
        self.next_seq += 1;
        Ok(sealed)
    }
}

impl fmt::Debug for SenderSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SenderSession")
            .field("sender", &self.sender)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}
