//! The group as a member holds it (docs/PROTOCOL.md R.4–R.8): who is live on which wire id,
//! the newcomers it answered, the commit it waits to see confirmed, heartbeats and status.

use std::collections::{BTreeMap, BTreeSet};

use wire::MemberId;

use super::body::{GroupBody, MovedSecret};
use super::credential::GroupId;
use super::join::{JoinChannel, JoinKeys, PayloadError, Status, VERSION, kind};
use super::output::{GroupEvent, Output, encode_body};

mod commits;
mod presence;
use super::credential::MemberCredential;
use super::mls::{Leaf, Received, RoomGroup};
use crate::dedupe::MsgIdHistory;
use crate::entropy::Entropy;
use crate::ids::SenderId;

/// A member is shown offline after this long without a message from it (R.6).
pub const SILENCE_MS: u64 = 60_000;
/// Heartbeats every 20 s ± 5 s (R.6).
const HEARTBEAT_MS: u64 = 20_000;
const HEARTBEAT_JITTER_MS: u64 = 5_000;
/// STATUS every 20 s (R.4).
const STATUS_MS: u64 = 20_000;
/// Each member renews its path with an empty commit about this often, so that keys a device
/// lost heal without anyone joining or leaving (R.11)...
pub const UPDATE_MS: u64 = 10 * 60_000;
/// ...give or take up to this much, so that members do not all commit at once.
const UPDATE_JITTER_MS: u64 = 2 * 60_000;
/// A leaf not live for this long is removed by the designated committer (R.7).
pub const GONE_MS: u64 = 10 * 60_000;
/// An answered newcomer that sent no REQUEST by then is forgotten.
const ANSWER_TTL_MS: u64 = 30_000;
/// At most this many newcomers answered at once (a bound, not a rule of the protocol).
const MAX_ANSWERING: usize = 64;

/// What a member knows of another leaf's presence.
#[derive(Clone, Copy, Debug, Default)]
struct Peer {
    member_id: Option<MemberId>,
    session: Option<SenderId>,
    last_seen_ms: u64,
    online: bool,
}

/// A newcomer this member answered.
struct Answering {
    channel: JoinChannel,
    attempt: u8,
    at_ms: u64,
}

/// A newcomer's KeyPackage waiting to be committed.
#[derive(Clone)]
struct Add {
    newcomer: MemberId,
    e_n: [u8; 32],
    key_package: Vec<u8>,
    leaf_identity: Vec<u8>,
}

/// A commit written, waiting for the PONG that says it came first (R.5).
struct Pending {
    nonce: u32,
    welcome: Option<Vec<u8>>,
    adds: Vec<Add>,
    removes: Vec<u32>,
    /// Whether the person asked for these removals (then the room moves, R.8).
    by_person: bool,
    /// Whether it renews this member's path (R.11).
    update: bool,
}

/// One entry of the member list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The leaf.
    pub leaf: u32,
    /// Its credential.
    pub credential: MemberCredential,
    /// Its wire id while known.
    pub member_id: Option<MemberId>,
    /// Shown online?
    pub online: bool,
    /// Is this oneself?
    pub is_self: bool,
}

/// What a commit did to this member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gone {
    /// Still in the group.
    No,
    /// A person removed it (R.8): the room is over for it.
    Removed,
    /// The group let it go (gone too long, replaced): it may knock again.
    Dropped,
}

/// A member's group.
pub struct GroupMember {
    group: RoomGroup,
    peers: BTreeMap<u32, Peer>,
    answering: BTreeMap<(MemberId, [u8; 32]), Answering>,
    adds: Vec<Add>,
    removes: BTreeSet<u32>,
    /// Leaves a person asked to remove (R.8).
    person_removes: BTreeSet<u32>,
    pending: Option<Pending>,
    next_heartbeat_ms: u64,
    next_status_ms: u64,
    /// When this member next renews its path (R.11).
    next_update_ms: u64,
    /// A renewal waits to be committed.
    update_due: bool,
    seen: MsgIdHistory,
}

impl GroupMember {
    pub(crate) fn new(group: RoomGroup, now_ms: u64, entropy: &mut dyn Entropy) -> Self {
        Self {
            group,
            peers: BTreeMap::new(),
            answering: BTreeMap::new(),
            adds: Vec::new(),
            removes: BTreeSet::new(),
            person_removes: BTreeSet::new(),
            pending: None,
            next_heartbeat_ms: now_ms + HEARTBEAT_MS - HEARTBEAT_JITTER_MS
                + entropy.below(2 * HEARTBEAT_JITTER_MS),
            next_status_ms: now_ms + STATUS_MS,
            next_update_ms: now_ms + UPDATE_MS + entropy.below(UPDATE_JITTER_MS),
            update_due: false,
            seen: MsgIdHistory::default(),
        }
    }

