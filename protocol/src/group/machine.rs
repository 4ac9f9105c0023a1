//! A v2 room as one member's state machine (docs/PROTOCOL.md R.4–R.8): getting into the group
//! (creating it, or knocking and being added), committing for others, keeping up with the
//! group's epoch, presence, and removals. Sans-IO like part 1's `Room`: relay frames, time,
//! randomness and the identity's signatures in; payloads, PINGs and events out.

use std::collections::BTreeSet;

use wire::MemberId;

use super::body::GroupBody;
use super::credential::GroupId;
use super::join::{Ephemeral, JoinChannel, JoinKeys, Payload};
use super::member::{Gone, GroupMember};
pub use super::output::{CertifyError, CredentialRequest, GroupEvent, Out, Output};

mod certify;
mod joining;
mod private;

use super::mls::{Device, LeafKey};
use super::settings::RoomSettings;
use crate::entropy::Entropy;
use crate::identity::PublicIdentity;
use crate::ids::{DeviceId, SenderId};
use crate::keys::{RoomKeys, RoomSecret};
use private::Privates;

/// A knock attempt that has not brought a Welcome by then is given up for the next (R.4).
pub const KNOCK_TIMEOUT_MS: u64 = 5_000;
/// Knocking this long without hearing of any group: make one (R.7 merges what results).
pub const LONELY_KNOCKING_MS: u64 = 15_000;
/// A member that heard of a greater group tries this many attempts to get into it, keeping its
/// own group meanwhile (R.7)...
pub const REJOIN_ATTEMPTS: u8 = 3;
/// ...and, if none worked, doubts greater STATUS claims for this long.
pub const REJOIN_DOUBT_MS: u64 = 60_000;
/// Answerers that answered and then let an attempt run out, passed over until this member is in
/// a group (a bound, not a rule of the protocol).
const MAX_SHUNNED: usize = 64;

/// A leaf waiting for its credential.
struct Unsigned {
    group: GroupId,
    key: LeafKey,
    request: CredentialRequest,
}

/// One knock attempt (R.4).
struct Knock {
    attempt: u8,
    eph: Ephemeral,
    started_ms: u64,
    answer: Option<Box<Answered>>,
}

struct Answered {
    channel: JoinChannel,
    group: GroupId,
    unsigned: Option<Unsigned>,
    device: Option<Device>,
}

enum Phase {
    /// In no group (knocking, if `Machine::knock` says so).
    Outside,
    /// Alone in the room: making the group, waiting for the credential's signature.
    Creating(Box<Unsigned>),
    /// In the group (and, with a knock under way, asking into a greater one, R.7).
    Member(Box<GroupMember>),
    /// Removed: the room is over for this member.
    Removed,
}

/// One member's v2 room.
pub struct Machine {
    pub(crate) join: JoinKeys,
    identity: PublicIdentity,
    device_id: DeviceId,
    name: String,
    /// The wire id while connected.
    pub(crate) me: Option<MemberId>,
    /// This connection's session (R.6, R.9), new on each connection.
    session: SenderId,
    phase: Phase,
    serial: u64,
    pub(crate) next_ping: u32,
    /// Since when the current knocking has heard no group at all.
    lonely_since_ms: Option<u64>,
    /// Asking to be let in: as a newcomer (outside any group), or into a greater group while
    /// still in this one (R.7).
    knock: Option<Knock>,
    /// Answerers whose attempt ran out after they answered (R.4).
    shunned: BTreeSet<MemberId>,
    /// Greater STATUS claims are not acted on before this (R.7).
    doubt_until_ms: u64,
    /// Private conversations (R.10).
    privates: Privates,
    /// The room's settings as this member holds them (R.1): the person's choice when making the
    /// room (or a kept room's), else the first group's it enters; a later group can turn a
    /// setting off, never on.
    settings: RoomSettings,
    /// Whether `settings` are the room's (a group entered, or a kept room's), not a guess.
    settled: bool,
}

impl Machine {
    /// A member of the room of `secret`, not yet connected.
    pub fn new(
        secret: &RoomSecret,
        identity: PublicIdentity,
        device_id: DeviceId,
        name: &str,
    ) -> Self {
        Self {
            join: JoinKeys::derive(&RoomKeys::derive(secret)),
            identity,
            device_id,
            name: name.to_owned(),
            me: None,
            session: SenderId([0; 16]),
            phase: Phase::Outside,
            serial: 0,
            next_ping: 0,
            lonely_since_ms: None,
            knock: None,
            shunned: BTreeSet::new(),
            settings: RoomSettings::default(),
            settled: false,
            doubt_until_ms: 0,
            privates: Privates::default(),
        }
    }

    /// The room moved to `secret` (R.8): knocks and statuses are its own from now on; the
    /// group goes on. The app reconnects to its room.
    pub fn move_to(&mut self, secret: &RoomSecret) {
        self.join = JoinKeys::derive(&RoomKeys::derive(secret));
    }

    /// This connection's session id (the `sender_id` of the file chunks it sends, R.9).
    pub fn session(&self) -> SenderId {
        self.session
    }

