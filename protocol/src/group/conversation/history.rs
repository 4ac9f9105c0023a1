//! Recent history for newcomers (docs/PROTOCOL.md R.12), in a room whose settings ask for it:
//! the first [`SHARERS`] members online (by leaf) pass someone new the room's last messages they
//! saw themselves, in a private conversation with them; the newcomer merges the copies by message
//! id and shows each once, marked as shared and by whom. A newcomer takes history only in its
//! first minutes in the room, and only from the members who were there when it was let in.

use std::collections::BTreeSet;

use super::taken::CLOCK_SLACK_MS;
use super::{GroupChanges, GroupConversation};
use crate::conversation::Delivery;
use crate::entropy::Entropy;
use crate::group::body::{GroupBody, MAX_SHARED_PER_MESSAGE, SharedLine};
use crate::group::rules::MAX_LEAVES;

/// Most messages shared with a newcomer, and most a newcomer takes from one member.
pub(super) const MAX_SHARED: usize = 500;
/// Most bytes of text shared with one newcomer: the newest messages within it. Cut into History
/// messages (at most [`MAX_SHARED_PER_MESSAGE`] lines and about [`MAX_SHARED_TEXT`] bytes),
/// that is at most 33 private messages, which fit the private conversation's queue and resend
/// buffer (R.10); the copies of [`SHARERS`] members fit the relay's queue for the newcomer
/// many times over.
const MAX_SHARED_BYTES: usize = 192 * 1024;
/// How many members share with a newcomer: the online ones with the lowest leaves. Enough that
/// one who lies or lacks something is not all the newcomer hears, few enough that a newcomer is
/// not flooded in a large room.
const SHARERS: usize = 3;
/// At most this many newcomers a member shares with in [`SHARING_WINDOW_MS`] (a bound, so that
/// joining under new identities again and again costs the room little).
const MAX_NEWCOMERS_A_WINDOW: usize = 16;
const SHARING_WINDOW_MS: u64 = 10 * 60 * 1000;
/// How far back shared messages go.
pub(super) const SHARED_SPAN_MS: u64 = 24 * 3600 * 1000;
/// How long after joining a newcomer takes history.
pub(super) const TAKE_HISTORY_MS: u64 = 2 * 60 * 1000;
/// Most bytes of text in one History message, far under the relay's payload limit.
const MAX_SHARED_TEXT: usize = 16 * 1024;
/// Most leaf identities remembered as having been in the room (a bound, not a rule).
const MAX_SEEN: usize = 16 * MAX_LEAVES;
/// The first 8 bytes of the ids of lines about someone (`events.rs`): no message has them.
pub(super) const ARRIVAL_ID: &[u8; 8] = b"arrival\0";

/// The sharer's side: who has been in the room (by identity key), who came new and waits for
/// its history (by leaf identity, with when), and when it last shared.
#[derive(Debug, Default)]
pub(super) struct Sharing {
    seen: BTreeSet<Vec<u8>>,
    newcomers: Vec<(Vec<u8>, u64)>,
    shared_at: Vec<u64>,
}

impl Sharing {
    /// Everyone in the group now has been in the room (leaf identities).
    pub(super) fn saw(&mut self, identities: impl IntoIterator<Item = Vec<u8>>) {
        for identity in identities {
            if self.seen.len() < MAX_SEEN {
                self.seen
                    .insert(identity[..identity.len().min(32)].to_vec());
            }
        }
    }

    /// A commit added `identity`: history for it, if its identity key was never in the room in
    /// this member's time (not a person coming back, on this device or another, nor one from a
    /// greater group). Past [`MAX_SEEN`] identities no one is new.
    pub(super) fn added(&mut self, identity: Vec<u8>, now_ms: u64) {
        let ik = &identity[..identity.len().min(32)];
        let new = self.seen.len() < MAX_SEEN && !self.seen.contains(ik);
        if new && self.newcomers.iter().all(|(n, _)| *n != identity) {
            self.newcomers.push((identity, now_ms));
        }
    }

    /// Whether this member may share with one more newcomer now, counting it if so.
    fn may_share(&mut self, now_ms: u64) -> bool {
        self.shared_at
            .retain(|at| now_ms.saturating_sub(*at) < SHARING_WINDOW_MS);
        let may = self.shared_at.len() < MAX_NEWCOMERS_A_WINDOW;
        if may {
            self.shared_at.push(now_ms);
        }
        may
    }
}

