//! The room state machine (PROTOCOL.md B.2, B.3): receiving envelopes in the specified order,
//! the Join/Here/Ack presence handshake with baselines, liveness gating, heartbeats, offline
//! detection, device replacement, the member list and chat de-duplication.
//!
//! Sans-IO: every input carries the time in milliseconds and, where needed, an [`Entropy`];
//! every output is a [`Step`] of payloads to send and events to show.

use std::collections::HashMap;

use wire::{MemberId, RoomId};

use crate::body::{Body, Chat, FileCtrl, FileOffer, Presence};
use crate::dedupe::MsgIdHistory;
use crate::entropy::Entropy;
use crate::envelope::{Kind, OpenError, SealedEnvelope};
use crate::identity::session::{CERT_LEN, SessionKey};
use crate::identity::{IdentitySigner, PublicIdentity};
use crate::ids::{Challenge, DeviceId, MsgId, SenderId};
use crate::keys::{RoomKeys, RoomSecret};
pub use crate::peer::{
    CHALLENGE_MS, LIVENESS_BUFFER_BYTES, LIVENESS_BUFFER_ENVELOPES, LIVENESS_BUFFER_MS,
    SESSIONS_PER_MEMBER,
};
use crate::peer::{Held, Liveness, Peer, Sent};
use crate::room_io::{Event, Member, Outgoing, SendError, Step};
use crate::session::SenderSession;
use crate::stream::CHUNK_KIND;

mod presence;
mod signing;
mod table;

pub use signing::{CertificateRequest, CertifyError};

/// Heartbeat period (PROTOCOL.md B.3): 20 s …
pub const HEARTBEAT_MS: u64 = 20_000;
/// … with ± 5 s of random jitter.
pub const HEARTBEAT_JITTER_MS: u64 = 5_000;
/// A live member silent this long is shown offline (PROTOCOL.md B.3).
pub const SILENCE_MS: u64 = 60_000;
/// Most sender sessions a room tracks: four times the relay's member cap leaves room for
/// reconnects, while bounding what a hostile member can make us hold.
pub const MAX_PEERS: usize = 4 * wire::limits::MAX_MEMBERS_PER_ROOM;

/// A sender session as a member knows it: the connection it arrives on, and its sender id.
pub(crate) type PeerKey = (MemberId, SenderId);

/// One page's membership of one room.
pub struct Room {
    keys: RoomKeys,
    session: SenderSession,
    name: String,
    device_id: DeviceId,
    /// This browser's identity, which certifies each session (docs/PROTOCOL.md I.2).
    identity: PublicIdentity,
    /// The session's own key, which signs its Join, Here and Ack, and its certificate.
    session_key: SessionKey,
    /// The identity's certificate for this session: `None` until [`Self::certify`], and again
    /// after [`Self::reconnect`]. A session without one does not join.
    cert: Option<[u8; CERT_LEN]>,
    /// Set by WELCOME, together with the Join challenge `c_J` and when it was sent.
    joined: Option<(MemberId, Sent)>,
    /// Keyed by the DELIVER `from` and the sender id together: a sender id is in the clear, so
    /// an insider on another connection who seals under a member's sender id gets an entry of
    /// its own instead of taking the member's place.
    peers: HashMap<PeerKey, Peer>,
    seen: MsgIdHistory,
    next_heartbeat_ms: u64,
}

