//! Private conversations (docs/PROTOCOL.md R.10): a two-member group per pair of members, set
//! up through the room's group by SEND_TO, its messages sent by SEND_TO to the other alone.
//!
//! The member who opens a conversation makes the group: it picks the group's id, asks the other
//! for a KeyPackage (`PrivateAsk`), and once it has it and its own credential, adds them and
//! sends the Welcome (`PrivateWelcome`). Only the maker ever commits, so there is no race. If
//! both open at once, each ends up in both groups: each reads both and sends in the newer.

use std::collections::{BTreeMap, VecDeque};

use wire::MemberId;

use super::{Machine, Phase, Unsigned};
use crate::entropy::Entropy;
use crate::group::PayloadError;
use crate::group::body::GroupBody;
use crate::group::credential::{GroupId, MemberCredential};
use crate::group::join::{VERSION, kind};
use crate::group::mls::{Device, Received, RoomGroup};
use crate::group::output::{CertifyError, CredentialRequest, GroupEvent, Output, encode_body};
use crate::identity::SIGNATURE_LEN;

/// Messages that wait for a private group, per person (a bound, not a rule of the protocol).
const MAX_WAITING: usize = 256;
/// Groups kept with one person (both may have opened at once).
const MAX_GROUPS: usize = 2;
/// An opening that has not completed by then is given up (the next message tries again).
const OPENING_TTL_MS: u64 = 30_000;
/// What was sent in a group is kept this long (at most [`RECENT`] messages), to send again in a
/// new group if the other says it lost that one (a reload).
const RESEND_MS: u64 = 5 * 60_000;
const RECENT: usize = 32;
/// At most one `PrivateReset` a minute to a peer.
const RESET_INTERVAL_MS: u64 = 60_000;
/// Peers whose last reset is remembered, at most.
const MAX_RESETS: usize = 256;

/// Who a private conversation is with: their leaf identity in the room (`ik ‖ device_id`).
pub(super) type Peer = Vec<u8>;

struct PairGroup {
    group: RoomGroup,
}

/// Opening a conversation: the group this member is making.
struct Opening {
    group: GroupId,
    device: Option<Device>,
    theirs: Option<Vec<u8>>,
    at_ms: u64,
    /// The ask went out: the other was connected (its wire id known) when it was made, or
    /// since (see [`Machine::flush_all_private`]).
    asked: bool,
}

/// Why a credential is being signed for a private group.
enum Role {
    /// This member makes the group.
    Maker,
    /// The other asked; a KeyPackage goes back.
    Asked,
}

#[derive(Default)]
struct Pair {
    groups: Vec<PairGroup>,
    opening: Option<Opening>,
    /// Devices waiting for the other's Welcome.
    joining: Vec<Device>,
    waiting: VecDeque<Vec<u8>>,
    /// Sent lately: in which group, when, what.
    sent: VecDeque<(GroupId, u64, Vec<u8>)>,
}

/// Every private conversation of this member.
#[derive(Default)]
pub(crate) struct Privates {
    pairs: BTreeMap<Peer, Pair>,
    unsigned: Vec<(Peer, Role, Unsigned)>,
    /// When each peer was last told `PrivateReset`: at most one a minute, since each goes by
    /// SEND_TO in the room's group (see `member/presence.rs` on a flood of those).
    resets: BTreeMap<Peer, u64>,
}

impl Privates {
    pub(super) fn request(&self) -> Option<&CredentialRequest> {
        self.unsigned.first().map(|(_, _, u)| &u.request)
    }
}

