//! What the room state machine ([`crate::room::Room`]) hands back to the app: payloads to send
//! through the relay, and events to show. Keeping these plain data is what makes the machine
//! sans-IO.

use thiserror::Error;
use wire::MemberId;

use crate::body::{BodyError, Chat, FileCtrl, FileOffer};
use crate::envelope::SealError;
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
    /// Display name.
    pub name: String,
    /// Page-load id.
    pub device_id: DeviceId,
    /// Shown online?
    pub online: bool,
    /// Is this entry oneself?
    pub is_self: bool,
}

/// Why the room could not send.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum SendError {
    /// No WELCOME yet: the member id, and so Join, is unknown.
    #[error("not joined yet")]
    NotJoined,
    /// The body is invalid (e.g. a name or text over its limit).
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The envelope could not be sealed.
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// For each member, a short tag of its identity key where another listed member has the same
/// name under another identity, so that two people called Alice are told apart on screen;
/// `None` where the name alone is unambiguous.
pub fn name_tags(members: &[Member]) -> Vec<Option<String>> {
    members
        .iter()
        .map(|member| {
            let shared = members
                .iter()
                .any(|other| other.name == member.name && other.identity != member.identity);
            shared.then(|| crate::hex::encode(&member.identity[..4]))
        })
        .collect()
}