impl GroupConversation {
    /// Shares recent history with each member a commit added since the last call, if the
    /// room's settings ask for it.
    pub(super) fn share_history(
        &mut self,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        changes: &mut GroupChanges,
    ) {
        if self.sharing.newcomers.is_empty() || !self.machine.settings().history_for_newcomers {
            self.sharing.newcomers.clear();
            return;
        }
        // A newcomer is passed history once it is connected (its Hello came): a private
        // conversation opens only with a member whose wire id is known. One that never comes
        // within the time a newcomer takes history is let go.
        let members = self.members();
        let leaf_of = |identity: &[u8]| {
            members
                .iter()
                .find(|m| m.online && m.leaf_identity() == identity)
                .and_then(|m| m.leaf)
        };
        let mut ready = Vec::new();
        self.sharing.newcomers.retain(|(identity, at)| {
            if let Some(leaf) = leaf_of(identity) {
                ready.push(leaf);
                return false;
            }
            now_ms.saturating_sub(*at) <= TAKE_HISTORY_MS
        });
        let Some(own_key) = members
            .iter()
            .find(|m| m.is_self)
            .map(|m| m.leaf_identity())
        else {
            return;
        };
        // Only the first few members online by leaf, the newcomer aside, share with it.
        let elected = |newcomer: u32| {
            let mut leaves: Vec<(u32, bool)> = members
                .iter()
                .filter(|m| m.online && m.leaf != Some(newcomer))
                .filter_map(|m| m.leaf.map(|leaf| (leaf, m.is_self)))
                .collect();
            leaves.sort_unstable();
            leaves.iter().take(SHARERS).any(|(_, is_self)| *is_self)
        };
        ready.retain(|leaf| elected(*leaf));
        ready.retain(|_| self.sharing.may_share(now_ms));
        if ready.is_empty() {
            return;
        }
        let recent = self.recent(&own_key, now_ms);
        if recent.is_empty() {
            return;
        }
        for leaf in ready {
            for batch in batches(&recent) {
                let body = GroupBody::History(batch);
                if let Ok(output) = self.machine.send_private(leaf, &body, now_ms, entropy) {
                    self.apply(output, now_ms, changes);
                }
            }
        }
    }

    /// The messages this member saw itself in the last [`SHARED_SPAN_MS`], newest last: at most
    /// [`MAX_SHARED`] and [`MAX_SHARED_BYTES`] of text.
    fn recent(&self, own_key: &[u8], now_ms: u64) -> Vec<SharedLine> {
        let since = now_ms.saturating_sub(SHARED_SPAN_MS);
        let mut bytes = 0;
        let mut recent: Vec<SharedLine> = self
            .log
            .lines()
            .iter()
            .rev()
            .filter(|l| l.arrival.is_none() && l.shared_by.is_none())
            .filter(|l| l.delivery != Delivery::Pending && l.sent_at_ms >= since)
            // Dated ahead (a fast clock, or a member's trick to use up the budget): a newcomer
            // would drop them.
            .filter(|l| l.sent_at_ms <= now_ms.saturating_add(CLOCK_SLACK_MS))
            .filter_map(|l| {
                let key = match l.delivery {
                    Delivery::Received => l.author_key.clone()?,
                    _ => own_key.to_vec(),
                };
                Some(SharedLine {
                    msg_id: l.msg_id,
                    author: l.author.clone(),
                    author_key: key,
                    sent_at_ms: l.sent_at_ms,
                    text: l.text.clone(),
                })
            })
            .take(MAX_SHARED)
            .take_while(|l| {
                bytes += l.text.len() + l.author.len();
                bytes <= MAX_SHARED_BYTES
            })
            .collect();
        recent.reverse();
        recent
    }
}

/// `lines` cut into History messages: at most [`MAX_SHARED_PER_MESSAGE`] lines and about
/// [`MAX_SHARED_TEXT`] bytes of text each.
fn batches(lines: &[SharedLine]) -> Vec<Vec<SharedLine>> {
    let mut out: Vec<Vec<SharedLine>> = Vec::new();
    let mut size = 0;
    for line in lines {
        let len = line.text.len() + line.author.len();
        match out.last_mut() {
            Some(batch)
                if batch.len() < MAX_SHARED_PER_MESSAGE && size + len <= MAX_SHARED_TEXT =>
            {
                size += len;
                batch.push(line.clone());
            }
            _ => {
                size = len;
                out.push(vec![line.clone()]);
            }
        }
    }
    out
}
