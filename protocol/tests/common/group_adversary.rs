//! Adversaries for the v2 room tests (group_attacks.rs): a relay that injects, replays and
//! reorders frames of a [`GroupRelay`], and an insider that holds the room secret `S` (so it
//! can make KNOCK, STATUS and ANSWER payloads that check) but runs no honest client.

use protocol::MemberId;
use protocol::group::GroupId;
use protocol::group::join::{Ends, Ephemeral, JoinChannel, JoinKeys, Payload, kind};
use protocol::group::machine::{Out, Output};
use protocol::keys::{RoomKeys, RoomSecret};

use super::group_relay::{Frame, GroupRelay};

/// The room's `K_join`, as anyone holding the invite derives it.
pub fn join_keys(secret: &RoomSecret) -> JoinKeys {
    JoinKeys::derive(&RoomKeys::derive(secret))
}

/// The kind byte of a v2 payload.
pub fn kind_of(payload: &[u8]) -> Option<u8> {
    (payload.first() == Some(&0x02)).then(|| payload.get(1).copied()).flatten()
}

impl GroupRelay {
    /// The relay hands `to` a DELIVER from `from` (any id it likes) after everything queued.
    pub fn inject(&mut self, to: MemberId, from: MemberId, payload: Vec<u8>) {
        self.queue.push_back((to, Frame::Deliver(from, payload)));
    }

    /// The relay hands `to` a DELIVER from `from` before everything queued.
    pub fn inject_first(&mut self, to: MemberId, from: MemberId, payload: Vec<u8>) {
        self.queue.push_front((to, Frame::Deliver(from, payload)));
    }

    /// A person's wire id.
    pub fn wire(&self, who: usize) -> MemberId {
        self.people[who].wire.expect("not connected")
    }

    /// `who` writes this payload as a BROADCAST (through its own connection: a modified client).
    pub fn broadcast_as(&mut self, who: usize, payload: Vec<u8>) {
        self.handle(
            who,
            Output {
                out: vec![Out::Broadcast(payload)],
                events: Vec::new(),
            },
        );
    }

    /// Every recorded payload of this kind.
    pub fn recorded(&self, kind: u8) -> Vec<Vec<u8>> {
        self.recording
            .iter()
            .filter(|p| kind_of(p) == Some(kind))
            .cloned()
            .collect()
    }

    /// Steps until `pred` holds of the queue; panics if the room settles first.
    pub fn step_until(&mut self, mut pred: impl FnMut(&GroupRelay) -> bool) {
        let mut steps = 0;
        while !pred(self) {
            assert!(self.step(), "the room settled before the moment wanted");
            steps += 1;
            assert!(steps < 100_000);
        }
    }

    /// Whether the next frame for `to` is a DELIVER of a payload of `kind`.
    pub fn next_for_is(&self, to: MemberId, kind: u8) -> bool {
        self.queue
            .iter()
            .find(|(t, _)| *t == to)
            .is_some_and(|(_, f)| matches!(f, Frame::Deliver(_, p) if kind_of(p) == Some(kind)))
    }
}

/// An insider that answers knocks itself, ignoring who is designated (R.5).
pub struct RogueAnswerer {
    pub keys: JoinKeys,
    pub me: MemberId,
}

impl RogueAnswerer {
    /// An ANSWER to the KNOCK `knock` from `n`, naming `group` at `epoch`.
    pub fn answer(
        &self,
        n: MemberId,
        knock: &[u8],
        group: GroupId,
        epoch: u64,
        entropy: &mut dyn protocol::entropy::Entropy,
    ) -> Option<(JoinChannel, Vec<u8>)> {
        let Some(Ok(Payload::Knock { e_n, .. })) = Payload::parse(knock) else {
            return None;
        };
        let eph = Ephemeral::generate(entropy);
        let ends = Ends {
            n,
            d: self.me,
            e_n,
            e_d: eph.public(),
        };
        let channel = JoinChannel::derive(&self.keys, &eph, ends)?;
        let answer = channel.answer(group, epoch).ok()?;
        Some((channel, answer))
    }
}

/// Whether a payload is a KNOCK.
pub fn is_knock(payload: &[u8]) -> bool {
    kind_of(payload) == Some(kind::KNOCK)
}
