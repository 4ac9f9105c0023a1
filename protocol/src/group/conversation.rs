//! A v2 room as the app lives it (PRODUCT.md journey 3, docs/PROTOCOL.md part 2): the
//! [`Machine`] fed by relay frames, the chat log and one log per private conversation, and
//! exactly-once delivery across reconnects, as part 1's `Conversation` does.
//!
//! Exactly-once: a message the person typed stays *pending* until the relay has answered a PING
//! written after it, and goes out only while the group is ready and someone else is live; after
//! a reconnect it is sealed again with the same msg_id, and receivers show one author's msg_id
//! once. Private messages wait in the machine for their group and for the other's connection
//! (R.10).
//!
//! Input: decoded [`RelayFrame`]s, text, the time, the identity's signatures. Output: encoded
//! client frames, in order, and what changed. No I/O.

use std::collections::BTreeMap;

use wire::{ClientFrame, ErrorCode, MemberId, RelayFrame};

use super::body::GroupBody;
use super::machine::{CertifyError, CredentialRequest, Machine, Out, Output};
use super::settings::RoomSettings;
use crate::body::Chat;
use crate::conversation::log::Log;
use crate::conversation::presence_log::PresenceLog;
use crate::conversation::{ComposeError, Delivery, Line};
use crate::entropy::Entropy;
use crate::identity::{IdentitySigner, PublicIdentity, SIGNATURE_LEN};
use crate::ids::{DeviceId, MsgId, SenderId};
use crate::keys::{RoomKeys, RoomSecret};
use crate::room_io::Member;

pub use changes::GroupChanges;
pub use events::Thread;

struct Pending {
    chat: Chat,
    ping: Option<u32>,
}

/// One person's view of one v2 room.
pub struct GroupConversation {
    machine: Machine,
    secret: RoomSecret,
    keys: RoomKeys,
    name: String,
    log: Log,
    threads: BTreeMap<Vec<u8>, Thread>,
    pending: Vec<Pending>,
    welcomed: bool,
    dropped: u64,
    refused: Option<ErrorCode>,
    removed: bool,
    presence: PresenceLog,
    arrivals: u64,
    /// When this member first joined a group, and from whom it takes history (R.12).
    arrived: taken::Arrived,
    /// Who has been in the room, and who came new and waits for its history (R.12).
    sharing: history::Sharing,
}

impl GroupConversation {
    /// A conversation in the room of `secret` as `name` from `device`, with this browser's
    /// `identity`.
    pub fn new(
        secret: &RoomSecret,
        name: &str,
        device: DeviceId,
        identity: PublicIdentity,
    ) -> Self {
        Self {
            machine: Machine::new(secret, identity, device, name),
            secret: secret.clone(),
            keys: RoomKeys::derive(secret),
            name: name.to_owned(),
            log: Log::default(),
            threads: BTreeMap::new(),
            pending: Vec::new(),
            welcomed: false,
            dropped: 0,
            refused: None,
            removed: false,
            presence: PresenceLog::default(),
            arrivals: 0,
            arrived: taken::Arrived::default(),
            sharing: history::Sharing::default(),
        }
    }

    /// The person making the room chose `settings` for it (R.1; a group found in the room keeps
    /// its own).
    pub fn choose_settings(&mut self, settings: RoomSettings) {
        self.machine.choose_settings(settings);
    }

    /// The room's settings as known from a kept room or this tab before a reload (R.1): a
    /// group entered can turn them off, not on.
    pub fn settle_settings(&mut self, settings: RoomSettings) {
        self.machine.settle_settings(settings);
    }

    /// The state machine (file keys, private groups, the member list's leaves).
    pub fn machine(&self) -> &Machine {
        &self.machine
    }

    /// The room's secret now (it changes when the room moves, R.8).
    pub fn secret(&self) -> &RoomSecret {
        &self.secret
    }

    /// The room's id now (it changes when the room moves, R.8): file chunks name it (B.4).
    pub fn room_id(&self) -> wire::RoomId {
        self.keys.room_id()
    }

