//! The newcomer's side of history for newcomers (docs/PROTOCOL.md R.12): what it takes of the
//! History messages members pass it, from whom, and what it shows when they disagree.
//!
//! A newcomer takes history only in its first minutes after a Welcome, only from the members
//! that were in the group then (its elders), at most [`MAX_SHARED`] lines from each. Each line is
//! checked on its own. Copies that say the same are one line, vouched for by every member that
//! sent it; a copy that says otherwise is a line of its own, so the first to share cannot hide
//! what another shares. At most [`MAX_SHARED`] shared lines are shown: past it, the line the
//! fewest members vouched for goes first (then the one of whoever sent most, then the oldest),
//! so members sharing made-up lines cannot push out what others agree on.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::history::{ARRIVAL_ID, MAX_SHARED, SHARED_SPAN_MS, TAKE_HISTORY_MS};
use super::{GroupChanges, GroupConversation};
use crate::body::{MAX_CHAT_TEXT_LEN, MAX_NAME_LEN};
use crate::conversation::{Delivery, Line};
use crate::group::body::{LEAF_IDENTITY_LEN, SharedLine};
use crate::group::credential::MemberCredential;

/// How far ahead of the newcomer's clock a shared message may be dated (clocks differ).
pub(super) const CLOCK_SLACK_MS: u64 = 5 * 60 * 1000;

/// What a newcomer needs of its arrival to take history: when it first came in by a Welcome, who
/// was in the group then (the only members it takes history from) with how many lines each has
/// given, and who vouched for each line shown.
#[derive(Debug, Default)]
pub(super) struct Arrived {
    at_ms: Option<u64>,
    elders: Vec<(Vec<u8>, usize)>,
    vouched: BTreeMap<[u8; 32], Vec<Vec<u8>>>,
}

impl GroupConversation {
    /// This member came into a group by a Welcome: the first time, who else is in it are the
    /// members it takes history from.
    pub(super) fn arrived(&mut self, now_ms: u64) {
        if self.arrived.at_ms.is_some() {
            return;
        }
        self.arrived.at_ms = Some(now_ms);
        self.arrived.elders = self
            .members()
            .into_iter()
            .filter(|m| !m.is_self)
            .map(|m| (m.leaf_identity(), 0))
            .collect();
    }

    /// History from `from` (a private conversation's other member), taken if this member is
    /// in its first minutes in a room whose settings ask for it and `from` is one of its elders.
    pub(super) fn take_history(
        &mut self,
        from: &MemberCredential,
        lines: Vec<SharedLine>,
        now_ms: u64,
        changes: &mut GroupChanges,
    ) {
        let fresh = self
            .arrived
            .at_ms
            .is_some_and(|at| now_ms.saturating_sub(at) <= TAKE_HISTORY_MS);
        let sharer = from.leaf_identity();
        let Some(index) = self.arrived.elders.iter().position(|(e, _)| *e == sharer) else {
            return;
        };
        if !fresh || !self.machine.settings().history_for_newcomers {
            return;
        }
        let own_key = self
            .members()
            .into_iter()
            .find(|m| m.is_self)
            .map(|m| m.leaf_identity());
        let mut taken = 0;
        for shared in lines {
            if self.arrived.elders[index].1 >= MAX_SHARED {
                break;
            }
            if !self.acceptable(&shared, &sharer, own_key.as_deref(), now_ms) {
                continue;
            }
            self.arrived.elders[index].1 += 1;
            let digest = digest(
                shared.msg_id.as_bytes(),
                &shared.author_key,
                shared.sent_at_ms,
                &shared.text,
            );
            if let Some(vouchers) = self.arrived.vouched.get_mut(&digest) {
                // The same copy as one shown: one more member says so.
                if !vouchers.contains(&sharer) {
                    vouchers.push(sharer.clone());
                }
                continue;
            }
            self.arrived.vouched.insert(digest, vec![sharer.clone()]);
            self.log.add_shared(Line {
                msg_id: shared.msg_id,
                author: shared.author,
                session: None,
                author_key: Some(shared.author_key),
                seq: None,
                text: shared.text,
                sent_at_ms: shared.sent_at_ms,
                delivery: Delivery::Received,
                arrival: None,
                by_key: Some(sharer.clone()),
                shared_by: Some(from.name().to_owned()),
            });
            changes.lines = true;
            taken += 1;
        }
        self.bound_shared();
        if taken > 0 {
            changes.shared = Some((from.name().to_owned(), taken));
        }
    }