    /// The group's id.
    pub fn id(&self) -> GroupId {
        self.group.id()
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.group.epoch()
    }

    /// This member's leaf.
    pub fn own_leaf(&self) -> u32 {
        self.group.own_index()
    }

    /// The MLS group (file keys, the roster).
    pub fn mls(&self) -> &RoomGroup {
        &self.group
    }

    /// The session a connected member announced for the wire id `wire`.
    pub fn session_of(&self, wire: MemberId) -> Option<SenderId> {
        self.peers
            .values()
            .find(|p| p.member_id == Some(wire))
            .and_then(|p| p.session)
    }

    /// The member list in leaf order, oneself included.
    pub fn members(&self) -> Vec<Listed> {
        let own = self.group.own_index();
        self.group
            .leaves()
            .iter()
            .map(|leaf| {
                let peer = self.peers.get(&leaf.index).copied().unwrap_or_default();
                Listed {
                    leaf: leaf.index,
                    credential: leaf.credential.clone(),
                    member_id: peer.member_id,
                    online: leaf.index == own || peer.online,
                    is_self: leaf.index == own,
                }
            })
            .collect()
    }

    /// This member's STATUS values.
    pub(crate) fn status(&self) -> Option<Status> {
        Some(Status {
            group: self.group.id(),
            epoch: self.group.epoch(),
            branch: self.group.branch().ok()?,
            tag: [0; 16],
        })
    }

    fn status_payload(&self, join: &JoinKeys, me: MemberId) -> Option<Vec<u8>> {
        let status = self.status()?;
        Some(join.status(me, status.group, status.epoch, status.branch))
    }

    /// Live leaves in leaf order (oneself included): who answers and commits (R.5).
    fn live(&self) -> Vec<u32> {
        let own = self.group.own_index();
        self.group
            .leaves()
            .iter()
            .map(|l| l.index)
            .filter(|index| {
                *index == own
                    || self
                        .peers
                        .get(index)
                        .is_some_and(|p| p.online && p.member_id.is_some())
            })
            .collect()
    }

    pub(crate) fn reconnected(
        &mut self,
        join: &JoinKeys,
        me: MemberId,
        session: SenderId,
        now_ms: u64,
        output: &mut Output,
    ) {
        if let Some(status) = self.status_payload(join, me) {
            output.send(None, status);
        }
        self.next_status_ms = now_ms + STATUS_MS;
        if let Ok(hello) = self.seal(&GroupBody::Hello {
            member_id: me.0,
            session,
        }) {
            output.send(None, hello);
        }
    }

    pub(crate) fn disconnected(&mut self) {
        // A commit not confirmed is dropped; if the others took it, STATUS will say this
        // member is behind (R.5, R.7). Its adds and removals wait for the next connection.
        if let Some(pending) = self.pending.take() {
            self.group.clear_pending();
            self.requeue(pending);
        }
        self.answering.clear();
        for peer in self.peers.values_mut() {
            peer.online = false;
        }
    }

    pub(crate) fn seal(&mut self, body: &GroupBody) -> Result<Vec<u8>, PayloadError> {
        let data = encode_body(body)?;
        let message = self.group.encrypt(&data).map_err(|_| PayloadError)?;
        Ok([&[VERSION, kind::MLS][..], &message].concat())
    }

