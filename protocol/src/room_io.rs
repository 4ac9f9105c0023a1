//! What the room state machine ([`crate::room::Room`]) hands back to the app: payloads to send
//! through the relay, and events to show. Keeping these plain data is what makes the machine
//! sans-IO.

use thiserror::Error;
use wire::MemberId;

use crate::body::{BodyError, Chat, FileCtrl, FileOffer};
use crate::envelope::SealError;
use crate::identity::PublicIdentity;
use crate::ids::{DeviceId, SenderId};

/// A wire payload the app must send: in a BROADCAST or a SEND_TO frame (PROTOCOL.md A).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// Send as BROADCAST.
    Broadcast(Vec<u8>),
    /// Send as SEND_TO this member.
    SendTo(MemberId, Vec<u8>),
}

/// Something the app should show or act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The member list changed (someone came online, went offline, or was replaced by a
    /// reconnect); read [`crate::room::Room::members`] again.
    MembersChanged,
    /// A chat message, shown once per msg_id.
    Chat {
        /// The connection it came on (the relay's member id).
        from: MemberId,
        /// The sending session.
        sender: SenderId,
        /// Its display name at the time.
        name: String,
        /// The envelope's seq within `sender`'s session: the replay window accepts a late
        /// envelope (PROTOCOL.md B.2), so the log orders a session's messages by it.
        seq: u64,
        /// The message.
        chat: Chat,
    },
    /// A file offer from a live member (structurally valid; see [`crate::stream`] for the rest).
    FileOffer {
        /// The offering member's wire id (chunks must come from it).
        from: MemberId,
        /// The offering session.
        sender: SenderId,
        /// The offer.
        offer: FileOffer,
    },
    /// File control from a live member.
    FileCtrl {
        /// The member's wire id.
        from: MemberId,
        /// The session.
        sender: SenderId,
        /// The message.
        ctrl: FileCtrl,
    },
    /// A file chunk frame (kind 0x04); hand it to [`crate::stream_receive::FileReceiver`].
    FileChunk {
        /// The DELIVER `from`.
        from: MemberId,
        /// The whole chunk frame.
        frame: Vec<u8>,
    },
}

/// The result of one input to the room state machine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Payloads to send, in order.
    pub outgoing: Vec<Outgoing>,
    /// Events to show, in order.
    pub events: Vec<Event>,
}

impl Step {
    pub(crate) fn changed(&mut self) {
        if !self.events.contains(&Event::MembersChanged) {
            self.events.push(Event::MembersChanged);
        }
    }
}

/// One entry of the member list (oneself included, PROTOCOL.md B.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The member's sender session.
    pub sender: SenderId,
    /// Its wire id.
    pub member_id: MemberId,
    /// The identity key its session's certificate names (docs/PROTOCOL.md I).
    pub identity: [u8; 32],
    /// The whole identity that certificate names (checked), this entry's own: never looked up
    /// by sender id alone, which anyone holding the invite can put on an envelope.
    pub published: PublicIdentity,
    /// Display name.
    pub name: String,
    /// Page-load id.
    pub device_id: DeviceId,
    /// Shown online?
    pub online: bool,
    /// Is this entry oneself?
    pub is_self: bool,
    /// Its leaf in the room's group (docs/PROTOCOL.md part 2); `None` in a part-1 room.
    pub leaf: Option<u32>,
}

impl Member {
    /// Its leaf identity, `ik ‖ device_id` (R.2).
    pub fn leaf_identity(&self) -> Vec<u8> {
        [&self.identity[..], self.device_id.as_bytes()].concat()
    }
}

/// Why the room could not send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum SendError {
    /// No WELCOME yet: the member id, and so Join, is unknown.
    #[error("not joined yet")]
    NotJoined,
    /// The session has no certificate from the identity yet (docs/PROTOCOL.md I.2), so it
    /// cannot join.
    #[error("the session is not certified yet")]
    NotCertified,
    /// The body is invalid (e.g. a name or text over its limit).
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The envelope could not be sealed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// Hex digits of the identity key shown as a tag: 48 bits, so grinding a key whose tag matches
/// someone's costs about 2^48 key generations.
pub const TAG_BYTES: usize = 6;

/// For each member, a tag of its identity key where another listed member has a name that looks
/// the same under another identity, so that two people called Alice are told apart on screen;
/// `None` where the name alone is unambiguous. Names are compared by [`name_skeleton`].
pub fn name_tags(members: &[Member]) -> Vec<Option<String>> {
    let skeletons: Vec<String> = members.iter().map(|m| name_skeleton(&m.name)).collect();
    members
        .iter()
        .zip(&skeletons)
        .map(|(member, skeleton)| {
            let shared = members
                .iter()
                .zip(&skeletons)
                .any(|(other, theirs)| theirs == skeleton && other.identity != member.identity);
            shared.then(|| crate::hex::encode(&member.identity[..TAG_BYTES]))
        })
        .collect()
}

/// What a name looks like, for telling look-alikes apart: compatibility-normalised (NFKC), with
/// invisible characters (controls, zero-width and direction marks, soft hyphens) removed, white
/// space collapsed and case folded.
pub fn name_skeleton(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let invisible = |c: &char| {
        c.is_control()
            || matches!(
                *c,
                '\u{00ad}'
                    | '\u{034f}'
                    | '\u{061c}'
                    | '\u{115f}'
                    | '\u{1160}'
                    | '\u{17b4}'
                    | '\u{17b5}'
                    | '\u{180b}'..='\u{180f}'
                    | '\u{200b}'..='\u{200f}'
                    | '\u{202a}'..='\u{202e}'
                    | '\u{2060}'..='\u{206f}'
                    | '\u{3164}'
                    | '\u{fe00}'..='\u{fe0f}'
                    | '\u{feff}'
                    | '\u{ffa0}'
            )
    };
    let visible: String = name.nfkc().filter(|c| !invisible(c)).collect();
    visible
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_alike_have_one_skeleton() {
        let alike = [
            ("José", "Jose\u{301}"),
            ("alice", "alice\u{200b}"),
            ("Alice", "alice"),
            ("alice", " alice  "),
            ("ﬁona", "fiona"),
            ("bob", "b\u{00ad}ob"),
        ];
        for (a, b) in alike {
            assert_eq!(name_skeleton(a), name_skeleton(b), "{a:?} {b:?}");
        }
        assert_ne!(name_skeleton("alice"), name_skeleton("alicia"));
    }
}
