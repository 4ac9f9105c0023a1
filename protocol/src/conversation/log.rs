//! The chat log's order and its cap.
//!
//! The replay window (PROTOCOL.md B.2) accepts any unseen seq up to 63 behind the highest, so a
//! relay that delays one envelope can hand a session's messages over out of order. The log
//! therefore places a received message by its seq among the lines of the same sender session:
//! at the end, unless that session already has lines with a higher seq, in which case it goes
//! just before the first of them. Across sessions (other people, and one person's sessions
//! before and after a reconnect, whose seq starts again at 0) the log stays in arrival order:
//! a session's envelopes stop being accepted once its successor is live, so a new session's
//! lines always follow its predecessor's. Each session's messages are thus shown in the order
//! they were sent, and a late one lands as close to where it arrived as that order allows.
//!
//! Our own lines and the lines about arrivals carry no seq and are always appended.

use super::{Delivery, Line, MAX_LINES};
use crate::ids::MsgId;

/// The identity key (the first 32 bytes) of a leaf identity, if any.
fn ik_of(key: Option<&[u8]>) -> Option<&[u8]> {
    key.and_then(|k| k.get(..32))
}

fn ik(key: &Option<Vec<u8>>) -> Option<&[u8]> {
    ik_of(key.as_deref())
}

/// The visible chat log, oldest first, at most [`MAX_LINES`] long.
#[derive(Debug, Default)]
pub(crate) struct Log {
    lines: Vec<Line>,
}

impl Log {
    /// The lines, oldest first.
    pub(crate) fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Adds a line: a received one in its sender session's seq order, any other at the end.
    /// Past [`MAX_LINES`] the first line in the log's order scrolls away, as it always has; that
    /// is the new line itself when it belongs before every line kept (a late message whose
    /// session's later lines are the oldest on screen). Returns whether the new line is shown.
    pub(crate) fn add(&mut self, line: Line) -> bool {
        let at = self.position(&line);
        self.lines.insert(at, line);
        if self.lines.len() > MAX_LINES {
            self.lines.remove(0);
            return at > 0;
        }
        true
    }

    /// Whether a line with `msg_id` from the author of `key`'s identity (its first 32 bytes,
    /// whichever device) is already here, not counting shared ones (R.12): a message sent again
    /// after its author came back on another device, or one restored from a kept room and
    /// delivered again.
    pub(crate) fn has(&self, msg_id: &MsgId, key: Option<&[u8]>) -> bool {
        self.lines.iter().any(|l| {
            l.shared_by.is_none() && l.msg_id == *msg_id && ik(&l.author_key) == ik_of(key)
        })
    }

    /// Adds a message shared from the room's history (R.12) by its time: before the first line
    /// sent later.
    pub(crate) fn add_shared(&mut self, line: Line) {
        let at = self
            .lines
            .iter()
            .position(|l| l.sent_at_ms > line.sent_at_ms)
            .unwrap_or(self.lines.len());
        self.lines.insert(at, line);
        if self.lines.len() > MAX_LINES {
            self.lines.remove(0);
        }
    }

    /// Drops the shared copies (R.12) that say what the author's own `line` says (same msg_id,
    /// identity, text and time): it is the one shown. A copy that says otherwise stays beside
    /// it, so no author can rewrite what others passed on of theirs.
    pub(crate) fn drop_shared(&mut self, line: &Line) {
        self.lines.retain(|l| {
            l.shared_by.is_none()
                || l.msg_id != line.msg_id
                || ik(&l.author_key) != ik(&line.author_key)
                || l.text != line.text
                || l.sent_at_ms != line.sent_at_ms
        });
    }

    /// Removes the line at `at` (a shared one past the bound, R.12).
    pub(crate) fn remove(&mut self, at: usize) {
        if at < self.lines.len() {
            self.lines.remove(at);
        }
    }

    /// Marks our pending lines among `confirmed` as sent.
    pub(crate) fn mark_sent(&mut self, confirmed: &[MsgId]) {
        for line in &mut self.lines {
            if line.delivery == Delivery::Pending && confirmed.contains(&line.msg_id) {
                line.delivery = Delivery::Sent;
            }
        }
    }

