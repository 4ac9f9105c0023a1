//! Where each receiver of an offer stands: its state for progress displays, and, inside the
//! sender, the next chunk to send it and the chunks it acknowledged (the in-flight count).

use wire::MemberId;

/// Where one receiver of an offer stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiverState {
    /// Accepted; this many chunks acknowledged so far.
    Receiving {
        /// Chunks acknowledged.
        acked: u32,
    },
    /// Every chunk acknowledged.
    Done,
    /// Declined the offer.
    Declined,
    /// Cancelled the transfer (or its receiver found a bad chunk).
    Cancelled,
    /// Left the room before the end.
    Left,
}

/// One receiver of an offer, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiverProgress {
    /// The receiving member.
    pub member: MemberId,
    /// Its state.
    pub state: ReceiverState,
    /// Bytes it has acknowledged.
    pub bytes: u64,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Progress {
    pub(super) next_to_send: u32,
    pub(super) acked: u32,
    pub(super) state: ReceiverState,
}

impl Progress {
    pub(super) fn receiving(&self) -> bool {
        matches!(self.state, ReceiverState::Receiving { .. })
    }

    pub(super) fn in_flight(&self) -> u32 {
        if self.receiving() {
            self.next_to_send - self.acked
        } else {
            0
        }
    }
}