    /// Whether this member can send to the room now: in the group, connected, and not asking
    /// into a greater group (what it sent there would reach no one who moved on).
    pub fn can_send(&self) -> bool {
        matches!(self.phase, Phase::Member(_)) && self.me.is_some() && self.knock.is_none()
    }

    /// The group, once in it.
    pub fn group(&self) -> Option<&GroupMember> {
        match &self.phase {
            Phase::Member(member) => Some(member),
            _ => None,
        }
    }

    /// The room's settings as this member holds them: those of the first group it entered, or
    /// a kept room's, with any setting a later group has off turned off (a member that forks a
    /// greater group, R.7, cannot turn history for newcomers on for those who follow); before any
    /// group, those a group made by this member would get.
    pub fn settings(&self) -> RoomSettings {
        self.settings
    }

    /// The person making the room chose `settings`, used if this member makes the group (a
    /// group found in the room keeps its own).
    pub fn choose_settings(&mut self, settings: RoomSettings) {
        if !self.settled {
            self.settings = settings;
        }
    }

    /// The room's settings once known (a group entered, or a kept room's): what a kept room
    /// or a reloaded tab holds.
    pub fn held_settings(&self) -> Option<RoomSettings> {
        self.settled.then_some(self.settings)
    }

    /// The room's settings, known from a kept room (K.1) or this tab before a reload: a group
    /// entered can turn them off, not on.
    pub fn settle_settings(&mut self, settings: RoomSettings) {
        self.settings = settings;
        self.settled = true;
    }

    /// Whether this member was removed.
    pub fn is_removed(&self) -> bool {
        matches!(self.phase, Phase::Removed)
    }

