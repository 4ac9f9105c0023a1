//! A room kept on this device (docs/PROTOCOL.md K.1): what the app stores to come back to a room
//! after a reload, a closed tab or a browser restart — its secret, the person's name in it, the
//! room's chat and each private conversation — and nothing of any file's bytes. The record here
//! is plaintext; the app seals it at rest under a key the browser will not hand out
//! (docs/SECURITY.md, "A kept room").
//!
//! The format is [`VERSION`] then the record in postcard. It is read back only by this app on
//! this device, so it can change with a new version byte; a record of another version is
//! refused, not guessed at.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroize;

use crate::conversation::{Arrival, Delivery, Line, MAX_LINES};
use crate::ids::MsgId;

/// The record's first byte.
pub const VERSION: u8 = 2;
/// Most lines kept of the room's chat and of each private conversation: what the page shows.
pub const MAX_KEPT_LINES: usize = MAX_LINES;
/// Most private conversations kept a room (the most members a room's group holds).
pub const MAX_KEPT_THREADS: usize = crate::group::rules::MAX_LEAVES;
/// Most bytes of text (messages and names) a record keeps: the oldest lines go first past it,
/// so a room flooded with long messages cannot grow a record without end.
pub const MAX_KEPT_TEXT: usize = 4 * 1024 * 1024;

/// Why a stored record cannot be read.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeepError {
    /// Written by another version of the app.
    #[error("kept by another version of Cutout ({0})")]
    Version(u8),
    /// Not a record this app wrote.
    #[error("the kept room is damaged")]
    Damaged,
}

/// One line as kept: a message, or a line about someone arriving, leaving or being removed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptLine {
    /// The message id (an arrival's own, for a line about someone).
    pub msg_id: MsgId,
    /// The author's name as shown.
    pub author: String,
    /// The author's leaf identity (`ik ‖ device_id`), when known.
    pub author_key: Option<Vec<u8>>,
    /// The text (a removal's: who removed them).
    pub text: String,
    /// The author's clock when sent.
    pub sent_at_ms: u64,
    /// 0 pending (ours, not confirmed), 1 sent (ours), 2 received.
    pub delivery: u8,
    /// `None` for a message; 0 here, 1 left, 2 removed.
    pub arrival: Option<u8>,
    /// For a removal, the remover's leaf identity; for a shared message, the sharer's.
    pub by_key: Option<Vec<u8>>,
    /// For a message shared from the room's history (R.12), who shared it.
    pub shared_by: Option<String>,
}

impl From<&Line> for KeptLine {
    fn from(line: &Line) -> Self {
        Self {
            msg_id: line.msg_id,
            author: line.author.clone(),
            author_key: line.author_key.clone(),
            text: line.text.clone(),
            sent_at_ms: line.sent_at_ms,
            delivery: match line.delivery {
                Delivery::Pending => 0,
                Delivery::Sent => 1,
                Delivery::Received => 2,
            },
            arrival: line.arrival.map(|a| match a {
                Arrival::Here => 0,
                Arrival::Left => 1,
                Arrival::Removed => 2,
            }),
            by_key: line.by_key.clone(),
            shared_by: line.shared_by.clone(),
        }
    }
}

impl KeptLine {
    /// The line again, without a session (connections do not outlive the page).
    pub fn to_line(&self) -> Line {
        Line {
            msg_id: self.msg_id,
            author: self.author.clone(),
            session: None,
            author_key: self.author_key.clone(),
            seq: None,
            text: self.text.clone(),
            sent_at_ms: self.sent_at_ms,
            delivery: match self.delivery {
                0 => Delivery::Pending,
                1 => Delivery::Sent,
                _ => Delivery::Received,
            },
            arrival: self.arrival.map(|a| match a {
                0 => Arrival::Here,
                1 => Arrival::Left,
                _ => Arrival::Removed,
            }),
            by_key: self.by_key.clone(),
            shared_by: self.shared_by.clone(),
        }
    }
}

/// A private conversation as kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptThread {
    /// The other member's leaf identity when it was last written to.
    pub peer: Vec<u8>,
    /// Their name.
    pub name: String,
    /// Their messages not read yet.
    pub unread: u32,
    /// The conversation, oldest first.
    pub lines: Vec<KeptLine>,
}

/// A room as kept on this device.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptRoom {
    /// The room's secret now (it changes when the room moves, R.8).
    pub secret: [u8; 32],
    /// The person's name in the room.
    pub name: String,
    /// When this record was written (this device's clock).
    pub saved_at_ms: u64,
    /// Who else was in the room when it was written, by name (for the home screen's list).
    pub members: Vec<String>,
    /// Room messages that arrived unseen (page hidden or room closed elsewhere).
    pub unread: u32,
    /// The room's chat, oldest first.
    pub lines: Vec<KeptLine>,
    /// The private conversations.
    pub threads: Vec<KeptThread>,
    /// The room passes newcomers its recent history (its settings as the member held them, R.1
    /// and R.12), so a group this device makes again has them too; `None` if it never knew
    /// them (it was never in a group).
    pub history_for_newcomers: Option<bool>,
}

impl std::fmt::Debug for KeptRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptRoom")
            .field("name", &self.name)
            .field("lines", &self.lines.len())
            .field("threads", &self.threads.len())
            .finish_non_exhaustive()
    }
}

impl Drop for KeptRoom {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

impl KeptRoom {
    /// The record as stored: [`VERSION`], then postcard. Bounded: at most [`MAX_KEPT_LINES`]
    /// lines of each conversation (the newest) and [`MAX_KEPT_THREADS`] conversations (the
    /// latest written to).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bounded = self.clone();
        bounded.bound();
        let mut out = vec![VERSION];
        // Serialising owned strings and vectors into a Vec cannot fail.
        out.extend(postcard::to_allocvec(&bounded).unwrap_or_default());
        out
    }

