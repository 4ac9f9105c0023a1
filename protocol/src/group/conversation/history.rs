//! Recent history for newcomers (docs/PROTOCOL.md R.12), in a room whose settings ask for it:
//! every member online passes someone new the room's last messages it saw itself, in a private
//! conversation with them; the newcomer merges the copies by message id and shows each once,
//! marked as shared and by whom. A newcomer takes history only in its first minutes in the room.

use super::{GroupChanges, GroupConversation};
use crate::conversation::{Delivery, Line};
use crate::entropy::Entropy;
use crate::group::body::{GroupBody, MAX_SHARED_PER_MESSAGE, SharedLine};
use crate::group::credential::MemberCredential;

/// Most messages shared with a newcomer, and most a newcomer takes.
pub(super) const MAX_SHARED: usize = 500;
/// How far back shared messages go.
pub(super) const SHARED_SPAN_MS: u64 = 24 * 3600 * 1000;
/// How long after joining a newcomer takes history.
pub(super) const TAKE_HISTORY_MS: u64 = 2 * 60 * 1000;
/// Most bytes of text in one History message, so it fits the relay's payload limit.
const MAX_SHARED_TEXT: usize = 48 * 1024;

impl GroupConversation {
    /// Shares recent history with each member a commit added since the last call, if the
    /// room's settings ask for it.
    pub(super) fn share_history(
        &mut self,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        changes: &mut GroupChanges,
    ) {
        if self.newcomers.is_empty() || !self.machine.settings().history_for_newcomers {
            self.newcomers.clear();
            return;
        }
        // A newcomer is passed history once it is connected (its Hello came): a private
        // conversation opens only with a member whose wire id is known. One that never comes
        // within the time a newcomer takes history is let go.
        let members = self.members();
        let online = |leaf: u32| members.iter().any(|m| m.leaf == Some(leaf) && m.online);
        let (newcomers, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.newcomers)
            .into_iter()
            .partition(|(leaf, _)| online(*leaf));
        self.newcomers = waiting
            .into_iter()
            .filter(|(_, at)| now_ms.saturating_sub(*at) <= TAKE_HISTORY_MS)
            .collect();
        if newcomers.is_empty() {
            return;
        }
        let own_key = self
            .members()
            .into_iter()
            .find(|m| m.is_self)
            .map(|m| [&m.identity[..], m.device_id.as_bytes()].concat());
        let Some(own_key) = own_key else {
            return;
        };
        let since = now_ms.saturating_sub(SHARED_SPAN_MS);
        let seen: Vec<SharedLine> = self
            .log
            .lines()
            .iter()
            .filter(|l| l.arrival.is_none() && l.shared_by.is_none())
            .filter(|l| l.delivery != Delivery::Pending && l.sent_at_ms >= since)
            .filter_map(|l| {
                let key = match l.delivery {
                    Delivery::Received => l.author_key.clone()?,
                    _ => own_key.clone(),
                };
                Some(SharedLine {
                    msg_id: l.msg_id,
                    author: l.author.clone(),
                    author_key: key,
                    sent_at_ms: l.sent_at_ms,
                    text: l.text.clone(),
                })
            })
            .collect();
        let recent = &seen[seen.len().saturating_sub(MAX_SHARED)..];
        if recent.is_empty() {
            return;
        }
        for (leaf, _) in newcomers {
            for batch in batches(recent) {
                let body = GroupBody::History(batch);
                if let Ok(output) = self.machine.send_private(leaf, &body, now_ms, entropy) {
                    self.apply(output, now_ms, changes);
                }
            }
        }
    }

    /// History from `from` (a private conversation's other member): taken in this member's
    /// first minutes in a room whose settings ask for it, each message once, up to
    /// [`MAX_SHARED`] in all.
    pub(super) fn take_history(
        &mut self,
        from: &MemberCredential,
        lines: Vec<SharedLine>,
        now_ms: u64,
        changes: &mut GroupChanges,
    ) {
        let fresh = self
            .joined_at_ms
            .is_some_and(|at| now_ms.saturating_sub(at) <= TAKE_HISTORY_MS);
        if !fresh || !self.machine.settings().history_for_newcomers {
            return;
        }
        let since = now_ms.saturating_sub(SHARED_SPAN_MS);
        for shared in lines {
            if self.shared_taken >= MAX_SHARED {
                break;
            }
            // Ours (a kept room back in the room): our own lines carry no key.
            let ours = self.log.lines().iter().any(|l| {
                l.msg_id == shared.msg_id && l.author_key.is_none() && l.arrival.is_none()
            });
            if shared.sent_at_ms < since
                || ours
                || self.log.has(&shared.msg_id, Some(&shared.author_key))
            {
                continue;
            }
            self.shared_taken += 1;
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
                by_key: Some(from.leaf_identity()),
                shared_by: Some(from.name().to_owned()),
            });
            changes.lines = true;
        }
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