    /// The relay welcomed this connection as `me`, with `others` in the room.
    pub fn connected(
        &mut self,
        me: MemberId,
        others: &[MemberId],
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Output {
        self.me = Some(me);
        self.session = SenderId::random(entropy);
        let mut output = Output::default();
        match &mut self.phase {
            Phase::Member(member) => {
                member.reconnected(&self.join, me, self.session, now_ms, &mut output);
            }
            Phase::Removed => {}
            Phase::Outside | Phase::Creating(_) => {
                if others.is_empty() {
                    self.create(entropy, &mut output);
                } else {
                    self.lonely_since_ms = Some(now_ms);
                    self.knock(0, now_ms, entropy, &mut output);
                }
            }
        }
        output
    }

    /// The connection dropped.
    pub fn disconnected(&mut self) {
        self.me = None;
        // A knock names this connection's wire id: the next connection knocks anew.
        self.knock = None;
        match &mut self.phase {
            Phase::Member(member) => member.disconnected(),
            Phase::Removed => {}
            _ => self.phase = Phase::Outside,
        }
    }

    fn enter(&mut self, member: GroupMember, welcomed: bool, now_ms: u64, output: &mut Output) {
        self.lonely_since_ms = None;
        self.knock = None;
        self.shunned.clear();
        let mut member = Box::new(member);
        // The first group's settings are the room's; a later one (a greater group, R.7, or
        // one made again after everyone left) can turn a setting off, not on.
        let theirs = member.mls().settings();
        self.settings = if self.settled {
            self.settings.and(theirs)
        } else {
            theirs
        };
        self.settled = true;
        if let Some(me) = self.me {
            member.reconnected(&self.join, me, self.session, now_ms, output);
        }
        self.phase = Phase::Member(member);
        output.event(GroupEvent::Joined { welcomed });
        output.event(GroupEvent::MembersChanged);
    }

    /// A DELIVER from `from`.
    pub fn deliver(
        &mut self,
        from: MemberId,
        payload: &[u8],
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Output, super::PayloadError> {
        let mut output = Output::default();
        // File chunks are shared B.4's frames, keyed by the group (R.9).
        if payload.starts_with(&[0x01, 0x04]) {
            if matches!(self.phase, Phase::Member(_)) {
                output.event(GroupEvent::Chunk {
                    from,
                    frame: payload.to_vec(),
                });
            }
            return Ok(output);
        }
        let payload = Payload::parse(payload).ok_or(super::PayloadError)??;
        match payload {
            Payload::Knock { attempt, e_n, tag } => {
                if !self.join.check_knock(from, attempt, &e_n, &tag) {
                    return Err(super::PayloadError);
                }
                // A member asking into a greater group answers no one (R.7).
                if let (Phase::Member(member), Some(me), None) =
                    (&mut self.phase, self.me, &self.knock)
                {
                    member.knocked(
                        &self.join,
                        me,
                        from,
                        attempt,
                        e_n,
                        now_ms,
                        entropy,
                        &mut output,
                    )?;
                }
            }
            Payload::Answer { e_n, e_d, sealed } => {
                self.answered(from, e_n, e_d, sealed, entropy, &mut output)?
            }
            Payload::Request { e_n, sealed } => match (&mut self.phase, self.me) {
                (Phase::Member(member), Some(_)) => {
                    member.requested(from, e_n, sealed, &mut self.next_ping, &mut output)?;
                }
                _ => return Err(super::PayloadError),
            },
            Payload::Welcome { e_n, sealed } => {
                self.welcomed(from, e_n, sealed, now_ms, entropy, &mut output)?
            }
            Payload::Status(status) => {
                if !self.join.check_status(from, &status) {
                    return Err(super::PayloadError);
                }
                self.status(from, status, now_ms, entropy, &mut output);
            }
            Payload::Mls(message) => match &mut self.phase {
                Phase::Member(member) if super::mls::group_of(message) != Some(member.id()) => {
                    let group = super::mls::group_of(message).ok_or(super::PayloadError)?;
                    self.private_message(from, group, message, now_ms, &mut output)?;
                }
                Phase::Member(member) => {
                    let gone = member.message(
                        &self.join,
                        self.me.map(|me| (me, self.session)),
                        from,
                        message,
                        now_ms,
                        &mut self.next_ping,
                        &mut output,
                    )?;
                    match gone {
                        Gone::No => self.after_room_message(now_ms, entropy, &mut output),
                        Gone::Removed => {
                            self.knock = None;
                            self.phase = Phase::Removed;
                        }
                        // Removed without anyone's say (gone too long, replaced): in again.
                        Gone::Dropped => {
                            self.phase = Phase::Outside;
                            output.event(GroupEvent::Rejoining);
                            output.event(GroupEvent::MembersChanged);
                            self.lonely_since_ms = Some(now_ms);
                            self.knock(0, now_ms, entropy, &mut output);
                        }
                    }
                }
                // The group's messages while this member is on its way in (or was removed):
                // never its to read, and no sign of tampering, so not counted.
                _ if super::mls::group_of(message).is_some() => {}
                _ => return Err(super::PayloadError),
            },
        }
        Ok(output)
    }

    /// The relay's PONG.
    pub fn pong(&mut self, nonce: u32) -> Output {
        let mut output = Output::default();
        if let (Phase::Member(member), Some(_)) = (&mut self.phase, self.me) {
            member.pong(nonce, &mut self.next_ping, &mut output);
        }
        output
    }

    /// The relay's LEFT for `member`.
    pub fn left(&mut self, member: MemberId, now_ms: u64, entropy: &mut dyn Entropy) -> Output {
        let mut output = Output::default();
        if let Phase::Member(group) = &mut self.phase {
            group.left(member, &mut output);
        }
        let waiting_on = self
            .knock
            .as_ref()
            .and_then(|k| k.answer.as_ref())
            .map(|a| a.channel.ends().d);
        if waiting_on == Some(member) {
            self.next_attempt(now_ms, entropy, &mut output);
        }
        output
    }

    /// Time passes.
    pub fn tick(&mut self, now_ms: u64, entropy: &mut dyn Entropy) -> Output {
        let mut output = Output::default();
        self.expire_private(now_ms, entropy, &mut output);
        match &mut self.phase {
            Phase::Member(member) => {
                if let Some(me) = self.me {
                    member.tick(
                        &self.join,
                        me,
                        now_ms,
                        self.knock.is_none(),
                        entropy,
                        &mut self.next_ping,
                        &mut output,
                    );
                }
            }
            Phase::Outside
                if self
                    .lonely_since_ms
                    .is_some_and(|t| now_ms >= t + LONELY_KNOCKING_MS) =>
            {
                self.create(entropy, &mut output);
            }
            _ => {}
        }
        if self
            .knock
            .as_ref()
            .is_some_and(|k| now_ms >= k.started_ms + KNOCK_TIMEOUT_MS)
        {
            self.next_attempt(now_ms, entropy, &mut output);
        }
        output
    }

    /// Sends an application message to everyone.
    pub fn send(&mut self, body: &GroupBody) -> Result<Output, super::PayloadError> {
        self.send_to(None, body)
    }

    /// Sends an application message to everyone (`None`) or by SEND_TO to one member. Each
    /// message sent to one member moves this member's ratchet on for the others unseen, and a
    /// receiver skips at most 1,024 of them (RFC 9420 §9.1 as mls-rs bounds it): only rare
    /// messages go to one member (a Here, an offer to a newcomer), never a stream of them.
    pub fn send_to(
        &mut self,
        to: Option<MemberId>,
        body: &GroupBody,
    ) -> Result<Output, super::PayloadError> {
        let mut output = Output::default();
        match (&mut self.phase, self.me, &self.knock) {
            (Phase::Member(member), Some(_), None) => {
                let payload = member.seal(body)?;
                output.send(to, payload);
                Ok(output)
            }
            _ => Err(super::PayloadError),
        }
    }

    /// Removes the member at leaf `leaf` (R.8).
    pub fn remove(&mut self, leaf: u32) -> Output {
        let mut output = Output::default();
        if let (Phase::Member(member), Some(_)) = (&mut self.phase, self.me) {
            member.remove(leaf, &mut self.next_ping, &mut output);
        }
        output
    }
}
