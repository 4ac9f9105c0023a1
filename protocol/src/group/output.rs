//! What a room's state machine hands back (docs/PROTOCOL.md R.4–R.8): frames to write,
//! events to show, and the statements the identity must sign.

use wire::MemberId;

use super::PayloadError;
use super::body::{GroupBody, MovedSecret};
use super::credential::MemberCredential;
use crate::body::Body;
use crate::ids::SenderId;

/// Something to write to the relay, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Out {
    /// A BROADCAST of this payload.
    Broadcast(Vec<u8>),
    /// A SEND_TO of this payload.
    SendTo(MemberId, Vec<u8>),
    /// A PING with this nonce.
    Ping(u32),
}

/// Something the app should show or act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupEvent {
    /// This member is in the group now: made it, or was welcomed (`welcomed`).
    Joined {
        /// It came in by a Welcome.
        welcomed: bool,
    },
    /// The member list changed.
    MembersChanged,
    /// A commit added someone new to the group (not a member coming back under the same leaf
    /// identity, R.7).
    MemberAdded {
        /// Their leaf identity (`ik ‖ device_id`).
        identity: Vec<u8>,
    },
    /// The identity must sign [`crate::group::machine::Machine::credential_request`].
    SignatureNeeded,
    /// An application message from another member.
    Message {
        /// The sender's leaf.
        leaf: u32,
        /// The DELIVER `from`.
        from: MemberId,
        /// The sender's session on that connection, once its Hello or Here was read.
        session: Option<SenderId>,
        /// The epoch it was sent in.
        epoch: u64,
        /// The sender's credential.
        credential: MemberCredential,
        /// What it said.
        body: GroupBody,
    },
    /// A file chunk frame (shared B.4) from `from`, for the file side (R.9).
    Chunk {
        /// The DELIVER `from`.
        from: MemberId,
        /// The whole payload.
        frame: Vec<u8>,
    },
    /// Someone removed someone.
    MemberRemoved {
        /// Who was removed.
        who: MemberCredential,
        /// Who removed them.
        by: MemberCredential,
    },
    /// This member was removed from the group.
    Removed {
        /// By whom, when known.
        by: Option<MemberCredential>,
    },
    /// The room moved to a new secret (R.8): reconnect to its room.
    Moved(MovedSecret),
    /// This member found its group behind another and is joining again (R.7).
    Rejoining,
    /// A message of a private conversation (R.10).
    Private {
        /// The other member, as the room knows them.
        with: MemberCredential,
        /// The DELIVER `from`.
        from: MemberId,
        /// Their session on that connection, once known.
        session: Option<SenderId>,
        /// The private group's id.
        group: super::credential::GroupId,
        /// The epoch it was sent in.
        epoch: u64,
        /// What they said.
        body: GroupBody,
    },
}

/// The result of one input.
#[derive(Debug, Default)]
pub struct Output {
    /// Frames to write, in order.
    pub out: Vec<Out>,
    /// Events, in order.
    pub events: Vec<GroupEvent>,
    /// The input could not be read and was dropped (count it); what is above still goes out
    /// (a member that cannot read a message asks where its sender is).
    pub dropped: bool,
}

impl Output {
    pub(crate) fn send(&mut self, to: Option<MemberId>, payload: Vec<u8>) {
        self.out.push(match to {
            Some(to) => Out::SendTo(to, payload),
            None => Out::Broadcast(payload),
        });
    }

    pub(crate) fn event(&mut self, event: GroupEvent) {
        if event != GroupEvent::MembersChanged || !self.events.contains(&event) {
            self.events.push(event);
        }
    }
}

/// What the identity must sign: a credential for a leaf (R.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRequest {
    /// The statement to sign.
    pub statement: Vec<u8>,
    pub(crate) serial: u64,
}

/// Why a signature was not taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertifyError {
    /// Not for the credential now waited for (an earlier attempt's).
    #[error("a signature for an earlier request")]
    Stale,
    /// The signature does not verify.
    #[error("the signature does not verify")]
    Invalid,
}
/// Encodes an application body.
pub(crate) fn encode_body(body: &GroupBody) -> Result<Vec<u8>, PayloadError> {
    body.encode().map_err(|_| PayloadError)
}
