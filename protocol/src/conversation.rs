//! A room as the app lives it (PRODUCT.md journey 3): the [`Room`] state machine fed by relay
//! frames, the visible chat log, and exactly-once delivery across reconnects.
//!
//! Exactly-once: a message the person typed stays *pending* until the relay has answered a PING
//! written after it — the relay handles a connection's frames in order, so the PONG proves the
//! message reached it. After a reconnect every pending message is sealed again with the same
//! msg_id; receivers drop msg_ids they have already shown (PROTOCOL.md B.3), so each appears
//! once. Nothing typed is lost: a message written while offline waits in the same queue.
//!
//! A pending message goes out only while at least one other member is live. The relay keeps no
//! history, so a message broadcast into an empty room (say, right after a relay restart, before
//! the others have reconnected) would be confirmed by the PONG and yet reach nobody; held back,
//! it goes to the first member who completes the handshake.
//!
//! Each connection's sender session joins only once the identity has certified it
//! ([`Conversation::certificate_request`]): the app signs, asynchronously where the key is
//! WebCrypto's, and only then writes JOIN ([`Conversation::join_frame`]).
//!
//! Input: decoded [`RelayFrame`]s, text to send, the time, the identity's signatures. Output:
//! encoded client frames to write to the WebSocket, in order. No I/O.

use wire::{ClientFrame, ErrorCode, MemberId, RelayFrame, RoomId};

use crate::body::{Chat, MAX_CHAT_TEXT_LEN};
use crate::entropy::Entropy;
use crate::identity::{IdentitySigner, PublicIdentity, SIGNATURE_LEN};
use crate::ids::{DeviceId, MsgId, SenderId};
use crate::keys::{RoomKeys, RoomSecret};
use crate::room::{CertificateRequest, CertifyError, Room};
use crate::room_io::{Event, Member, Outgoing, SendError, Step};

mod changes;
pub(crate) mod log;
pub(crate) mod presence_log;

pub use changes::{Changes, Delivery, FileEvent, Line};
use log::Log;
pub use presence_log::Arrival;
use presence_log::PresenceLog;

/// Most lines kept on screen; older ones scroll away (the protocol keeps no history).
pub const MAX_LINES: usize = 2_000;

/// Why a message cannot be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// Nothing but white space.
    #[error("the message is empty")]
    Empty,
    /// Over [`MAX_CHAT_TEXT_LEN`] bytes.
    #[error("the message is longer than 16 KiB")]
    TooLong,
    /// A private message to someone who is not in the room.
    #[error("that person is not in this room")]
    NoOne,
}

struct Pending {
    chat: Chat,
    /// The PING written after this message on the current connection, if any.
    ping: Option<u32>,
}

/// One person's view of one room.
pub struct Conversation {
    room: Room,
    name: String,
    log: Log,
    pending: Vec<Pending>,
    next_ping: u32,
    welcomed: bool,
    dropped: u64,
    refused: Option<ErrorCode>,
    presence: PresenceLog,
    /// Lines about arrivals so far, for their ids.
    arrivals: u64,
}

