//! Signed presence (docs/PROTOCOL.md I.2, I.3) in the room: members are listed under the
//! identity their certificate names; an insider who holds the invite cannot appear under another
//! identity, cannot be listed with a signature that fails, and cannot hide a member by taking
//! its device id.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use common::room_relay::{Fate, Relay};
use protocol::MemberId;
use protocol::body::{Body, Presence};
use protocol::envelope::{Kind, SealedEnvelope};
use protocol::ids::{Challenge, DeviceId, SenderId};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::replay::ReplayWindow;
use protocol::room::Room;
use protocol::room_io::Outgoing;
use protocol::session::SenderSession;

fn secret() -> RoomSecret {
    RoomSecret::from_bytes([5; 32])
}

fn keys() -> RoomKeys {
    RoomKeys::derive(&secret())
}

/// Opens an envelope as any insider can (the room keys come with the invite).
fn open(payload: &[u8]) -> (SenderId, Presence) {
    let sealed = SealedEnvelope::parse(payload).unwrap();
    let sender = sealed.header().sender;
    let body = sealed
        .open(
            &keys().room_id(),
            &keys().message_key(sender),
            &mut ReplayWindow::default(),
        )
        .unwrap();
    (sender, Presence::decode(&body).unwrap())
}

/// Mallory, an insider on connection `from`: her own sender session, sealing whatever she likes.
struct Insider {
    session: SenderSession,
    from: MemberId,
}

impl Insider {
    fn new(from: u32) -> Self {
        Self {
            session: SenderSession::new(&keys(), &mut SeededEntropy::new(u64::from(from))),
            from: MemberId(from),
        }
    }

    fn send(&mut self, relay: &mut Relay, to: MemberId, kind: Kind, body: &[u8]) -> bool {
        let sealed = self.session.seal(kind, body).unwrap();
        relay.deliver(to, self.from, &sealed)
    }

    /// A Join of Mallory's session that borrows `cert` and `signature`.
    fn join_with(&self, cert: Vec<u8>, signature: Vec<u8>, name: &str) -> Vec<u8> {
        Presence::SignedJoin {
            challenge: Challenge([1; 16]),
            name: name.into(),
            device_id: DeviceId([9; 16]),
            ts_ms: 0,
            member_id: self.from.0,
            cert,
            signature,
        }
        .encode()
        .unwrap()
    }
}

fn chat(text: &str) -> Vec<u8> {
    protocol::body::Chat {
        msg_id: protocol::ids::MsgId([7; 16]),
        sent_at_ms: 0,
        text: text.into(),
    }
    .encode()
    .unwrap()
}

/// Alice's signed Join, as the relay delivered it: its certificate and signature.
fn alices_join(relay: &Relay, alice: MemberId) -> (Vec<u8>, Vec<u8>) {
    match open(&relay.sent_by(alice)[0]).1 {
        Presence::SignedJoin {
            cert, signature, ..
        } => (cert, signature),
        other => panic!("{other:?}"),
    }
}

#[test]
fn members_are_listed_under_the_identity_their_certificate_names() {
    let mut relay = Relay::new(51);
    let alice = relay.join(&secret(), "alice", 1, 10);
    let bob = relay.join(&secret(), "bob", 2, 20);
    let alice_ik = *common::identity(DeviceId([1; 16])).public().ik();
    let bob_ik = *common::identity(DeviceId([2; 16])).public().ik();
    let seen: Vec<_> = relay
        .room(bob)
        .members()
        .into_iter()
        .map(|m| (m.name, m.identity))
        .collect();
    assert_eq!(seen, [("bob".into(), bob_ik), ("alice".into(), alice_ik)]);
    assert_eq!(relay.room(alice).identity(), alice_ik);
    // Every handshake message on the wire is a signed one.
    for (_, out) in relay.sent.clone() {
        let (Outgoing::Broadcast(p) | Outgoing::SendTo(_, p)) = out;
        match open(&p).1 {
            Presence::SignedJoin { .. }
            | Presence::SignedHere { .. }
            | Presence::SignedAck { .. } => {}
            Presence::Heartbeat { .. } | Presence::Leave => {}
            other => panic!("unsigned: {other:?}"),
        }
    }
}

#[test]
fn a_join_whose_signature_fails_lists_no_one_and_shows_nothing() {
    let mut relay = Relay::new(52);
    let bob = relay.join(&secret(), "bob", 2, 20);
    let alice = relay.join(&secret(), "alice", 1, 10);
    let (cert, signature) = alices_join(&relay, alice);
    let mut mallory = Insider::new(66);

    // Alice's certificate in Mallory's session (it names Alice's sender id), Alice's signature.
    let borrowed = mallory.join_with(cert.clone(), signature.clone(), "alice");
    mallory.send(&mut relay, bob, Kind::Presence, &borrowed);
    // Mallory's own identity with Alice's key written over hers: the binding fails.
    let mut forged = cert.clone();
    forged[..32].copy_from_slice(common::identity(DeviceId([1; 16])).public().ik());
    let mut own = Insider::new(67);
    own.send(
        &mut relay,
        bob,
        Kind::Presence,
        &own.join_with(forged, signature.clone(), "alice"),
    );
    // A v1 Join, unsigned.
    let v1 = Presence::Join {
        challenge: Challenge([1; 16]),
        name: "alice".into(),
        device_id: DeviceId([1; 16]),
        ts_ms: 0,
        member_id: 66,
    };
    mallory.send(&mut relay, bob, Kind::Presence, &v1.encode().unwrap());
    let before = relay.queue.len();
    assert_eq!(before, 0, "Bob answered none of them");
    // What Mallory says next is held, then dropped; never shown.
    mallory.send(&mut relay, bob, Kind::Chat, &chat("it is me, alice"));
    relay.tick(6_000);
    relay.tick(60_000);
    assert!(relay.chats_seen_by(bob).is_empty());
    let names: Vec<_> = relay.names_seen_by(bob);
    assert_eq!(names, [("bob".into(), true), ("alice".into(), true)]);
}