impl Room {
    /// A new session in the room of `secret`, with a fresh sender id, for `identity` to certify
    /// ([`Self::certificate_request`]) before it joins. Fails if `name` is over its limit.
    pub fn new(
        secret: &RoomSecret,
        name: &str,
        device_id: DeviceId,
        identity: PublicIdentity,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, SendError> {
        if name.len() > crate::body::MAX_NAME_LEN {
            return Err(SendError::Body(crate::body::BodyError::TooLong("name")));
        }
        let keys = RoomKeys::derive(secret);
        let session = SenderSession::new(&keys, entropy);
        let session_key = SessionKey::generate(entropy);
        Ok(Self {
            keys,
            session,
            name: name.to_owned(),
            device_id,
            identity,
            session_key,
            cert: None,
            joined: None,
            peers: HashMap::new(),
            seen: MsgIdHistory::default(),
            next_heartbeat_ms: u64::MAX,
        })
    }

    /// A new session certified at once by an identity whose keys are in memory (tests,
    /// benchmarks; the app signs asynchronously where the keys are WebCrypto's).
    pub fn with_signer(
        secret: &RoomSecret,
        name: &str,
        device_id: DeviceId,
        signer: &dyn IdentitySigner,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, SendError> {
        let mut room = Self::new(secret, name, device_id, signer.public(), entropy)?;
        // A signer's own signature over the statement built from its own public identity
        // always checks.
        let _ = room.certify_with(signer);
        Ok(room)
    }

    /// After the connection to the relay dropped: a fresh sender session (so no `(key, nonce)`
    /// pair can repeat and the handshake runs again, PROTOCOL.md B.1, B.3), no member id until
    /// the next WELCOME, and an empty member table, rebuilt from the Here replies. The chat
    /// history of msg_ids is kept, so messages resent by others are still shown once. The new
    /// session needs the identity's certificate ([`Self::certificate_request`]) before it joins.
    pub fn reconnect(&mut self, entropy: &mut dyn Entropy) {
        self.session = SenderSession::new(&self.keys, entropy);
        self.session_key = SessionKey::generate(entropy);
        self.cert = None;
        self.joined = None;
        self.peers.clear();
        self.next_heartbeat_ms = u64::MAX;
    }

    /// The room's keys (for file streams and the check code).
    pub fn keys(&self) -> &RoomKeys {
        &self.keys
    }

    /// The room id to send in JOIN.
    pub fn room_id(&self) -> RoomId {
        self.keys.room_id()
    }

    /// This session's sender id.
    pub fn sender(&self) -> SenderId {
        self.session.sender()
    }

    /// The relay's WELCOME: remember our member id and broadcast Join. Fails, changing
    /// nothing, if this session has no certificate yet.
    pub fn welcome(
        &mut self,
        your_id: MemberId,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Step, SendError> {
        let challenge = Challenge::random(entropy);
        let join = self.signed_join(your_id, challenge, now_ms)?;
        let sealed = self.session.seal(Kind::Presence, &join.encode()?)?;
        self.joined = Some((
            your_id,
            Sent {
                challenge,
                at_ms: now_ms,
            },
        ));
        self.schedule_heartbeat(now_ms, entropy);
        Ok(Step {
            outgoing: vec![Outgoing::Broadcast(sealed)],
            events: vec![Event::MembersChanged],
        })
    }

    /// A DELIVER from the relay. Envelopes that fail any check give the one opaque error and
    /// change nothing; authentic envelopes that are not acted on give an empty step.
    pub fn deliver(
        &mut self,
        from: MemberId,
        payload: &[u8],
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Step, OpenError> {
        if payload.get(1) == Some(&CHUNK_KIND) {
            let frame = payload.to_vec();
            return Ok(Step {
                outgoing: Vec::new(),
                events: vec![Event::FileChunk { from, frame }],
            });
        }
        let sealed = SealedEnvelope::parse(payload)?;
        let header = *sealed.header();
        if header.sender == self.session.sender() || self.joined.is_none() {
            return Err(OpenError);
        }
        let room_id = self.keys.room_id();
        let key = (from, header.sender);
        let body = match self.peers.get_mut(&key) {
            Some(peer) => {
                let body = sealed.open(&room_id, &peer.key, &mut peer.window)?;
                peer.last_heard_ms = now_ms;
                if peer.liveness == Liveness::Left {
                    // The relay said it left, yet the session speaks: meet it again.
                    peer.liveness = Liveness::Pending { here: None };
                    peer.asked = None;
                }
                body
            }
            None => {
                let mut peer = Peer::new(self.keys.message_key(header.sender), from, now_ms);
                let body = sealed.open(&room_id, &peer.key, &mut peer.window)?;
                if !self.make_room_for_peer(from) {
                    return Ok(Step::default());
                }
                peer.last_heard_ms = now_ms;
                self.peers.insert(key, peer);
                body
            }
        };
        let mut step = Step::default();
        self.dispatch(
            key,
            header.kind,
            header.seq,
            body,
            now_ms,
            entropy,
            &mut step,
        );
        Ok(step)
    }

    /// The relay's LEFT: that member's sessions are shown offline (or forgotten, if they never
    /// finished the handshake).
    pub fn member_left(&mut self, member: MemberId) -> Step {
        let mut step = Step::default();
        self.peers.retain(|_, peer| {
            if peer.member_id != member {
                return true;
            }
            match peer.liveness {
                Liveness::Pending { .. } => false,
                Liveness::Live { .. } => {
                    peer.liveness = Liveness::Left;
                    step.changed();
                    true
                }
                Liveness::Left | Liveness::Gone => true,
            }
        });
        step
    }

    /// Time passes: heartbeats, 60 s silence, and the 5 s liveness buffer.
    pub fn tick(&mut self, now_ms: u64, entropy: &mut dyn Entropy) -> Result<Step, SendError> {
        let mut step = Step::default();
        for peer in self.peers.values_mut() {
            peer.expire_held(now_ms);
            if let Liveness::Live { online: true } = peer.liveness
                && now_ms.saturating_sub(peer.last_heard_ms) >= SILENCE_MS
            {
                peer.liveness = Liveness::Live { online: false };
                step.changed();
            }
        }
        // Pending sessions that never finished the handshake are forgotten after the silence
        // period: they were never shown, and keeping them would only hold memory.
        self.peers.retain(|_, peer| {
            !matches!(peer.liveness, Liveness::Pending { .. })
                || now_ms.saturating_sub(peer.last_heard_ms) < SILENCE_MS
        });
        if self.joined.is_some() && now_ms >= self.next_heartbeat_ms {
            let heartbeat = Presence::Heartbeat { ts_ms: now_ms };
            let sealed = self.session.seal(Kind::Presence, &heartbeat.encode()?)?;
            step.outgoing.push(Outgoing::Broadcast(sealed));
            self.schedule_heartbeat(now_ms, entropy);
        }
        Ok(step)
    }

    /// When [`Self::tick`] next has something to do, at the latest.
    pub fn next_tick_ms(&self) -> u64 {
        self.next_heartbeat_ms
    }

    /// Seals a chat message with a fresh msg_id, remembering it so an echo is not shown twice.
    pub fn send_chat(
        &mut self,
        text: &str,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<(Outgoing, Chat), SendError> {
        let chat = Chat {
            msg_id: MsgId::random(entropy),
            sent_at_ms: now_ms,
            text: text.to_owned(),
        };
        let sealed = self.seal(Kind::Chat, &chat)?;
        self.seen.insert(chat.msg_id);
        Ok((Outgoing::Broadcast(sealed), chat))
    }

    /// Seals an already-sent chat message again, same msg_id, e.g. after a reconnect when its
    /// delivery is in doubt; receivers that saw it drop the copy (PROTOCOL.md B.3).
    pub fn resend_chat(&mut self, chat: &Chat) -> Result<Outgoing, SendError> {
        Ok(Outgoing::Broadcast(self.seal(Kind::Chat, chat)?))
    }

    /// Seals a file offer (to broadcast).
    pub fn seal_offer(&mut self, offer: &FileOffer) -> Result<Vec<u8>, SendError> {
        self.seal(Kind::FileOffer, offer)
    }

    /// Seals file control (to send to the offering or receiving member).
    pub fn seal_file_ctrl(&mut self, ctrl: &FileCtrl) -> Result<Vec<u8>, SendError> {
        self.seal(Kind::FileCtrl, ctrl)
    }

    /// The best-effort Leave for `pagehide`.
    pub fn leave(&mut self) -> Result<Outgoing, SendError> {
        Ok(Outgoing::Broadcast(
            self.seal(Kind::Presence, &Presence::Leave)?,
        ))
    }

    /// Bytes of envelope bodies held for sessions that are not live yet (at most
    /// [`LIVENESS_BUFFER_BYTES`]).
    pub fn held_bytes(&self) -> usize {
        self.peers.values().map(Peer::held_bytes).sum()
    }

    /// The member list: oneself first, then every member that completed the handshake.
    pub fn members(&self) -> Vec<Member> {
        let mut members = Vec::new();
        if let Some((member_id, _)) = self.joined {
            members.push(Member {
                sender: self.session.sender(),
                member_id,
                identity: *self.identity.ik(),
                published: self.identity,
                name: self.name.clone(),
                device_id: self.device_id,
                online: true,
                is_self: true,
                leaf: None,
            });
        }
        let mut others: Vec<Member> = self
            .peers
            .iter()
            .filter_map(|((_, sender), peer)| {
                let profile = peer.profile.as_ref()?;
                let published = *peer.cert.as_ref()?.identity();
                let identity = *published.ik();
                let online = match peer.liveness {
                    Liveness::Pending { .. } => return None,
                    Liveness::Live { online } => online,
                    Liveness::Left | Liveness::Gone => false,
                };
                Some(Member {
                    sender: *sender,
                    member_id: peer.member_id,
                    identity,
                    published,
                    name: profile.name.clone(),
                    device_id: profile.device_id,
                    online,
                    is_self: false,
                    leaf: None,
                })
            })
            .collect();
        others.sort_by(|a, b| (&a.name, a.sender).cmp(&(&b.name, b.sender)));
        members.extend(others);
        members
    }

    fn seal<B: Body>(&mut self, kind: Kind, body: &B) -> Result<Vec<u8>, SendError> {
        if self.joined.is_none() {
            return Err(SendError::NotJoined);
        }
        Ok(self.session.seal(kind, &body.encode()?)?)
    }

    fn schedule_heartbeat(&mut self, now_ms: u64, entropy: &mut dyn Entropy) {
        let jitter = entropy.below(2 * HEARTBEAT_JITTER_MS + 1);
        self.next_heartbeat_ms = now_ms + HEARTBEAT_MS - HEARTBEAT_JITTER_MS + jitter;
    }

    #[allow(clippy::too_many_arguments)]
    fn dispatch(
        &mut self,
        key: PeerKey,
        kind: Kind,
        seq: u64,
        body: Vec<u8>,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) {
        if kind == Kind::Presence
            && let Ok(presence) = Presence::decode(&body)
            && self.handshake(key, seq, &presence, now_ms, entropy, step)
        {
            return;
        }
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        match peer.liveness {
            Liveness::Pending { .. } => {
                self.hold(
                    key,
                    Held {
                        seq,
                        kind,
                        body,
                        received_ms: now_ms,
                    },
                );
                if !self.handshake_under_way(key, now_ms) {
                    self.ask(key, now_ms, entropy, step);
                }
            }
            Liveness::Live { online } => {
                if !online {
                    peer.liveness = Liveness::Live { online: true };
                    step.changed();
                }
                self.act(key, kind, seq, &body, step);
            }
            Liveness::Left | Liveness::Gone => {}
        }
    }

    /// Acts on an envelope (number `seq` of its session) of a live sender.
    fn act(&mut self, key: PeerKey, kind: Kind, seq: u64, body: &[u8], step: &mut Step) {
        let Some(peer) = self.peers.get(&key) else {
            return;
        };
        let (from, sender) = key;
        let name = peer
            .profile
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default();
        match kind {
            Kind::Presence => {
                if let Ok(presence) = Presence::decode(body) {
                    self.presence_from_live(key, &presence, step);
                }
            }
            Kind::Chat => {
                if let Ok(chat) = Chat::decode(body)
                    && self.seen.insert(chat.msg_id)
                {
                    step.events.push(Event::Chat {
                        from,
                        sender,
                        name,
                        seq,
                        chat,
                    });
                }
            }
            Kind::FileOffer => {
                if let Ok(offer) = FileOffer::decode(body) {
                    step.events.push(Event::FileOffer {
                        from,
                        sender,
                        offer,
                    });
                }
            }
            Kind::FileCtrl => {
                if let Ok(ctrl) = FileCtrl::decode(body) {
                    step.events.push(Event::FileCtrl { from, sender, ctrl });
                }
            }
        }
    }
}
