//! What an input to a [`super::GroupConversation`] changed, for the page to act on.

use crate::conversation::Line;
use crate::group::machine::GroupEvent;
use crate::keys::RoomSecret;

/// What changed after an input.
#[derive(Debug, Default)]
pub struct GroupChanges {
    /// Client frames to write, in order.
    pub frames: Vec<Vec<u8>>,
    /// The room's chat log changed.
    pub lines: bool,
    /// A private conversation's log changed (its peer's leaf identity).
    pub threads: Vec<Vec<u8>>,
    /// The member list changed.
    pub members: bool,
    /// The identity must sign [`super::GroupConversation::credential_request`].
    pub sign: bool,
    /// Messages from others that arrived in the room (for announcements and the unread count).
    pub arrived: Vec<Line>,
    /// Private messages that arrived, with whom.
    pub arrived_private: Vec<(String, Line)>,
    /// Earlier messages of the room someone shared (R.12): who, and how many were taken.
    pub shared: Option<(String, usize)>,
    /// This member was removed (by whom, when known): the room is over for it.
    pub removed: Option<Option<String>>,
    /// The room moved (R.8): its new secret; reconnect, and show its invite.
    pub moved: Option<RoomSecret>,
    /// Application messages and payloads the machine could not read, dropped.
    pub dropped: u64,
    /// Room events for the file side, in order.
    pub files: Vec<GroupEvent>,
}