    /// This connection's session id: file chunks of ours carry it (R.9).
    pub fn session(&self) -> SenderId {
        self.machine.session()
    }

    /// Seals a file message (an offer with its key, or file control) for everyone (`None`) or
    /// one member, as frames to write; nothing if the group is not ready. File control goes to
    /// everyone even when it concerns one member (see [`Machine::send_to`]).
    pub fn send_file(&mut self, to: Option<MemberId>, body: &GroupBody) -> Vec<Vec<u8>> {
        self.machine
            .send_to(to, body)
            .map(|output| output.out.iter().map(encode).collect())
            .unwrap_or_default()
    }

    /// Seals a file message of a private conversation (R.10) for the member at `leaf`, as
    /// frames to write: it waits, as private messages do, for their group and connection.
    pub fn send_private_file(
        &mut self,
        leaf: u32,
        body: &GroupBody,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Vec<Vec<u8>> {
        self.machine
            .send_private(leaf, body, now_ms, entropy)
            .map(|output| output.out.iter().map(encode).collect())
            .unwrap_or_default()
    }

    /// The JOIN frame for every new connection (no signature needed first: the credential is
    /// asked for once the room is known, R.4).
    pub fn join_frame(&self) -> Vec<u8> {
        ClientFrame::Join {
            version: wire::WIRE_VERSION,
            room: self.keys.room_id(),
        }
        .encode()
    }

    /// What the identity must sign now, if anything.
    pub fn credential_request(&self) -> Option<&CredentialRequest> {
        self.machine.credential_request()
    }

    /// The identity's signature over `request`.
    pub fn certify(
        &mut self,
        request: &CredentialRequest,
        signature: [u8; SIGNATURE_LEN],
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<GroupChanges, CertifyError> {
        let output = self.machine.certify(request, signature, now_ms, entropy)?;
        let mut changes = GroupChanges::default();
        self.apply(output, now_ms, &mut changes);
        Ok(changes)
    }

    /// Signs whatever is asked at once with keys in memory (tests, benchmarks).
    pub fn certify_with(
        &mut self,
        signer: &dyn IdentitySigner,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> GroupChanges {
        let mut changes = GroupChanges::default();
        while let Some(request) = self.machine.credential_request().cloned() {
            let output = match self.machine.certify(
                &request,
                signer.sign(&request.statement),
                now_ms,
                entropy,
            ) {
                Ok(output) => output,
                Err(_) => break,
            };
            self.apply(output, now_ms, &mut changes);
        }
        changes
    }

    /// The room chat's lines, oldest first.
    pub fn lines(&self) -> &[Line] {
        self.log.lines()
    }

    /// The private conversation with the member of leaf identity `peer`, if any.
    pub fn thread(&self, peer: &[u8]) -> Option<&Thread> {
        self.threads.get(peer)
    }

    /// The person read the private conversation with `peer`.
    pub fn read_thread(&mut self, peer: &[u8]) {
        if let Some(thread) = self.threads.get_mut(peer) {
            thread.unread = 0;
        }
    }

    /// The member list in leaf order, oneself included.
    pub fn members(&self) -> Vec<Member> {
        let Some(group) = self.machine.group() else {
            return Vec::new();
        };
        let online = self.machine.can_send() || self.welcomed;
        group
            .members()
            .into_iter()
            .map(|m| Member {
                sender: if m.is_self {
                    self.machine.session()
                } else {
                    group
                        .session_of(m.member_id.unwrap_or(MemberId(0)))
                        .unwrap_or(SenderId([0; 16]))
                },
                member_id: m.member_id.unwrap_or(MemberId(0)),
                identity: *m.credential.identity().ik(),
                published: *m.credential.identity(),
                name: m.credential.name().to_owned(),
                device_id: m.credential.device_id(),
                online: if m.is_self { online } else { m.online },
                is_self: m.is_self,
                leaf: Some(m.leaf),
            })
            .collect()
    }

    /// Whether nobody else is online.
    pub fn alone(&self) -> bool {
        self.welcomed && !self.has_live_peer()
    }

    fn has_live_peer(&self) -> bool {
        self.members().iter().any(|m| !m.is_self && m.online)
    }

    /// Payloads dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// A message from the relay that is not a relay frame at all: dropped and counted.
    pub fn unreadable_frame(&mut self) {
        self.dropped += 1;
    }

    /// The ERROR the relay last refused us with, if any.
    pub fn refused(&self) -> Option<ErrorCode> {
        self.refused
    }

    /// Whether the relay has welcomed this connection.
    pub fn is_welcomed(&self) -> bool {
        self.welcomed
    }

    /// Whether someone removed this member (R.8).
    pub fn is_removed(&self) -> bool {
        self.removed
    }

    /// The connection dropped: every message not confirmed is pending again.
    pub fn disconnected(&mut self) -> GroupChanges {
        self.welcomed = false;
        self.machine.disconnected();
        for pending in &mut self.pending {
            pending.ping = None;
        }
        GroupChanges {
            members: true,
            ..GroupChanges::default()
        }
    }

    /// A frame from the relay.
    pub fn receive(
        &mut self,
        frame: RelayFrame<'_>,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> GroupChanges {
        let mut changes = GroupChanges::default();
        let output = match frame {
            RelayFrame::Welcome {
                your_id, members, ..
            } => {
                self.refused = None;
                self.welcomed = true;
                changes.members = true;
                let others: Vec<MemberId> = members.iter().copied().collect();
                self.machine.connected(your_id, &others, now_ms, entropy)
            }
            RelayFrame::Deliver { from, payload } => {
                match self.machine.deliver(from, payload, now_ms, entropy) {
                    Ok(output) => output,
                    Err(_) => {
                        changes.dropped += 1;
                        self.dropped += 1;
                        Output::default()
                    }
                }
            }
            RelayFrame::Joined(_) => Output::default(),
            RelayFrame::Left(member) => self.machine.left(member, now_ms, entropy),
            RelayFrame::Pong { nonce } => {
                self.confirm(nonce, &mut changes);
                self.machine.pong(nonce)
            }
            RelayFrame::Error(code) => {
                self.refused = Some(code);
                Output::default()
            }
        };
        self.apply(output, now_ms, &mut changes);
        self.share_history(now_ms, entropy, &mut changes);
        changes
    }

    /// Time passes: heartbeats, renewals, offline detection.
    pub fn tick(&mut self, now_ms: u64, entropy: &mut dyn Entropy) -> GroupChanges {
        let mut changes = GroupChanges::default();
        let output = self.machine.tick(now_ms, entropy);
        self.apply(output, now_ms, &mut changes);
        self.share_history(now_ms, entropy, &mut changes);
        // A request made where no changes go back (a private file's conversation opening,
        // `send_private_file`) is signed on the next tick, not when something else asks.
        changes.sign |= self.machine.credential_request().is_some();
        changes
    }

    /// The person sends `text` to the room: pending, out now if it can be.
    pub fn send(
        &mut self,
        text: &str,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<GroupChanges, ComposeError> {
        let chat = compose(text, now_ms, entropy)?;
        self.log.add(self.own_line(&chat));
        self.pending.push(Pending { chat, ping: None });
        let mut changes = GroupChanges {
            lines: true,
            ..GroupChanges::default()
        };
        self.flush_pending(&mut changes);
        Ok(changes)
    }

    /// The person sends `text` to the member at `leaf` alone (R.10).
    pub fn send_private(
        &mut self,
        leaf: u32,
        text: &str,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<GroupChanges, ComposeError> {
        let chat = compose(text, now_ms, entropy)?;
        let peer = self
            .members()
            .into_iter()
            .find(|m| m.leaf == Some(leaf) && !m.is_self)
            .map(|m| m.leaf_identity())
            .ok_or(ComposeError::NoOne)?;
        let output = self
            .machine
            .send_private(leaf, &GroupBody::Chat(chat.clone()), now_ms, entropy)
            .map_err(|_| ComposeError::NoOne)?;
        let mut line = self.own_line(&chat);
        // Handed to the private group; it goes out once the group and the other are there.
        line.delivery = Delivery::Sent;
        self.threads.entry(peer.clone()).or_default().log.add(line);
        let mut changes = GroupChanges {
            threads: vec![peer],
            ..GroupChanges::default()
        };
        self.apply(output, now_ms, &mut changes);
        Ok(changes)
    }

    /// The person removes the member at `leaf` (R.8).
    pub fn remove(&mut self, leaf: u32, now_ms: u64) -> GroupChanges {
        let mut changes = GroupChanges::default();
        let output = self.machine.remove(leaf);
        self.apply(output, now_ms, &mut changes);
        changes
    }

    /// The best-effort Leave for `pagehide`, if joined.
    pub fn leave_frame(&mut self) -> Option<Vec<u8>> {
        if !self.machine.can_send() {
            return None;
        }
        let output = self.machine.send(&GroupBody::Leave).ok()?;
        output.out.into_iter().next().map(|out| encode(&out))
    }

    fn own_line(&self, chat: &Chat) -> Line {
        Line {
            msg_id: chat.msg_id,
            author: self.name.clone(),
            session: None,
            author_key: None,
            seq: None,
            text: chat.text.clone(),
            sent_at_ms: chat.sent_at_ms,
            delivery: Delivery::Pending,
            arrival: None,
            by_key: None,
            shared_by: None,
        }
    }

    /// Seals every unsent pending message, then one PING that confirms them all, if the group
    /// is ready and someone else is live (the relay keeps nothing for later).
    fn flush_pending(&mut self, changes: &mut GroupChanges) {
        if !self.machine.can_send() || !self.has_live_peer() {
            return;
        }
        let nonce = self.machine.next_ping;
        let mut sent_any = false;
        for pending in self.pending.iter_mut().filter(|p| p.ping.is_none()) {
            if let Ok(output) = self.machine.send(&GroupBody::Chat(pending.chat.clone())) {
                changes.frames.extend(output.out.iter().map(encode));
                pending.ping = Some(nonce);
                sent_any = true;
            }
        }
        if sent_any {
            changes.frames.push(ClientFrame::Ping { nonce }.encode());
            self.machine.next_ping = nonce.wrapping_add(1);
        }
    }

    fn confirm(&mut self, nonce: u32, changes: &mut GroupChanges) {
        let confirmed: Vec<MsgId> = self
            .pending
            .iter()
            .filter(|p| p.ping == Some(nonce))
            .map(|p| p.chat.msg_id)
            .collect();
        if confirmed.is_empty() {
            return;
        }
        self.pending.retain(|p| p.ping != Some(nonce));
        self.log.mark_sent(&confirmed);
        changes.lines = true;
    }

    fn apply(&mut self, output: Output, now_ms: u64, changes: &mut GroupChanges) {
        changes.frames.extend(output.out.iter().map(encode));
        // Counted once per output: `changes` may gather several (a run of signatures).
        changes.dropped += u64::from(output.dropped);
        self.dropped += u64::from(output.dropped);
        for event in output.events {
            self.event(event, now_ms, changes);
        }
        if changes.members {
            let members = self.members();
            self.sharing.saw(members.iter().map(|m| m.leaf_identity()));
            self.adopt_threads();
            self.tell_arrivals(now_ms, changes);
            self.flush_pending(changes);
        }
    }
}

/// The wire frame for one of the machine's outputs.
pub fn encode(out: &Out) -> Vec<u8> {
    match out {
        Out::Broadcast(payload) => ClientFrame::Broadcast { payload }.encode(),
        Out::SendTo(to, payload) => ClientFrame::SendTo { to: *to, payload }.encode(),
        Out::Ping(nonce) => ClientFrame::Ping { nonce: *nonce }.encode(),
    }
}

mod changes;
mod events;
mod history;
mod keep;
mod taken;

use events::compose;