    /// Whether a line `from` shares may be taken: well formed, of the last day, not under
    /// this member's identity, not a message here already (ours, or received live or kept), and
    /// not a second, other copy of one message from the same sharer.
    fn acceptable(
        &self,
        shared: &SharedLine,
        from: &[u8],
        own_key: Option<&[u8]>,
        now_ms: u64,
    ) -> bool {
        let well_formed = shared.author.len() <= MAX_NAME_LEN
            && shared.text.len() <= MAX_CHAT_TEXT_LEN
            && !shared.text.trim().is_empty()
            && shared.author_key.len() == LEAF_IDENTITY_LEN
            && !shared.msg_id.as_bytes().starts_with(ARRIVAL_ID);
        let in_time = shared.sent_at_ms >= now_ms.saturating_sub(SHARED_SPAN_MS)
            && shared.sent_at_ms <= now_ms.saturating_add(CLOCK_SLACK_MS);
        let own = own_key.and_then(|k| k.get(..32)) == shared.author_key.get(..32);
        if !well_formed || !in_time || own {
            return false;
        }
        let ours = |l: &Line| l.author_key.is_none() && l.arrival.is_none();
        let same_copy = |l: &Line| l.text == shared.text && l.sent_at_ms == shared.sent_at_ms;
        !self
            .log
            .lines()
            .iter()
            .filter(|l| l.msg_id == shared.msg_id)
            .any(|l| {
                ours(l)
                    || (same_author(l, &shared.author_key)
                        && (l.shared_by.is_none()
                            || (!same_copy(l) && l.by_key.as_deref() == Some(from))))
            })
    }

    /// At most [`MAX_SHARED`] shared lines shown: past it, the line the fewest members vouched
    /// for goes, then the one of whoever shows most, then the oldest.
    fn bound_shared(&mut self) {
        let shared: Vec<(usize, [u8; 32], Vec<u8>, u64)> = self
            .log
            .lines()
            .iter()
            .enumerate()
            .filter(|(_, l)| l.shared_by.is_some())
            .map(|(at, l)| {
                let key = l.author_key.as_deref().unwrap_or_default();
                let digest = digest(l.msg_id.as_bytes(), key, l.sent_at_ms, &l.text);
                (
                    at,
                    digest,
                    l.by_key.clone().unwrap_or_default(),
                    l.sent_at_ms,
                )
            })
            .collect();
        let over = shared.len().saturating_sub(MAX_SHARED);
        if over == 0 {
            return;
        }
        let mut shown: BTreeMap<&[u8], usize> = BTreeMap::new();
        for (_, _, by, _) in &shared {
            *shown.entry(by.as_slice()).or_default() += 1;
        }
        let vouched = |digest: &[u8; 32]| self.arrived.vouched.get(digest).map_or(0, Vec::len);
        let mut order: Vec<(usize, usize, u64, usize)> = shared
            .iter()
            .map(|(at, digest, by, sent)| {
                let most = shown.get(by.as_slice()).copied().unwrap_or(0);
                (vouched(digest), usize::MAX - most, *sent, *at)
            })
            .collect();
        order.sort_unstable();
        let mut gone: Vec<usize> = order.iter().take(over).map(|o| o.3).collect();
        gone.sort_unstable();
        for at in gone.into_iter().rev() {
            self.log.remove(at);
        }
    }
}

/// What identifies a copy of a message: its id, its author's identity key, its time and its text.
fn digest(msg_id: &[u8; 16], author_key: &[u8], sent_at_ms: u64, text: &str) -> [u8; 32] {
    let ik = author_key.get(..32).unwrap_or(author_key);
    Sha256::new()
        .chain_update(msg_id)
        .chain_update(ik)
        .chain_update(sent_at_ms.to_be_bytes())
        .chain_update(text.as_bytes())
        .finalize()
        .into()
}

/// Whether `line` is by the identity of leaf identity `key` (its first 32 bytes, any device).
fn same_author(line: &Line, key: &[u8]) -> bool {
    line.author_key.as_deref().and_then(|k| k.get(..32)) == key.get(..32)
}
