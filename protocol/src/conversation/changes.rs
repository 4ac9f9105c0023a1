//! What a [`super::Conversation`] tells the app after each input: the chat log's lines, what
//! changed (frames to write, what to redraw, messages to announce), and the events the file side
//! acts on.

use wire::MemberId;

use super::presence_log::Arrival;
use crate::body::{FileCtrl, FileOffer};
use crate::ids::{MsgId, SenderId};

/// Where one of our own messages stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Not yet confirmed by the relay (typed offline, or PONG still outstanding).
    Pending,
    /// The relay has it.
    Sent,
    /// A message from someone else.
    Received,
}

/// One line of the chat log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The message id (unique per message).
    pub msg_id: MsgId,
    /// Display name of the author.
    pub author: String,
    /// The author's session, as the room knows it: the connection it came on and its sender
    /// id (a sender id alone is in every envelope's clear header, so anyone can use it).
    pub session: Option<(MemberId, SenderId)>,
    /// In a v2 room, the author's leaf identity (`ik ‖ device_id`, docs/PROTOCOL.md R.2), from
    /// the credential MLS authenticated: what marks the line as its author is marked, also
    /// once they are gone. `None` in a part-1 room, for our own lines and for arrivals.
    pub author_key: Option<Vec<u8>>,
    /// The envelope's seq within that session: the log shows a session's messages in seq
    /// order (see `conversation/log.rs`). `None` for our own lines and arrivals.
    pub seq: Option<u64>,
    /// The text.
    pub text: String,
    /// The author's clock when sent (ms since the Unix epoch).
    pub sent_at_ms: u64,
    /// Ours (pending/sent) or theirs.
    pub delivery: Delivery,
    /// A message, or someone arriving or leaving (`author`; no text).
    pub arrival: Option<Arrival>,
    /// For a removal, the remover's leaf identity (as `author_key`), so the remover's name is
    /// marked as any author's is: a look-alike name cannot pass for someone verified; for a
    /// shared message, the sharer's.
    pub by_key: Option<Vec<u8>>,
    /// For a message shared with this newcomer from the room's history (R.12), who shared it;
    /// `by_key` is then the sharer's leaf identity. Its author and `author_key` are the sharer's
    /// word.
    pub shared_by: Option<String>,
}

/// What changed after an input, so a UI redraws only what it must.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Client frames to write to the WebSocket, in order.
    pub frames: Vec<Vec<u8>>,
    /// The chat log changed.
    pub lines: bool,
    /// The member list changed.
    pub members: bool,
    /// Messages from others that arrived (for screen-reader announcements).
    pub arrived: Vec<Line>,
    /// What the room's file transfers must hear, in order.
    pub files: Vec<FileEvent>,
}

/// What a room's file transfers (PROTOCOL.md B.4) must hear: file messages from live members,
/// and the changes of the connection that end transfers. The conversation decides nothing
/// about files; it hands these on in the order they happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileEvent {
    /// A file offer from a live member (structurally valid; see [`crate::stream`] for the rest).
    Offer {
        /// The offering member's wire id (chunks must come from it).
        from: MemberId,
        /// The offering session.
        sender: SenderId,
        /// The offer.
        offer: FileOffer,
    },
    /// File control from a live member.
    Ctrl {
        /// The member's wire id.
        from: MemberId,
        /// The session.
        sender: SenderId,
        /// The message.
        ctrl: FileCtrl,
    },
    /// A file chunk frame (kind 0x04).
    Chunk {
        /// The DELIVER `from`.
        from: MemberId,
        /// The whole chunk frame.
        frame: Vec<u8>,
    },
    /// WELCOME: the relay carries client payloads up to this many bytes (PROTOCOL.md A).
    Welcomed {
        /// The relay's payload limit.
        max_payload: u32,
    },
    /// LEFT: this member's connection ended, and with it its transfers.
    Left(MemberId),
    /// The connection dropped: every transfer ends, and the next connection's session is
    /// `sender`.
    ConnectionLost {
        /// This member's session on the next connection.
        sender: SenderId,
    },
}
