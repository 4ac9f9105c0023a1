//! What a room member knows about one other sender session: its key and replay window, its
//! liveness (PROTOCOL.md B.3) and the envelopes held back until it is live (PROTOCOL.md B.2).

use std::collections::VecDeque;

use wire::MemberId;

use crate::envelope::Kind;
use crate::identity::session::Certificate;
use crate::ids::{Challenge, DeviceId};
use crate::keys::AeadKey;
use crate::replay::ReplayWindow;

/// How long envelopes of a not-yet-live sender are held before being dropped (PROTOCOL.md B.2).
pub const LIVENESS_BUFFER_MS: u64 = 5_000;

/// Most envelopes held for one not-yet-live sender; more are dropped at once, so a hostile
/// member cannot grow the buffer without bound.
pub const LIVENESS_BUFFER_ENVELOPES: usize = 32;

/// Most bytes of envelope bodies held for all not-yet-live senders of a room together: what an
/// honest newcomer sends before its Ack lands is a few small messages, and many sessions opened
/// by one insider must not add up to what a phone cannot hold.
pub const LIVENESS_BUFFER_BYTES: usize = 2 << 20;

/// Most sender sessions kept for one member id (one connection): an honest connection has one
/// (a member id may be reused by a later connection, beside the earlier one's departed entry),
/// so an insider cannot fill the room's table with live sessions of its own.
pub const SESSIONS_PER_MEMBER: usize = 2;

/// How long a challenge can be answered (PROTOCOL.md B.3): a Here is acked only within this
/// long of the Join it echoes, and an Ack is accepted only within this long of the Here.
pub const CHALLENGE_MS: u64 = 15_000;

/// The Here this member sent to a session's Join.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Answered {
    /// Our `d_M`, and when we sent it.
    pub(crate) here: Sent,
    /// The seq of the Join it answered.
    pub(crate) join_seq: u64,
    /// The Join's challenge `c_J`.
    pub(crate) join_challenge: Challenge,
}

/// A challenge this member sent, and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sent {
    pub(crate) challenge: Challenge,
    pub(crate) at_ms: u64,
}

impl Sent {
    /// True if `echo` answers this challenge and it has not expired at `now_ms`.
    pub(crate) fn answered_by(&self, echo: &Challenge, now_ms: u64) -> bool {
        *echo == self.challenge && now_ms.saturating_sub(self.at_ms) <= CHALLENGE_MS
    }
}

/// Name and device as announced in Join or Here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Profile {
    pub(crate) name: String,
    pub(crate) device_id: DeviceId,
}

/// Where a sender stands in the handshake of PROTOCOL.md B.3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Liveness {
    /// Not live. `here` is the `d_M` this member sent in its Here, with the Join it answered:
    /// its seq (which becomes the baseline once an Ack echoes `d_M` in time) and its challenge
    /// (which the Ack's signature covers).
    Pending { here: Option<Answered> },
    /// Live; `online` turns false after 60 s of silence and back on the next envelope.
    Live { online: bool },
    /// The relay said LEFT for its member id. Shown offline; kept, so its window still rejects
    /// replays. The relay's word is not authenticated: an authentic envelope from the session
    /// afterwards makes it pending again, and the two meet afresh (PROTOCOL.md B.3, a relay must
    /// not split the room for good).
    Left,
    /// Said Leave itself (authenticated). Kept, shown offline, so its window still rejects
    /// replays; nothing from it is acted on again.
    Gone,
}

/// An authenticated envelope waiting for its sender to become live.
#[derive(Clone, Debug)]
pub(crate) struct Held {
    pub(crate) seq: u64,
    pub(crate) kind: Kind,
    pub(crate) body: Vec<u8>,
    pub(crate) received_ms: u64,
}

/// One other sender session in the room.
#[derive(Debug)]
pub(crate) struct Peer {
    pub(crate) key: AeadKey,
    pub(crate) window: ReplayWindow,
    /// The DELIVER `from` of its first authentic envelope; envelopes from any other member id
    /// are rejected, since one session is one connection.
    pub(crate) member_id: MemberId,
    pub(crate) liveness: Liveness,
    pub(crate) profile: Option<Profile>,
    pub(crate) last_heard_ms: u64,
    pub(crate) held: VecDeque<Held>,
    /// The fresh challenge this member last sent this session alone (a Join by SEND_TO), when
    /// it heard from the session before meeting it: after a Join, Here or Ack was lost or came
    /// too late (PROTOCOL.md B.3, "must not split the room for good").
    pub(crate) asked: Option<Sent>,
    /// Its certificate, from its first signed Join or Here that checked; a session's
    /// certificate never changes.
    pub(crate) cert: Option<Certificate>,
    /// When we last answered a Join of this session while it was live (at most once per
    /// challenge lifetime).
    pub(crate) answered_live_ms: Option<u64>,
}

impl Peer {
    pub(crate) fn new(key: AeadKey, member_id: MemberId, now_ms: u64) -> Self {
        Self {
            key,
            window: ReplayWindow::default(),
            member_id,
            liveness: Liveness::Pending { here: None },
            profile: None,
            last_heard_ms: now_ms,
            held: VecDeque::new(),
            asked: None,
            cert: None,
            answered_live_ms: None,
        }
    }

    pub(crate) fn is_live(&self) -> bool {
        matches!(self.liveness, Liveness::Live { .. })
    }

    /// Bytes of the envelope bodies held.
    pub(crate) fn held_bytes(&self) -> usize {
        self.held.iter().map(|held| held.body.len()).sum()
    }

    /// Holds an envelope until the sender is live; drops it if the buffer is full.
    pub(crate) fn hold(&mut self, held: Held) {
        if self.held.len() < LIVENESS_BUFFER_ENVELOPES {
            self.held.push_back(held);
        }
    }

    /// Drops held envelopes older than [`LIVENESS_BUFFER_MS`].
    pub(crate) fn expire_held(&mut self, now_ms: u64) {
        self.held
            .retain(|held| now_ms.saturating_sub(held.received_ms) < LIVENESS_BUFFER_MS);
    }

    /// Makes the sender live with `baseline`, returning the held envelopes at or above it, in
    /// arrival order; the rest are dropped.
    pub(crate) fn go_live(&mut self, baseline: u64) -> Vec<Held> {
        self.window.set_baseline(baseline);
        self.liveness = Liveness::Live { online: true };
        self.asked = None;
        self.held
            .drain(..)
            .filter(|held| held.seq >= baseline)
            .collect()
    }
}
