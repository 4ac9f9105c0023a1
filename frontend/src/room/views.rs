//! How the room's lines and members are drawn: plain values the screen's components read, made
//! from the conversation's lines and members (a line's author marked as the member list shows
//! them).

use protocol::MemberId;
use protocol::conversation::{Arrival, Delivery, Line};
use protocol::hex;
use protocol::identity::PublicIdentity;
use protocol::ids::SenderId;
use protocol::verified::Standing;

use crate::browser;

/// A chat line as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineView {
    /// Stable key, one per line ([`line_key`]).
    pub key: String,
    pub author: String,
    pub text: String,
    /// Local time, HH:MM.
    pub time: String,
    /// `pending`, `sent` or `received`.
    pub state: &'static str,
    pub mine: bool,
    /// For a line about someone arriving or leaving, what it says after their name.
    pub arrival: Option<&'static str>,
    /// The author's key tag, where another member has a name that looks the same.
    pub tag: Option<String>,
    /// The author as this device knows them: `verified`, `unverified` or `changed` (a
    /// verified person's name under another key); `mine` for this browser's own lines.
    pub standing: &'static str,
    /// The day this line starts, said before it ("Today", "Yesterday", a date), where the
    /// conversation spans more than today (`protocol::days`).
    pub day: Option<String>,
    /// For a removal, the remover as marked: their key tag and standing, as for an author; for
    /// a shared message, the sharer.
    pub by_marks: (Option<String>, &'static str),
    /// For a message shared from the room's history (R.12), who shared it.
    pub shared_by: Option<String>,
}

/// A member as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberView {
    /// Stable key, one per entry: its leaf in the room's group and its leaf identity.
    pub key: String,
    /// The session its messages come from (connection and sender id, [`member_key`]), to mark
    /// a line's author as this entry is marked.
    pub session: String,
    /// The member's key for private conversations and removal: its leaf identity (identity
    /// key and device id) in hex, the same across reconnects.
    pub peer: String,
    /// Its leaf in the room's group.
    pub leaf: Option<u32>,
    /// Its connection's wire id while online.
    pub wire: Option<protocol::MemberId>,
    /// Private messages from them not yet read.
    pub unread: usize,
    pub name: String,
    /// A short tag of the identity key, where another member has the same name.
    pub tag: Option<String>,
    pub online: bool,
    pub is_self: bool,
    /// The identity key its session's certificate names.
    pub identity: [u8; 32],
    /// The whole identity the certificate names (kept when they are verified, so that they
    /// are a contact for offline codes too, docs/PROTOCOL.md I.6).
    pub published: PublicIdentity,
    /// This browser's own identity: oneself, or another tab of this browser (nothing to verify).
    pub is_mine: bool,
    /// Verified on this device, not, or a verified person's name under another key.
    pub standing: Standing,
}

/// A member entry's key: its connection's member id and its sender id, the pair the room knows a
/// session by.
pub(crate) fn member_key(member: MemberId, sender: SenderId) -> String {
    format!("{:08x}{}", member.0, hex::encode(sender.as_bytes()))
}

/// The member entry of the leaf identity `leaf` (identity key and device id), if listed.
pub(crate) fn author_entry<'a>(leaf: &[u8], members: &'a [MemberView]) -> Option<&'a MemberView> {
    let peer = hex::encode(leaf);
    members.iter().find(|m| m.peer == peer)
}

/// How an author is marked, by their entry: `mine`, `verified`, `changed` (a verified person's
/// name under another key) or `unverified` (also for someone no longer listed).
pub(crate) fn standing(author: Option<&MemberView>) -> &'static str {
    match author.map(|m| (m.is_mine, &m.standing)) {
        Some((true, _)) => "mine",
        Some((false, Standing::Verified)) => "verified",
        Some((false, Standing::IdentityChanged { .. })) => "changed",
        _ => "unverified",
    }
}

/// A line's key, one per line: its msg_id, and for a received or shared message its author's
/// leaf identity and its sharer's (two authors may use one msg_id, and members may share
/// differing copies of one message, at most one each, R.12).
pub(crate) fn line_key(line: &Line) -> String {
    let mut key = hex::encode(line.msg_id.as_bytes());
    for part in [&line.author_key, &line.by_key].into_iter().flatten() {
        key.push('-');
        key.push_str(&hex::encode(part));
    }
    key
}

/// `line` as drawn, its author looked up in `members` (the list as last drawn).
pub(crate) fn line_view(line: &Line, members: &[MemberView]) -> LineView {
    // By connection and sender id together, as the room keys sessions: a sender id alone is in
    // every envelope's clear header, so anyone holding the invite can seal under it.
    // In a v2 room by the leaf identity MLS authenticated, which stays once they are gone.
    let author = match &line.author_key {
        // A shared message's author is the sharer's word: never marked as verified.
        Some(_) if line.shared_by.is_some() => None,
        Some(leaf) => author_entry(leaf, members),
        None => line
            .session
            .map(|(from, sender)| member_key(from, sender))
            .and_then(|key| members.iter().find(|m| m.session == key)),
    };
    let mine = line.delivery != Delivery::Received;
    let remover = line
        .by_key
        .as_deref()
        .and_then(|leaf| author_entry(leaf, members));
    LineView {
        by_marks: (remover.and_then(|m| m.tag.clone()), standing(remover)),
        shared_by: line.shared_by.clone(),
        day: None,
        tag: author.and_then(|m| m.tag.clone()),
        standing: if mine { "mine" } else { standing(author) },
        key: line_key(line),
        author: line.author.clone(),
        text: line.text.clone(),
        time: browser::local_time(line.sent_at_ms),
        state: match line.delivery {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Received => "received",
        },
        mine,
        arrival: line.arrival.map(|arrival| match arrival {
            Arrival::Here => "is here",
            Arrival::Left => "left",
            Arrival::Removed => "was removed",
        }),
    }
}