#[test]
fn another_identity_cannot_hide_a_member_by_taking_its_device_id() {
    let mut relay = Relay::new(53);
    let bob = relay.join(&secret(), "bob", 2, 20);
    relay.join(&secret(), "alice", 1, 10);
    // Mallory joins with Alice's device id and her own identity.
    let mallory = common::identity(DeviceId([66; 16]));
    relay.join_as(
        &secret(),
        "mallory",
        DeviceId([1; 16]),
        mallory,
        66,
        |_, _, _| Fate::Deliver,
    );
    let names = relay.names_seen_by(bob);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&("alice".into(), true)), "{names:?}");

    // Alice's own tab, reconnected (same device, same identity), still replaces its entry.
    relay.members.retain(|m| m.0 != MemberId(10));
    relay.join(&secret(), "alice again", 1, 11);
    let names = relay.names_seen_by(bob);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&("alice again".into(), true)), "{names:?}");
}

#[test]
fn an_ack_with_a_broken_signature_makes_no_one_live() {
    let mut relay = Relay::new(54);
    let alice = relay.join(&secret(), "alice", 1, 10);
    // Bob joins; the relay hands Alice his Join and holds back his Ack.
    let (bob, mut acks) = relay.join_holding_acks(&secret(), "bob", 2, 20);
    let ack = acks.pop().unwrap();
    let (bob_sender, body) = open(&ack.2);
    let Presence::SignedAck {
        echo,
        mut signature,
    } = body
    else {
        panic!("{body:?}")
    };
    // An insider re-seals Bob's Ack in Bob's session with one bit of the signature flipped.
    signature[10] ^= 1;
    let mut forger = SenderSession::with_sender(&keys(), bob_sender);
    forger.skip_to(5);
    let forged = Presence::SignedAck { echo, signature }.encode().unwrap();
    let sealed = forger.seal(Kind::Presence, &forged).unwrap();
    assert!(
        relay.deliver(alice, bob, &sealed),
        "the envelope itself is authentic"
    );
    relay.run_with(|_, _, _| Fate::Drop);
    assert!(!relay.names_seen_by(alice).iter().any(|(n, _)| n == "bob"));
    // Bob's own Ack, still in time, does.
    relay.deliver(ack.1, ack.0, &ack.2);
    assert!(relay.names_seen_by(alice).contains(&("bob".into(), true)));
}

/// Room::new with a name over the limit fails before any certificate is made.
#[test]
fn a_room_is_not_made_for_a_name_over_the_limit() {
    let long = "x".repeat(65);
    let device = DeviceId([1; 16]);
    assert!(
        Room::with_signer(
            &secret(),
            &long,
            device,
            &*common::identity(device),
            &mut SeededEntropy::new(1)
        )
        .is_err()
    );
}

#[test]
fn two_people_with_one_name_are_told_apart() {
    let mut relay = Relay::new(55);
    let bob = relay.join(&secret(), "bob", 2, 20);
    relay.join(&secret(), "alice", 1, 10);
    relay.join(&secret(), "alice", 3, 30);
    let members = relay.room(bob).members();
    let tags = protocol::room_io::name_tags(&members);
    let shown: Vec<_> = members
        .iter()
        .zip(&tags)
        .map(|(m, tag)| (m.name.as_str(), tag.clone()))
        .collect();
    let alice_1 = protocol::hex::encode(&common::identity(DeviceId([1; 16])).public().ik()[..6]);
    let alice_3 = protocol::hex::encode(&common::identity(DeviceId([3; 16])).public().ik()[..6]);
    assert_eq!(shown[0], ("bob", None));
    let mut alices: Vec<_> = shown[1..]
        .iter()
        .map(|(_, tag)| tag.clone().unwrap())
        .collect();
    alices.sort();
    let mut expected = vec![alice_1, alice_3];
    expected.sort();
    assert_eq!(alices, expected);
}

/// A live session asks at most once per challenge lifetime, so Joins beyond that from a live
/// session are a flood: each would cost three signature checks and a signature. Found by
/// review. One is answered per 15 s.
#[test]
fn joins_flooded_by_a_live_session_get_one_answer_per_fifteen_seconds() {
    let mut relay = Relay::new(56);
    let alice = relay.join(&secret(), "alice", 1, 10);
    let bob = relay.join(&secret(), "bob", 2, 20);
    let answers = |relay: &Relay| {
        relay
            .sent
            .iter()
            .filter(|(from, out)| {
                *from == alice && matches!(out, Outgoing::SendTo(to, _) if *to == bob)
            })
            .count()
    };
    let flood = |relay: &mut Relay| {
        for round in 0..10 {
            let now = relay.now;
            let step = relay
                .room(bob)
                .welcome(bob, now, &mut SeededEntropy::new(round))
                .unwrap();
            relay.take(bob, step);
            relay.run();
        }
    };
    let before = answers(&relay);
    flood(&mut relay);
    assert_eq!(answers(&relay) - before, 1);
    relay.now += protocol::room::CHALLENGE_MS + 1;
    flood(&mut relay);
    assert_eq!(answers(&relay) - before, 2);
}