    /// An MLS message; returns whether this member is out of the group now.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn message(
        &mut self,
        join: &JoinKeys,
        me: Option<(MemberId, SenderId)>,
        from: MemberId,
        message: &[u8],
        now_ms: u64,
        next_ping: &mut u32,
        output: &mut Output,
    ) -> Result<Gone, PayloadError> {
        let received = match self.group.process(message, now_ms / 1000) {
            Ok(received) => received,
            // Said before this member came: not its to read, and not counted.
            Err(_) if self.group.before_me(message) => return Ok(Gone::No),
            Err(_) => {
                // Perhaps this member is behind: ask where the sender is (R.7).
                if let Some(status) = me.and_then(|(me, _)| self.status_payload(join, me)) {
                    output.send(Some(from), status);
                }
                output.dropped = true;
                return Ok(Gone::No);
            }
        };
        match received {
            Received::Application {
                sender,
                epoch,
                data,
            } => {
                self.application(me, from, sender, epoch, &data, now_ms, output)?;
            }
            Received::Commit {
                committer,
                added,
                removed,
                by_person,
            } => {
                // Whoever's commit this was, it came first: a pending one of ours lost (R.5).
                if let Some(pending) = self.pending.take() {
                    self.group.clear_pending();
                    self.requeue(pending);
                }
                let by = self.group.leaf(committer).map(|l| l.credential.clone());
                self.committed(&added, &removed, by.filter(|_| by_person), output);
                self.commit(next_ping, output);
            }
            Received::Removed { remover, by_person } => {
                if !by_person {
                    return Ok(Gone::Dropped);
                }
                output.event(GroupEvent::Removed {
                    by: remover.map(|l| l.credential),
                });
                return Ok(Gone::Removed);
            }
        }
        Ok(Gone::No)
    }

    /// What a commit, ours or another's, changed: newcomers in need no commit of ours; who was
    /// removed is told when a person (`by`) removed them, and then the room moves (R.8).
    pub(super) fn committed(
        &mut self,
        added: &[Leaf],
        removed: &[Leaf],
        by: Option<MemberCredential>,
        output: &mut Output,
    ) {
        for leaf in added {
            let identity = leaf.credential.leaf_identity();
            self.adds.retain(|a| a.leaf_identity != identity);
            if !removed
                .iter()
                .any(|r| r.credential.leaf_identity() == identity)
            {
                output.event(GroupEvent::MemberAdded { identity });
            }
        }
        for leaf in removed {
            self.peers.remove(&leaf.index);
        }
        self.removes
            .retain(|index| self.group.leaf(*index).is_some());
        if let Some(by) = by.filter(|_| !removed.is_empty()) {
            for leaf in removed {
                output.event(GroupEvent::MemberRemoved {
                    who: leaf.credential.clone(),
                    by: by.clone(),
                });
            }
            if let Ok(secret) = self.group.moved_secret() {
                output.event(GroupEvent::Moved(MovedSecret(*secret)));
            }
        }
        output.event(GroupEvent::MembersChanged);
    }

    #[allow(clippy::too_many_arguments)]
    /// Time passes; `may_commit` is false while this member asks into a greater group (R.7).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn tick(
        &mut self,
        join: &JoinKeys,
        me: MemberId,
        now_ms: u64,
        may_commit: bool,
        entropy: &mut dyn Entropy,
        next_ping: &mut u32,
        output: &mut Output,
    ) {
        if now_ms >= self.next_heartbeat_ms {
            if let Ok(heartbeat) = self.seal(&GroupBody::Heartbeat) {
                output.send(None, heartbeat);
            }
            self.next_heartbeat_ms = now_ms + HEARTBEAT_MS - HEARTBEAT_JITTER_MS
                + entropy.below(2 * HEARTBEAT_JITTER_MS);
        }
        if now_ms >= self.next_status_ms {
            if let Some(status) = self.status_payload(join, me) {
                output.send(None, status);
            }
            self.next_status_ms = now_ms + STATUS_MS;
        }
        for peer in self.peers.values_mut() {
            if peer.online && now_ms >= peer.last_seen_ms + SILENCE_MS {
                peer.online = false;
                output.event(GroupEvent::MembersChanged);
            }
        }
        self.answering
            .retain(|_, a| now_ms < a.at_ms + ANSWER_TTL_MS);
        if !may_commit {
            return;
        }
        if now_ms >= self.next_update_ms {
            self.next_update_ms = now_ms + UPDATE_MS + entropy.below(UPDATE_JITTER_MS);
            self.update_due = true;
            self.commit(next_ping, output);
        }
        // The designated committer removes leaves gone for long (R.7).
        if self.live().first() == Some(&self.group.own_index()) {
            let own = self.group.own_index();
            let gone: Vec<u32> = self
                .group
                .leaves()
                .iter()
                .map(|l| l.index)
                .filter(|index| *index != own)
                .filter(|index| {
                    let peer = self.peers.entry(*index).or_insert(Peer {
                        member_id: None,
                        session: None,
                        last_seen_ms: now_ms,
                        online: false,
                    });
                    !peer.online && now_ms >= peer.last_seen_ms + GONE_MS
                })
                .collect();
            if !gone.is_empty() {
                self.removes.extend(gone);
                self.commit(next_ping, output);
            }
        }
    }
}