    /// Where `line` goes: before the first line of its session with a higher seq, else at the
    /// end. A session's lines are already in seq order, so walking back from the end, its lines
    /// with a higher seq come first and the walk stops at its first line with a lower one; in
    /// the usual case (in order) that is its latest line and the line is appended.
    fn position(&self, line: &Line) -> usize {
        let (Some(session), Some(seq)) = (line.session, line.seq) else {
            return self.lines.len();
        };
        let mut at = self.lines.len();
        for (index, other) in self.lines.iter().enumerate().rev() {
            if other.session != Some(session) {
                continue;
            }
            match other.seq {
                Some(other_seq) if other_seq > seq => at = index,
                _ => break,
            }
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SenderId;
    use wire::MemberId;

    fn received(session: u8, seq: u64, text: &str) -> Line {
        Line {
            msg_id: MsgId([seq as u8; 16]),
            author: format!("s{session}"),
            session: Some((MemberId(u32::from(session)), SenderId([session; 16]))),
            author_key: None,
            seq: Some(seq),
            text: text.into(),
            sent_at_ms: 0,
            delivery: Delivery::Received,
            arrival: None,
            by_key: None,
            shared_by: None,
        }
    }

    fn texts(log: &Log) -> Vec<&str> {
        log.lines().iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn a_late_line_goes_before_its_sessions_later_lines_and_others_keep_arrival_order() {
        let mut log = Log::default();
        log.add(received(1, 4, "a4"));
        log.add(received(2, 9, "b9"));
        log.add(received(1, 6, "a6"));
        log.add(received(2, 3, "b3"));
        log.add(received(1, 5, "a5"));
        log.add(received(1, 7, "a7"));
        assert_eq!(texts(&log), ["a4", "b3", "b9", "a5", "a6", "a7"]);
    }

    #[test]
    fn lines_without_a_seq_are_appended() {
        let mut log = Log::default();
        log.add(received(1, 2, "a2"));
        let ours = Line {
            session: None,
            author_key: None,
            seq: None,
            ..received(0, 0, "mine")
        };
        log.add(ours);
        log.add(received(1, 1, "a1"));
        assert_eq!(texts(&log), ["a1", "a2", "mine"]);
    }

    #[test]
    fn the_cap_drops_the_first_line_in_the_logs_order() {
        let mut log = Log::default();
        assert!(log.add(received(1, 1_000, "a1000")));
        assert!(log.add(received(1, 1_002, "a1002")));
        for seq in 0..MAX_LINES as u64 - 2 {
            assert!(log.add(received(2, seq, "other")));
        }
        assert_eq!(log.lines().len(), MAX_LINES);
        assert!(log.add(received(1, 1_001, "a1001")));
        assert_eq!(log.lines().len(), MAX_LINES);
        assert_eq!(texts(&log)[..2], ["a1001", "a1002"], "a1000 scrolled away");
        assert!(
            !log.add(received(1, 999, "a999")),
            "older than every line kept: it scrolls away at once"
        );
        assert_eq!(texts(&log)[..2], ["a1001", "a1002"]);
        assert!(log.add(received(2, 5_000, "newest")));
        assert_eq!(log.lines().len(), MAX_LINES);
        assert_eq!(texts(&log)[..2], ["a1002", "other"]);
        assert_eq!(texts(&log)[MAX_LINES - 1], "newest");
    }

    #[test]
    fn shared_lines_go_by_time_and_the_authors_own_message_replaces_them() {
        let mut log = Log::default();
        let at = |mut line: Line, ms: u64| {
            line.sent_at_ms = ms;
            line
        };
        log.add(at(received(1, 1, "live"), 50));
        let shared = |id: u8, ms: u64, text: &str| Line {
            msg_id: MsgId([id; 16]),
            author_key: Some(vec![id; 48]),
            by_key: Some(vec![id; 48]),
            shared_by: Some("Bo".into()),
            ..at(received(2, 0, text), ms)
        };
        log.add_shared(shared(7, 40, "older"));
        log.add_shared(shared(8, 60, "newer"));
        log.add_shared(shared(8, 45, "other copy"));
        assert_eq!(texts(&log), ["older", "other copy", "live", "newer"]);
        log.drop_shared(&shared(8, 60, "newer"));
        assert_eq!(
            texts(&log),
            ["older", "other copy", "live"],
            "the same copy goes"
        );
        assert!(
            !log.has(&MsgId([8; 16]), Some(&[8; 48])),
            "shared lines do not count"
        );
        let mut other = shared(7, 40, "older");
        other.author_key = Some(vec![9; 48]);
        log.drop_shared(&other);
        assert_eq!(
            texts(&log),
            ["older", "other copy", "live"],
            "another author's stays"
        );
        log.drop_shared(&shared(8, 45, "other text"));
        assert_eq!(
            texts(&log),
            ["older", "other copy", "live"],
            "another text stays"
        );
        log.remove(1);
        assert_eq!(texts(&log), ["older", "live"]);
    }
}