impl Conversation {
    /// A conversation in the room of `secret` as `name` from `device`, with this browser's
    /// `identity`, which must certify the session before it joins.
    pub fn new(
        secret: &RoomSecret,
        name: &str,
        device: DeviceId,
        identity: PublicIdentity,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, SendError> {
        Ok(Self {
            room: Room::new(secret, name, device, identity, entropy)?,
            name: name.to_owned(),
            log: Log::default(),
            pending: Vec::new(),
            next_ping: 0,
            welcomed: false,
            dropped: 0,
            refused: None,
            presence: PresenceLog::default(),
            arrivals: 0,
        })
    }

    /// The room state machine (keys, file sealing).
    pub fn room(&mut self) -> &mut Room {
        &mut self.room
    }

    /// A conversation whose sessions an identity with keys in memory certifies at once (tests
    /// and benchmarks; see [`Self::certify_with`] after a reconnect).
    pub fn with_signer(
        secret: &RoomSecret,
        name: &str,
        device: DeviceId,
        signer: &dyn IdentitySigner,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, SendError> {
        let mut convo = Self::new(secret, name, device, signer.public(), entropy)?;
        // Its own signature over the statement of its own identity always checks.
        let _ = convo.certify_with(signer);
        Ok(convo)
    }

    /// The JOIN frame to send first on every new connection; `None` while this connection's
    /// session waits for its certificate.
    pub fn join_frame(&self) -> Option<Vec<u8>> {
        self.room.is_certified().then(|| {
            ClientFrame::Join {
                version: wire::WIRE_VERSION,
                room: self.room_id(),
            }
            .encode()
        })
    }

    /// What the identity must sign before the current session can join; `None` once signed.
    pub fn certificate_request(&self) -> Option<CertificateRequest> {
        self.room.certificate_request()
    }

    /// The identity's signature over `request` certifies the current session (see
    /// [`Room::certify`]).
    pub fn certify(
        &mut self,
        request: &CertificateRequest,
        signature: [u8; SIGNATURE_LEN],
    ) -> Result<(), CertifyError> {
        self.room.certify(request, signature)
    }

    /// Certifies the current session at once with keys in memory.
    pub fn certify_with(&mut self, signer: &dyn IdentitySigner) -> Result<(), CertifyError> {
        self.room.certify_with(signer)
    }

    /// The room id.
    pub fn room_id(&self) -> RoomId {
        self.room.room_id()
    }

    /// The room's keys (for file streams).
    pub fn keys(&self) -> &RoomKeys {
        self.room.keys()
    }

    /// This connection's sender session.
    pub fn sender(&self) -> SenderId {
        self.room.sender()
    }

    /// The chat log, oldest first.
    pub fn lines(&self) -> &[Line] {
        self.log.lines()
    }

    /// The member list, oneself first.
    pub fn members(&self) -> Vec<Member> {
        self.room.members()
    }

    /// Whether nobody else is online.
    pub fn alone(&self) -> bool {
        self.welcomed && !self.has_live_peer()
    }

    fn has_live_peer(&self) -> bool {
        self.room.members().iter().any(|m| !m.is_self && m.online)
    }

    /// Envelopes that failed to open, and relay frames that failed to decode, all dropped.
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

    /// The connection dropped: a new sender session, to be certified, will join on the next
    /// one, and every message not confirmed is pending again. The file transfers hear of it
    /// ([`FileEvent::ConnectionLost`]).
    pub fn disconnected(&mut self, entropy: &mut dyn Entropy) -> Changes {
        if self.welcomed {
            self.room.reconnect(entropy);
        }
        self.welcomed = false;
        for pending in &mut self.pending {
            pending.ping = None;
        }
        Changes {
            members: true,
            files: vec![FileEvent::ConnectionLost {
                sender: self.room.sender(),
            }],
            ..Changes::default()
        }
    }

    /// A frame from the relay.
    pub fn receive(
        &mut self,
        frame: RelayFrame<'_>,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Changes {
        let mut changes = Changes::default();
        match frame {
            RelayFrame::Welcome {
                your_id,
                max_payload,
                ..
            } => {
                self.refused = None;
                changes.files.push(FileEvent::Welcomed { max_payload });
                match self.room.welcome(your_id, now_ms, entropy) {
                    Ok(step) => {
                        self.welcomed = true;
                        self.apply(step, now_ms, &mut changes);
                    }
                    Err(_) => self.refused = Some(ErrorCode::Malformed),
                }
                changes.members = true;
            }
            RelayFrame::Deliver { from, payload } => {
                match self.room.deliver(from, payload, now_ms, entropy) {
                    Ok(step) => self.apply(step, now_ms, &mut changes),
                    Err(_) => {
                        self.dropped += 1;
                        changes.lines = true;
                    }
                }
            }
            RelayFrame::Joined(_) => {}
            RelayFrame::Left(member) => {
                changes.files.push(FileEvent::Left(member));
                let step = self.room.member_left(member);
                self.apply(step, now_ms, &mut changes);
            }
            RelayFrame::Pong { nonce } => self.confirm(nonce, &mut changes),
            RelayFrame::Error(code) => self.refused = Some(code),
        }
        changes
    }

    /// Time passes: heartbeats and offline detection.
    pub fn tick(&mut self, now_ms: u64, entropy: &mut dyn Entropy) -> Changes {
        let mut changes = Changes::default();
        if let Ok(step) = self.room.tick(now_ms, entropy) {
            self.apply(step, now_ms, &mut changes);
        }
        changes
    }

    /// The person sends `text`: it joins the log as pending and goes out now if connected.
    pub fn send(
        &mut self,
        text: &str,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Changes, ComposeError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ComposeError::Empty);
        }
        if text.len() > MAX_CHAT_TEXT_LEN {
            return Err(ComposeError::TooLong);
        }
        let chat = Chat {
            msg_id: MsgId::random(entropy),
            sent_at_ms: now_ms,
            text: text.to_owned(),
        };
        self.log.add(Line {
            msg_id: chat.msg_id,
            author: self.name.clone(),
            session: None,
            author_key: None,
            seq: None,
            text: chat.text.clone(),
            sent_at_ms: now_ms,
            delivery: Delivery::Pending,
            arrival: None,
            by_key: None,
            shared_by: None,
        });
        self.pending.push(Pending { chat, ping: None });
        let mut changes = Changes {
            lines: true,
            ..Changes::default()
        };
        self.flush_pending(&mut changes);
        Ok(changes)
    }

