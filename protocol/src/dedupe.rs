//! Chat de-duplication (PROTOCOL.md B.3): receivers drop a `msg_id` they have already shown and
//! remember at least the last 1 024 per room, so a message resent after a reconnect appears once.

use std::collections::{HashSet, VecDeque};

use crate::ids::MsgId;

/// How many msg_ids a room remembers (PROTOCOL.md B.3: at least 1 024).
pub const REMEMBERED_MSG_IDS: usize = 1024;

/// The most recent msg_ids seen in a room, oldest forgotten first.
#[derive(Clone, Debug, Default)]
pub struct MsgIdHistory {
    order: VecDeque<MsgId>,
    seen: HashSet<MsgId>,
}

impl MsgIdHistory {
    /// Records `id`; returns false if it was already remembered (the message is a duplicate).
    pub fn insert(&mut self, id: MsgId) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED_MSG_IDS
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        true
    }

    /// Whether `id` is remembered.
    pub fn contains(&self, id: &MsgId) -> bool {
        self.seen.contains(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u32) -> MsgId {
        let mut bytes = [0u8; 16];
        bytes[..4].copy_from_slice(&n.to_be_bytes());
        MsgId(bytes)
    }

    #[test]
    fn duplicate_is_reported_once() {
        let mut history = MsgIdHistory::default();
        assert!(history.insert(id(1)));
        assert!(!history.insert(id(1)));
    }

    #[test]
    fn remembers_the_last_1024() {
        let mut history = MsgIdHistory::default();
        for n in 0..=1024 {
            assert!(history.insert(id(n)));
        }
        assert!(!history.contains(&id(0)), "the oldest is forgotten");
        assert!(history.contains(&id(1)));
        assert!(!history.insert(id(1024)));
    }
}
