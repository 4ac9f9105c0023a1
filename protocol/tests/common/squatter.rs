//! Mallory, an insider who holds the invite: she seals envelopes under any sender id she likes
//! and certifies them with her own identity; and what the simulated relay saw a member send her.

use protocol::MemberId;
use protocol::body::{Body, Chat, Presence};
use protocol::envelope::{Kind, SealedEnvelope};
use protocol::identity::session::{
    Certificate, PresenceMessage, PresenceType, SessionFacts, SessionKey, session_statement,
};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::{Challenge, DeviceId, MsgId, SenderId};
use protocol::keys::RoomKeys;
use protocol::replay::ReplayWindow;
use protocol::room_io::Outgoing;
use protocol::session::SenderSession;

use super::room_relay::Relay;

/// Mallory: holds the invite, seals under any sender id she likes and certifies the session
/// with her own identity (identity seeds 66 and 67, session key seed 68).
pub struct Squatter {
    keys: RoomKeys,
    identity: IdentityKeys,
    sk: SessionKey,
    pub session: SenderSession,
    sender: SenderId,
    name: String,
    device: DeviceId,
}

impl Squatter {
    pub fn new(keys: &RoomKeys, sender: SenderId, name: &str, first_seq: u64) -> Self {
        let mut session = SenderSession::with_sender(keys, sender);
        session.skip_to(first_seq);
        Self {
            keys: keys.clone(),
            identity: IdentityKeys::from_seeds(&[66; 32], &[67; 32]),
            sk: SessionKey::from_seed(&[68; 32]),
            session,
            sender,
            name: name.into(),
            device: DeviceId([99; 16]),
        }
    }

    pub fn cert(&self) -> Vec<u8> {
        let facts = SessionFacts {
            room_id: self.keys.room_id(),
            sender: self.sender,
            device_id: self.device,
            name: &self.name,
        };
        let statement = session_statement(&facts, &self.sk.public()).unwrap();
        Certificate::assemble(
            self.identity.public(),
            self.sk.public(),
            self.identity.sign(&statement),
        )
        .to_bytes()
        .to_vec()
    }

    pub fn sig(
        &self,
        kind: PresenceType,
        member: MemberId,
        first: Challenge,
        second: Challenge,
    ) -> Vec<u8> {
        self.sk
            .sign_presence(&PresenceMessage {
                kind,
                room_id: self.keys.room_id(),
                sender: self.sender,
                member,
                first,
                second,
            })
            .to_vec()
    }

    pub fn join(&mut self, member: MemberId, challenge: Challenge) -> Vec<u8> {
        let body = Presence::SignedJoin {
            challenge,
            name: self.name.clone(),
            device_id: self.device,
            ts_ms: 0,
            member_id: member.0,
            cert: self.cert(),
            signature: self.sig(PresenceType::Join, member, challenge, Challenge([0; 16])),
        };
        self.session
            .seal(Kind::Presence, &body.encode().unwrap())
            .unwrap()
    }

    pub fn ack(&mut self, member: MemberId, first: Challenge, echo: Challenge) -> Vec<u8> {
        let body = Presence::SignedAck {
            echo,
            signature: self.sig(PresenceType::Ack, member, first, echo),
        };
        self.session
            .seal(Kind::Presence, &body.encode().unwrap())
            .unwrap()
    }

    pub fn chat(&mut self, text: &str) -> Vec<u8> {
        let chat = Chat {
            msg_id: MsgId([5; 16]),
            sent_at_ms: 0,
            text: text.into(),
        };
        self.session
            .seal(Kind::Chat, &chat.encode().unwrap())
            .unwrap()
    }
}

/// A presence body `payload` carries, opened with the room's `keys`.
pub fn open_presence(keys: &RoomKeys, payload: &[u8]) -> Presence {
    let sealed = SealedEnvelope::parse(payload).unwrap();
    let header = *sealed.header();
    let body = sealed
        .open(
            &keys.room_id(),
            &keys.message_key(header.sender),
            &mut ReplayWindow::default(),
        )
        .unwrap();
    Presence::decode(&body).unwrap()
}

/// The last Here `by` sent to `to`: (echo, challenge).
pub fn last_here(
    relay: &Relay,
    keys: &RoomKeys,
    by: MemberId,
    to: MemberId,
) -> (Challenge, Challenge) {
    relay
        .sent
        .iter()
        .rev()
        .find_map(|(m, out)| match out {
            Outgoing::SendTo(t, p) if *m == by && *t == to => match open_presence(keys, p) {
                Presence::SignedHere {
                    echo, challenge, ..
                } => Some((echo, challenge)),
                _ => None,
            },
            _ => None,
        })
        .expect("a Here")
}