impl Machine {
    /// Sends `body` to the member at room leaf `leaf` alone (R.10); it waits, if need be, for
    /// their private group to be made.
    pub fn send_private(
        &mut self,
        leaf: u32,
        body: &GroupBody,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Output, PayloadError> {
        let mut output = Output::default();
        let peer = self.peer_of(leaf).ok_or(PayloadError)?;
        let data = encode_body(body)?;
        let pair = self.privates.pairs.entry(peer.clone()).or_default();
        if pair.waiting.len() >= MAX_WAITING {
            return Err(PayloadError);
        }
        pair.waiting.push_back(data);
        if pair.groups.is_empty() && pair.opening.is_none() {
            self.open(peer.clone(), now_ms, entropy, &mut output);
        }
        self.flush_private(&peer, now_ms, &mut output);
        Ok(output)
    }

    /// The room leaf identity of `leaf`, if it is someone else in the group.
    fn peer_of(&self, leaf: u32) -> Option<Peer> {
        let Phase::Member(member) = &self.phase else {
            return None;
        };
        (leaf != member.own_leaf())
            .then(|| member.mls().leaf(leaf))
            .flatten()
            .map(|l| l.credential.leaf_identity())
    }

    /// The room's view of `peer`: its credential and wire id.
    fn peer_in_room(&self, peer: &[u8]) -> Option<(MemberCredential, Option<MemberId>)> {
        let Phase::Member(member) = &self.phase else {
            return None;
        };
        member
            .members()
            .into_iter()
            .find(|m| !m.is_self && m.credential.leaf_identity() == peer)
            .map(|m| (m.credential, m.member_id.filter(|_| m.online)))
    }

    fn open(&mut self, peer: Peer, now_ms: u64, entropy: &mut dyn Entropy, output: &mut Output) {
        let mut id = [0; 16];
        entropy.fill(&mut id);
        let group = GroupId(id);
        let Some(unsigned) = self.unsigned(group, entropy) else {
            return;
        };
        self.privates
            .unsigned
            .push((peer.clone(), Role::Maker, unsigned));
        output.event(GroupEvent::SignatureNeeded);
        let asked = self.tell(&peer, &GroupBody::PrivateAsk { group: group.0 }, output);
        if let Some(pair) = self.privates.pairs.get_mut(&peer) {
            pair.opening = Some(Opening {
                group,
                device: None,
                theirs: None,
                at_ms: now_ms,
                asked,
            });
        }
    }

    /// Sends a room message to `peer` alone, if they are connected; whether it went out.
    fn tell(&mut self, peer: &[u8], body: &GroupBody, output: &mut Output) -> bool {
        let Some((_, Some(wire))) = self.peer_in_room(peer) else {
            return false;
        };
        if let Phase::Member(member) = &mut self.phase
            && let Ok(payload) = member.seal(body)
        {
            output.send(Some(wire), payload);
            return true;
        }
        false
    }

    /// Sends what waits for `peer`, in their newest group, if they are connected.
    pub(super) fn flush_private(&mut self, peer: &[u8], now_ms: u64, output: &mut Output) {
        let Some((_, Some(wire))) = self.peer_in_room(peer) else {
            return;
        };
        let Some(pair) = self.privates.pairs.get_mut(peer) else {
            return;
        };
        let Some(newest) = pair.groups.last_mut() else {
            return;
        };
        while let Some(data) = pair.waiting.front() {
            let Ok(message) = newest.group.encrypt(data) else {
                break;
            };
            output.send(Some(wire), [&[VERSION, kind::MLS][..], &message].concat());
            if let Some(data) = pair.waiting.pop_front() {
                pair.sent.push_back((newest.group.id(), now_ms, data));
            }
            while pair.sent.len() > RECENT {
                pair.sent.pop_front();
            }
        }
    }

    /// Flushes every conversation (after a reconnect, or someone's Hello), and asks those
    /// that were not connected when their conversation was opened (a message to someone who
    /// had just arrived waited for the opening to expire, 30 s).
    pub(super) fn flush_all_private(&mut self, now_ms: u64, output: &mut Output) {
        let peers: Vec<Peer> = self.privates.pairs.keys().cloned().collect();
        for peer in peers {
            let unasked = self.privates.pairs.get(&peer).and_then(|pair| {
                let opening = pair.opening.as_ref()?;
                (!opening.asked).then_some(opening.group)
            });
            if let Some(group) = unasked
                && self.tell(&peer, &GroupBody::PrivateAsk { group: group.0 }, output)
                && let Some(opening) = self
                    .privates
                    .pairs
                    .get_mut(&peer)
                    .and_then(|p| p.opening.as_mut())
            {
                // Its time runs from the ask: the other has the whole while to answer.
                opening.asked = true;
                opening.at_ms = now_ms;
            }
            self.flush_private(&peer, now_ms, output);
        }
    }

    /// Takes a signature for a private group's credential; `Err(Stale)` if none waits for it.
    pub(super) fn certify_private(
        &mut self,
        request: &CredentialRequest,
        signature: [u8; SIGNATURE_LEN],
        now_ms: u64,
        output: &mut Output,
    ) -> Result<(), CertifyError> {
        let at = self
            .privates
            .unsigned
            .iter()
            .position(|(_, _, u)| u.request.serial == request.serial)
            .ok_or(CertifyError::Stale)?;
        let (peer, role, unsigned) = self.privates.unsigned.remove(at);
        let group = unsigned.group;
        let device = self.device(unsigned, signature)?;
        match role {
            Role::Maker => {
                let pair = self.privates.pairs.entry(peer.clone()).or_default();
                if let Some(opening) = pair.opening.as_mut().filter(|o| o.group == group) {
                    opening.device = Some(device);
                }
                self.complete(&peer, now_ms, output);
            }
            Role::Asked => {
                let key_package = device
                    .key_package(now_ms / 1000)
                    .map_err(|_| CertifyError::Invalid)?;
                let pair = self.privates.pairs.entry(peer.clone()).or_default();
                pair.joining.push(device);
                if pair.joining.len() > MAX_GROUPS {
                    pair.joining.remove(0);
                }
                let body = GroupBody::PrivateKeyPackage {
                    group: group.0,
                    key_package,
                };
                self.tell(&peer, &body, output);
            }
        }
        Ok(())
    }

    /// Makes the group once both the device and the other's KeyPackage are there.
    fn complete(&mut self, peer: &[u8], now_ms: u64, output: &mut Output) {
        let Some(pair) = self.privates.pairs.get_mut(peer) else {
            return;
        };
        let Some(opening) = pair.opening.take() else {
            return;
        };
        let (Some(device), Some(theirs)) = (&opening.device, &opening.theirs) else {
            pair.opening = Some(opening);
            return;
        };
        let Ok(mut group) = device.create(now_ms / 1000, None) else {
            return;
        };
        // Their KeyPackage must be the person this member meant (R.10).
        if group.key_package_identity(theirs).ok().as_deref() != Some(peer) {
            return;
        }
        let Ok(commit) = group.commit(std::slice::from_ref(theirs), &[], false) else {
            return;
        };
        // Only the maker commits in a private group: nothing can come first.
        if group.apply_pending().is_err() {
            return;
        }
        let Some(welcome) = commit.welcome else {
            return;
        };
        pair.groups.push(PairGroup { group });
        if pair.groups.len() > MAX_GROUPS {
            pair.groups.remove(0);
        }
        let body = GroupBody::PrivateWelcome {
            group: opening.group.0,
            welcome,
        };
        self.tell(peer, &body, output);
        self.flush_private(peer, now_ms, output);
    }

    /// A room message about private conversations from the room leaf whose identity is `peer`.
    pub(super) fn private_setup(
        &mut self,
        peer: Peer,
        body: GroupBody,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) {
        match body {
            GroupBody::PrivateAsk { group } => {
                if self.privates.unsigned.len() >= 2 * MAX_GROUPS {
                    return;
                }
                if let Some(unsigned) = self.unsigned(GroupId(group), entropy) {
                    self.privates.unsigned.push((peer, Role::Asked, unsigned));
                    output.event(GroupEvent::SignatureNeeded);
                }
            }
            GroupBody::PrivateKeyPackage { group, key_package } => {
                let pair = self.privates.pairs.entry(peer.clone()).or_default();
                if let Some(opening) = pair.opening.as_mut().filter(|o| o.group.0 == group) {
                    opening.theirs = Some(key_package);
                    self.complete(&peer, now_ms, output);
                }
            }
            GroupBody::PrivateWelcome { group, welcome } => {
                let pair = self.privates.pairs.entry(peer.clone()).or_default();
                let Some(at) = pair.joining.iter().position(|d| d.group().0 == group) else {
                    return;
                };
                let device = pair.joining.remove(at);
                let Ok(joined) = device.join(&welcome, now_ms / 1000) else {
                    return;
                };
                // Exactly this member and the one who sent the Welcome.
                let leaves = joined.leaves();
                let theirs = leaves.iter().any(|l| l.credential.leaf_identity() == peer);
                if leaves.len() != 2 || !theirs {
                    return;
                }
                pair.groups.push(PairGroup { group: joined });
                if pair.groups.len() > MAX_GROUPS {
                    pair.groups.remove(0);
                }
                self.flush_private(&peer, now_ms, output);
            }
            GroupBody::PrivateReset { group } => {
                let Some(pair) = self.privates.pairs.get_mut(&peer) else {
                    return;
                };
                let lost = GroupId(group);
                pair.groups.retain(|g| g.group.id() != lost);
                // What went lately into the lost group goes again, first, in the next one.
                let again: Vec<Vec<u8>> = pair
                    .sent
                    .iter()
                    .filter(|(g, at, _)| *g == lost && now_ms < at + RESEND_MS)
                    .map(|(_, _, data)| data.clone())
                    .collect();
                pair.sent.retain(|(g, _, _)| *g != lost);
                for data in again.into_iter().rev() {
                    pair.waiting.push_front(data);
                }
                if pair.groups.is_empty() && pair.opening.is_none() {
                    self.open(peer.clone(), now_ms, entropy, output);
                }
                self.flush_private(&peer, now_ms, output);
            }
            _ => {}
        }
    }

    /// An MLS message of a group that is not the room's: one of a private conversation.
    pub(super) fn private_message(
        &mut self,
        from: MemberId,
        group: GroupId,
        message: &[u8],
        now_ms: u64,
        output: &mut Output,
    ) -> Result<(), PayloadError> {
        let found = self.privates.pairs.iter_mut().find_map(|(peer, pair)| {
            pair.groups
                .iter_mut()
                .find(|g| g.group.id() == group)
                .map(|g| (peer.clone(), g))
        });
        let Some((peer, pair_group)) = found else {
            // A group this member does not have (it was reloaded): say so, so a new one is made.
            if let Some(peer) = self.peer_at_wire(from) {
                let last = self.privates.resets.get(&peer).copied();
                if last.is_none_or(|last| now_ms >= last + RESET_INTERVAL_MS) {
                    if self.privates.resets.len() >= MAX_RESETS {
                        self.privates.resets.clear();
                    }
                    self.privates.resets.insert(peer.clone(), now_ms);
                    self.tell(&peer, &GroupBody::PrivateReset { group: group.0 }, output);
                }
            }
            output.dropped = true;
            return Ok(());
        };
        let Ok(Received::Application { epoch, data, .. }) =
            pair_group.group.process_application(message, now_ms / 1000)
        else {
            return Err(PayloadError);
        };
        let body = crate::body::Body::decode(&data).map_err(|_| PayloadError)?;
        let (with, wire) = self.peer_in_room(&peer).ok_or(PayloadError)?;
        if wire != Some(from) {
            return Err(PayloadError);
        }
        let session = self.group().and_then(|m| m.session_of(from));
        output.event(GroupEvent::Private {
            with,
            from,
            session,
            group,
            epoch,
            body,
        });
        Ok(())
    }

    /// The room leaf identity of whoever is connected as `wire`.
    fn peer_at_wire(&self, wire: MemberId) -> Option<Peer> {
        let Phase::Member(member) = &self.phase else {
            return None;
        };
        member
            .members()
            .into_iter()
            .find(|m| !m.is_self && m.member_id == Some(wire))
            .map(|m| m.credential.leaf_identity())
    }

    /// The private group this member sends to `leaf` in, once made.
    pub fn private_group(&self, leaf: u32) -> Option<(GroupId, u64)> {
        let peer = self.peer_of(leaf)?;
        let newest = self.privates.pairs.get(&peer)?.groups.last()?;
        Some((newest.group.id(), newest.group.epoch()))
    }
}

mod lifecycle;