    /// The best-effort Leave for `pagehide`, if joined.
    pub fn leave_frame(&mut self) -> Option<Vec<u8>> {
        if !self.welcomed {
            return None;
        }
        self.room.leave().ok().map(|out| encode(&out))
    }

    /// Seals every unsent pending message, then one PING that confirms them all — if there is
    /// anyone to deliver them to.
    fn flush_pending(&mut self, changes: &mut Changes) {
        if !self.welcomed || !self.has_live_peer() {
            return;
        }
        let nonce = self.next_ping;
        let mut sent_any = false;
        for pending in self.pending.iter_mut().filter(|p| p.ping.is_none()) {
            if let Ok(out) = self.room.resend_chat(&pending.chat) {
                changes.frames.push(encode(&out));
                pending.ping = Some(nonce);
                sent_any = true;
            }
        }
        if sent_any {
            changes.frames.push(ClientFrame::Ping { nonce }.encode());
            self.next_ping = self.next_ping.wrapping_add(1);
        }
    }

    fn confirm(&mut self, nonce: u32, changes: &mut Changes) {
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

    fn apply(&mut self, step: Step, now_ms: u64, changes: &mut Changes) {
        changes.frames.extend(step.outgoing.iter().map(encode));
        for event in step.events {
            match event {
                Event::MembersChanged => changes.members = true,
                Event::Chat {
                    from,
                    sender,
                    name,
                    seq,
                    chat,
                } => {
                    let line = Line {
                        msg_id: chat.msg_id,
                        author: name,
                        session: Some((from, sender)),
                        author_key: None,
                        seq: Some(seq),
                        text: chat.text,
                        sent_at_ms: chat.sent_at_ms,
                        delivery: Delivery::Received,
                        arrival: None,
                        by_key: None,
                        shared_by: None,
                    };
                    if self.log.add(line.clone()) {
                        changes.arrived.push(line);
                    }
                    changes.lines = true;
                }
                Event::FileOffer {
                    from,
                    sender,
                    offer,
                } => changes.files.push(FileEvent::Offer {
                    from,
                    sender,
                    offer,
                }),
                Event::FileCtrl { from, sender, ctrl } => {
                    changes.files.push(FileEvent::Ctrl { from, sender, ctrl });
                }
                Event::FileChunk { from, frame } => {
                    changes.files.push(FileEvent::Chunk { from, frame });
                }
            }
        }
        if changes.members {
            self.tell_arrivals(now_ms, changes);
            // Someone may just have become live: what waited can go out now.
            self.flush_pending(changes);
        }
    }

    /// Lines for who arrived and who left, at `now_ms` on this member's clock.
    fn tell_arrivals(&mut self, now_ms: u64, changes: &mut Changes) {
        for (arrival, name) in self.presence.changes(&self.room.members()) {
            self.arrivals += 1;
            // Ids of their own: a random msg_id never starts with these 8 bytes in practice,
            // and these lines never go on the wire.
            let mut id = *b"arrival\0\0\0\0\0\0\0\0\0";
            id[8..].copy_from_slice(&self.arrivals.to_be_bytes());
            self.log.add(Line {
                msg_id: MsgId(id),
                author: name,
                session: None,
                author_key: None,
                seq: None,
                text: String::new(),
                sent_at_ms: now_ms,
                delivery: Delivery::Received,
                arrival: Some(arrival),
                by_key: None,
                shared_by: None,
            });
            changes.lines = true;
        }
    }
}

/// The wire frame for an outgoing payload.
pub fn encode(out: &Outgoing) -> Vec<u8> {
    match out {
        Outgoing::Broadcast(payload) => ClientFrame::Broadcast { payload }.encode(),
        Outgoing::SendTo(to, payload) => ClientFrame::SendTo {
            to: MemberId(to.0),
            payload,
        }
        .encode(),
    }
}