    /// A stored record read back.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeepError> {
        match bytes.split_first() {
            Some((&VERSION, rest)) => {
                let mut room: Self = postcard::from_bytes(rest).map_err(|_| KeepError::Damaged)?;
                room.bound();
                Ok(room)
            }
            Some((&other, _)) => Err(KeepError::Version(other)),
            None => Err(KeepError::Damaged),
        }
    }

    /// Every message kept, the room's and the private ones.
    pub fn message_count(&self) -> usize {
        let messages = |lines: &[KeptLine]| lines.iter().filter(|l| l.arrival.is_none()).count();
        messages(&self.lines)
            + self
                .threads
                .iter()
                .map(|t| messages(&t.lines))
                .sum::<usize>()
    }

    /// Private messages not read yet.
    pub fn private_unread(&self) -> u32 {
        self.threads.iter().map(|t| t.unread).sum()
    }

    fn bound(&mut self) {
        keep_newest(&mut self.lines);
        // Latest written to first, by the authors' clocks (one member's clock set ahead keeps
        // that member's conversation, which is one of 128).
        self.threads
            .sort_by_key(|t| std::cmp::Reverse(t.lines.last().map_or(0, |l| l.sent_at_ms)));
        self.threads.truncate(MAX_KEPT_THREADS);
        for thread in &mut self.threads {
            keep_newest(&mut thread.lines);
        }
        // Past the text budget, the oldest line of whichever conversation holds most goes.
        let mut total: usize = self.conversations().map(|c| text_of(c)).sum();
        while total > MAX_KEPT_TEXT {
            let Some(largest) = self.conversations_mut().max_by_key(|c| text_of(c)) else {
                break;
            };
            if largest.is_empty() {
                break;
            }
            total -= line_text(&largest.remove(0));
        }
    }

    fn conversations(&self) -> impl Iterator<Item = &Vec<KeptLine>> {
        std::iter::once(&self.lines).chain(self.threads.iter().map(|t| &t.lines))
    }

    fn conversations_mut(&mut self) -> impl Iterator<Item = &mut Vec<KeptLine>> {
        std::iter::once(&mut self.lines).chain(self.threads.iter_mut().map(|t| &mut t.lines))
    }
}

fn keep_newest(lines: &mut Vec<KeptLine>) {
    let over = lines.len().saturating_sub(MAX_KEPT_LINES);
    lines.drain(..over);
}

fn line_text(line: &KeptLine) -> usize {
    line.text.len() + line.author.len()
}

fn text_of(lines: &[KeptLine]) -> usize {
    lines.iter().map(line_text).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u64) -> KeptLine {
        let mut id = [0; 16];
        id[..8].copy_from_slice(&n.to_be_bytes());
        KeptLine {
            msg_id: MsgId(id),
            author: "Ana".into(),
            author_key: Some(vec![7; 48]),
            text: format!("message {n}"),
            sent_at_ms: n,
            delivery: 2,
            arrival: None,
            by_key: None,
            shared_by: None,
        }
    }

    fn room(lines: u64) -> KeptRoom {
        KeptRoom {
            secret: [9; 32],
            name: "Bo".into(),
            saved_at_ms: 5,
            members: vec!["Ana".into()],
            unread: 3,
            lines: (0..lines).map(line).collect(),
            threads: vec![KeptThread {
                peer: vec![7; 48],
                name: "Ana".into(),
                unread: 1,
                lines: vec![line(1)],
            }],
            history_for_newcomers: Some(true),
        }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let kept = room(3);
        let back = KeptRoom::from_bytes(&kept.to_bytes()).unwrap();
        assert!(back == kept);
        assert_eq!(back.message_count(), 4);
        assert_eq!(back.private_unread(), 1);
    }

    #[test]
    fn only_the_newest_lines_are_kept() {
        let kept = room(MAX_KEPT_LINES as u64 + 25);
        let back = KeptRoom::from_bytes(&kept.to_bytes()).unwrap();
        assert_eq!(back.lines.len(), MAX_KEPT_LINES);
        assert_eq!(back.lines[0], line(25));
        assert_eq!(back.lines.last(), kept.lines.last());
    }

    #[test]
    fn a_flood_of_long_messages_keeps_the_newest_within_the_text_budget() {
        let mut kept = room(0);
        kept.lines = (0..600)
            .map(|n| KeptLine {
                text: "x".repeat(16 * 1024),
                ..line(n)
            })
            .collect();
        let back = KeptRoom::from_bytes(&kept.to_bytes()).unwrap();
        let text: usize = back.conversations().map(|c| text_of(c)).sum();
        assert!(text <= MAX_KEPT_TEXT, "{text}");
        assert!(back.lines.len() > 200);
        assert_eq!(back.lines.last(), kept.lines.last());
        // The private conversation, small, stays whole.
        assert_eq!(back.threads[0].lines.len(), 1);
    }

    #[test]
    fn another_version_or_damage_is_refused() {
        let mut bytes = room(2).to_bytes();
        bytes[0] = 1;
        assert_eq!(KeptRoom::from_bytes(&bytes), Err(KeepError::Version(1)));
        assert_eq!(KeptRoom::from_bytes(&[]), Err(KeepError::Damaged));
        let good = room(2).to_bytes();
        assert_eq!(
            KeptRoom::from_bytes(&good[..good.len() / 2]),
            Err(KeepError::Damaged)
        );
    }

    #[test]
    fn lines_survive_the_round_trip_through_kept_lines() {
        let line = line(4).to_line();
        assert_eq!(KeptLine::from(&line).to_line(), line);
    }
}
