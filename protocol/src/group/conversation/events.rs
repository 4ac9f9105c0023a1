//! What the machine's events do to a [`GroupConversation`]: lines in the room's log and in
//! private threads, who arrived, left or was removed, the room's move, and what the file side
//! must hear.

use wire::MemberId;

use super::history::ARRIVAL_ID;
use super::{GroupChanges, GroupConversation};
use crate::body::{Chat, MAX_CHAT_TEXT_LEN};
use crate::conversation::ComposeError;
use crate::conversation::log::Log;
use crate::conversation::{Arrival, Delivery, Line};
use crate::entropy::Entropy;
use crate::group::body::GroupBody;
use crate::group::credential::MemberCredential;
use crate::group::machine::GroupEvent;
use crate::ids::{MsgId, SenderId};
use crate::keys::{RoomKeys, RoomSecret};

/// A private conversation as shown: its log and how many of its messages are unread.
#[derive(Debug, Default)]
pub struct Thread {
    pub(super) log: Log,
    pub(super) unread: usize,
}

impl Thread {
    /// The lines, oldest first.
    pub fn lines(&self) -> &[Line] {
        self.log.lines()
    }

    /// Messages from the other not yet read.
    pub fn unread(&self) -> usize {
        self.unread
    }
}

impl GroupConversation {
    pub(super) fn event(&mut self, event: GroupEvent, now_ms: u64, changes: &mut GroupChanges) {
        match event {
            GroupEvent::Joined { welcomed } => {
                if welcomed {
                    self.arrived(now_ms);
                }
                changes.members = true;
            }
            GroupEvent::MembersChanged | GroupEvent::Rejoining => changes.members = true,
            GroupEvent::MemberAdded { identity } => self.sharing.added(identity, now_ms),
            GroupEvent::Private {
                with,
                body: GroupBody::History(lines),
                ..
            } => self.take_history(&with, lines, now_ms, changes),
            GroupEvent::SignatureNeeded => changes.sign = true,
            GroupEvent::Message {
                from,
                session,
                credential,
                body: GroupBody::Chat(chat),
                ..
            } => {
                if chat.msg_id.as_bytes().starts_with(ARRIVAL_ID) {
                    changes.dropped += 1;
                    self.dropped += 1;
                    return;
                }
                let line = received(&credential, from, session, chat);
                self.log.drop_shared(&line);
                if self.log.has(&line.msg_id, line.author_key.as_deref()) {
                    return;
                }
                if self.log.add(line.clone()) {
                    changes.arrived.push(line);
                }
                changes.lines = true;
            }
            GroupEvent::Private {
                with,
                from,
                session,
                body: GroupBody::Chat(chat),
                ..
            } => {
                if chat.msg_id.as_bytes().starts_with(ARRIVAL_ID) {
                    changes.dropped += 1;
                    self.dropped += 1;
                    return;
                }
                let peer = with.leaf_identity();
                let line = received(&with, from, session, chat);
                let thread = self.threads.entry(peer.clone()).or_default();
                if thread.log.has(&line.msg_id, line.author_key.as_deref()) {
                    return;
                }
                if thread.log.add(line.clone()) {
                    thread.unread += 1;
                    changes.arrived_private.push((with.name().to_owned(), line));
                }
                changes.threads.push(peer);
            }
            GroupEvent::MemberRemoved { who, by } => {
                let keys = (Some(who.leaf_identity()), Some(by.leaf_identity()));
                self.note(who.name(), keys, by.name(), Arrival::Removed, now_ms);
                changes.lines = true;
                changes.members = true;
            }
            GroupEvent::Removed { by } => {
                self.removed = true;
                changes.removed = Some(by.map(|c| c.name().to_owned()));
                changes.members = true;
            }
            GroupEvent::Moved(secret) => {
                let secret = RoomSecret::from_bytes(secret.0);
                self.machine.move_to(&secret);
                self.keys = RoomKeys::derive(&secret);
                self.secret = secret.clone();
                changes.moved = Some(secret);
            }
            // Files, in the room or private: the file side's.
            event @ (GroupEvent::Message { .. }
            | GroupEvent::Private { .. }
            | GroupEvent::Chunk { .. }) => changes.files.push(event),
        }
    }

    /// Lines for who arrived and who left, at `now_ms` on this member's clock.
    pub(super) fn tell_arrivals(&mut self, now_ms: u64, changes: &mut GroupChanges) {
        let members = self.members();
        for (arrival, name) in self.presence.changes(&members) {
            self.note(&name, (None, None), "", arrival, now_ms);
            changes.lines = true;
        }
    }

    /// A line about someone (no message), with their leaf identity and, for a removal, the
    /// remover's: `text` says more where the kind needs it.
    fn note(
        &mut self,
        name: &str,
        (author_key, by_key): (Option<Vec<u8>>, Option<Vec<u8>>),
        text: &str,
        arrival: Arrival,
        now_ms: u64,
    ) {
        self.arrivals += 1;
        // Ids of their own, which no message taken from anyone has, and these lines never go
        // on the wire.
        let mut id = [0; 16];
        id[..8].copy_from_slice(ARRIVAL_ID);
        id[8..].copy_from_slice(&self.arrivals.to_be_bytes());
        self.log.add(Line {
            msg_id: MsgId(id),
            author: name.to_owned(),
            session: None,
            author_key,
            seq: None,
            text: text.to_owned(),
            sent_at_ms: now_ms,
            delivery: Delivery::Received,
            arrival: Some(arrival),
            by_key,
            shared_by: None,
        });
    }
}

/// A line for a chat message from someone else.
fn received(
    author: &MemberCredential,
    from: MemberId,
    session: Option<SenderId>,
    chat: Chat,
) -> Line {
    Line {
        msg_id: chat.msg_id,
        author: author.name().to_owned(),
        session: Some((from, session.unwrap_or(SenderId([0; 16])))),
        author_key: Some(author.leaf_identity()),
        seq: None,
        text: chat.text,
        sent_at_ms: chat.sent_at_ms,
        delivery: Delivery::Received,
        arrival: None,
        by_key: None,
        shared_by: None,
    }
}

/// A chat message from what the person typed, or why not.
pub(super) fn compose(
    text: &str,
    now_ms: u64,
    entropy: &mut dyn Entropy,
) -> Result<Chat, ComposeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ComposeError::Empty);
    }
    if text.len() > MAX_CHAT_TEXT_LEN {
        return Err(ComposeError::TooLong);
    }
    Ok(Chat {
        msg_id: MsgId::random(entropy),
        sent_at_ms: now_ms,
        text: text.to_owned(),
    })
}
