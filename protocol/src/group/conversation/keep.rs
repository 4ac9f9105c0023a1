//! A conversation written to and read back from a kept room ([`crate::keep`], docs/PROTOCOL.md
//! K.1): the room's chat, the private conversations, and what the person typed that never went
//! out, which goes out again once the room is joined.

use super::history::ARRIVAL_ID;
use super::{GroupConversation, Pending};
use crate::body::Chat;
use crate::conversation::{Delivery, Line};
use crate::group::settings::RoomSettings;
use crate::keep::{KeptLine, KeptRoom, KeptThread};

impl GroupConversation {
    /// The conversation as kept, with `unread` room messages not seen, at `now_ms`.
    pub fn kept(&self, unread: u32, now_ms: u64) -> KeptRoom {
        let members = self.members();
        let name_of = |peer: &[u8]| {
            members
                .iter()
                .find(|m| m.leaf_identity() == peer)
                .map(|m| m.name.clone())
        };
        let threads = self.threads.iter().map(|(peer, thread)| KeptThread {
            peer: peer.clone(),
            name: name_of(peer)
                .or_else(|| {
                    let mut lines = thread.lines().iter().rev();
                    let theirs = lines.find(|l| l.delivery == Delivery::Received);
                    theirs.map(|l| l.author.clone())
                })
                .unwrap_or_default(),
            unread: u32::try_from(thread.unread).unwrap_or(u32::MAX),
            lines: thread.lines().iter().map(KeptLine::from).collect(),
        });
        let mut others: Vec<String> = members
            .iter()
            .filter(|m| !m.is_self)
            .map(|m| m.name.clone())
            .collect();
        others.sort();
        others.dedup();
        KeptRoom {
            secret: *self.secret.as_bytes(),
            name: self.name.clone(),
            saved_at_ms: now_ms,
            members: others,
            unread,
            lines: self.log.lines().iter().map(KeptLine::from).collect(),
            threads: threads.collect(),
            history_for_newcomers: self
                .machine
                .held_settings()
                .map(|s| s.history_for_newcomers),
        }
    }

    /// Puts a kept conversation back, before the room is joined: its lines come first, and what
    /// was typed but never confirmed goes out again (with its msg_id, so whoever got it
    /// already shows it once).
    pub fn restore(&mut self, kept: &KeptRoom) {
        if let Some(history_for_newcomers) = kept.history_for_newcomers {
            self.machine.settle_settings(RoomSettings {
                history_for_newcomers,
            });
        }
        for line in kept.lines.iter().map(KeptLine::to_line) {
            self.note_restored_id(&line);
            if line.delivery == Delivery::Pending {
                self.pending.push(Pending {
                    chat: Chat {
                        msg_id: line.msg_id,
                        sent_at_ms: line.sent_at_ms,
                        text: line.text.clone(),
                    },
                    ping: None,
                });
            }
            self.log.add(line);
        }
        for kept_thread in &kept.threads {
            let thread = self.threads.entry(kept_thread.peer.clone()).or_default();
            for line in kept_thread.lines.iter().map(KeptLine::to_line) {
                thread.log.add(line);
            }
            thread.unread = kept_thread.unread as usize;
        }
    }

    /// A private conversation kept under a leaf that is not online now goes to the online
    /// member of the same identity key that has none (the other came back from another tab, or
    /// after a restart, under a new device id).
    pub(super) fn adopt_threads(&mut self) {
        let members = self.members();
        let online: Vec<Vec<u8>> = members
            .iter()
            .filter(|m| !m.is_self && m.online)
            .map(crate::room_io::Member::leaf_identity)
            .collect();
        for to in &online {
            if self.threads.contains_key(to) {
                continue;
            }
            let orphan = self
                .threads
                .keys()
                .find(|k| !online.contains(k) && k.get(..32) == to.get(..32))
                .cloned();
            if let Some(thread) = orphan.and_then(|k| self.threads.remove(&k)) {
                self.threads.insert(to.clone(), thread);
            }
        }
    }

    /// Lines about someone have ids counted from 1 (`events.rs`): new ones start after the
    /// restored ones, so no two lines share an id.
    fn note_restored_id(&mut self, line: &Line) {
        let id = line.msg_id.as_bytes();
        if line.arrival.is_some() && id.starts_with(ARRIVAL_ID) {
            let mut count = [0; 8];
            count.copy_from_slice(&id[8..]);
            self.arrivals = self.arrivals.max(u64::from_be_bytes(count));
        }
    }
}
