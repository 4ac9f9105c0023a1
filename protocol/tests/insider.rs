//! Signed presence (v2 part 1) against an insider who holds the invite, found by review: sealing
//! under another member's sender id, an Ack with no Here on record, names that only look alike,
//! crafted signed bodies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use common::room_relay::{Fate, Relay};
use common::squatter::{Squatter, last_here};
use protocol::MemberId;
use protocol::body::{Body, Presence};
use protocol::envelope::{Kind, SealedEnvelope};
use protocol::ids::{Challenge, DeviceId, SenderId};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::replay::ReplayWindow;
use protocol::room::Room;
use protocol::room_io::Outgoing;

fn secret() -> RoomSecret {
    RoomSecret::from_bytes([7; 32])
}

fn keys() -> RoomKeys {
    RoomKeys::derive(&secret())
}

fn open(payload: &[u8]) -> (SenderId, u64, Presence) {
    let sealed = SealedEnvelope::parse(payload).unwrap();
    let header = *sealed.header();
    let body = sealed
        .open(
            &keys().room_id(),
            &keys().message_key(header.sender),
            &mut ReplayWindow::default(),
        )
        .unwrap();
    (header.sender, header.seq, Presence::decode(&body).unwrap())
}

/// A newcomer (Carol) joins while Mallory, an insider on her own connection behind an honest
/// relay, has already sent Carol a signed Join under Alice's sender id (it is in the clear header
/// of all Alice sends), certified by Mallory's own identity. Found by review: Carol tied Alice's
/// sender id to Mallory's connection, refused Alice's real Here, and never listed Alice or showed
/// her chats. Sessions are now known by connection and sender id together: Mallory's squat is an
/// entry of her own, listed beside the real Alice, both tagged by their keys.
#[test]
fn an_insider_who_seals_under_a_members_sender_id_gets_an_entry_of_her_own() {
    let mut relay = Relay::new(71);
    let alice = relay.join(&secret(), "alice", 1, 10);
    relay.join(&secret(), "bob", 2, 20);
    let alice_sender = relay.room(alice).sender();
    let alice_ik = *common::identity(DeviceId([1; 16])).public().ik();
    let mallory = MemberId(66);
    let mut squat = Squatter::new(&keys(), alice_sender, "alice", 1_000);

    // Carol gets WELCOME; her Join is queued. Mallory's forged Join reaches her first (Mallory
    // can broadcast one every few hundred ms: members that know Alice refuse it silently).
    let carol = MemberId(30);
    let device = DeviceId([3; 16]);
    let mut room = Room::with_signer(
        &secret(),
        "carol",
        device,
        &*common::identity(device),
        &mut SeededEntropy::new(9),
    )
    .unwrap();
    let step = room.welcome(carol, relay.now, &mut relay.entropy).unwrap();
    relay.members.push((carol, room));
    relay.take(carol, step);
    let c = Challenge([42; 16]);
    let join = squat.join(mallory, c);
    assert!(relay.deliver(carol, mallory, &join));
    let (_, d) = last_here(&relay, &keys(), carol, mallory);
    let ack = squat.ack(mallory, c, d);
    assert!(relay.deliver(carol, mallory, &ack));
    // From here on the relay is faithful.
    relay.run();
    // Without the relay's help, Mallory's chats under Alice's sender id are shown at Carol as
    // Alice's session's, under the name "alice".
    let chat = protocol::body::Chat {
        msg_id: protocol::ids::MsgId([5; 16]),
        sent_at_ms: 0,
        text: "it is me, alice".into(),
    };
    let sealed = squat
        .session
        .seal(Kind::Chat, &chat.encode().unwrap())
        .unwrap();
    assert!(relay.deliver(carol, mallory, &sealed));
    assert!(relay.events.iter().any(|(m, e)| *m == carol
        && matches!(e, protocol::room_io::Event::Chat { sender, name, .. }
            if *sender == alice_sender && name == "alice")));
    relay.chat(alice, "hi carol");
    relay.tick(20_000);
    relay.tick(20_000);
    relay.chat(alice, "carol?");
    for _ in 0..30 {
        relay.tick(20_000);
    }
    assert!(
        relay.names_seen_by(alice).contains(&("carol".into(), true)),
        "Alice meets Carol"
    );
    let members = relay.room(carol).members();
    let tags = protocol::room_io::name_tags(&members);
    let alices: Vec<_> = members
        .iter()
        .zip(&tags)
        .filter(|(m, _)| m.name == "alice")
        .collect();
    assert_eq!(
        alices.len(),
        2,
        "the real Alice and Mallory's squat, side by side"
    );
    assert!(alices.iter().any(|(m, _)| m.identity == alice_ik));
    assert!(alices.iter().all(|(_, tag)| tag.is_some()), "both tagged");
    let chats = relay.chats_seen_by(carol);
    assert!(chats.contains(&"hi carol".to_string()), "{chats:?}");
    assert!(chats.contains(&"carol?".to_string()), "{chats:?}");
}

/// docs/PROTOCOL.md, implementation notes: "A stale Here or Ack asks at once", also when no Here
/// of ours is on record (the pending entry was dropped after the relay's LEFT). Found by review:
/// the signed handshake returned silently there, and the two met only at the joiner's next
/// heartbeat.
#[test]
fn an_ack_with_no_here_on_record_asks_at_once() {
    let mut relay = Relay::new(73);
    let alice = relay.join(&secret(), "alice", 1, 10);
    // Bob joins; his Ack to Alice is held back.
    let bob = relay.join_with(&secret(), "bob", 2, 20, |from, to, p| {
        if from == MemberId(20)
            && to == MemberId(10)
            && matches!(open(p).2, Presence::SignedAck { .. })
        {
            Fate::Hold
        } else {
            Fate::Deliver
        }
    });
    let ack = relay.held.pop().unwrap();
    // The relay's (false) LEFT for Bob: Alice forgets the pending session.
    let step = relay.room(alice).member_left(bob);
    relay.take(alice, step);
    // Bob's Ack now arrives: it is authentic, for a session Alice has not met.
    let before = relay.sent.len();
    assert!(relay.deliver(ack.1, ack.0, &ack.2));
    let asked = relay.sent[before..].iter().any(|(m, out)| {
        *m == alice
            && matches!(out, Outgoing::SendTo(to, p) if *to == bob
                && matches!(open(p).2, Presence::SignedJoin { .. }))
    });
    assert!(asked, "Alice did not ask Bob after his stale Ack");
}

/// Names that only look the same (a zero-width space, an accented letter decomposed) are told
/// apart by key tags too. Found by review: they were compared as bytes and got none.
#[test]
fn look_alike_names_get_key_tags() {
    let mut relay = Relay::new(74);
    let bob = relay.join(&secret(), "bob", 2, 20);
    relay.join(&secret(), "Jos\u{e9}", 1, 10);
    relay.join(&secret(), "Jose\u{301}", 3, 30);
    relay.join(&secret(), "alice", 4, 40);
    relay.join(&secret(), "alice\u{200b}", 5, 50);
    let members = relay.room(bob).members();
    let tags = protocol::room_io::name_tags(&members);
    let untagged: Vec<_> = members
        .iter()
        .zip(&tags)
        .filter(|(m, t)| !m.is_self && t.is_none())
        .map(|(m, _)| m.name.clone())
        .collect();
    assert!(
        untagged.is_empty(),
        "look-alike names shown with no key: {untagged:?}"
    );
}

/// Held: wrong-length certificates and signatures, and an overlong length varint, are refused
/// by the decoder without a panic.
#[test]
fn crafted_signed_bodies_are_refused() {
    let good = Presence::SignedJoin {
        challenge: Challenge([1; 16]),
        name: "a".into(),
        device_id: DeviceId([2; 16]),
        ts_ms: 0,
        member_id: 1,
        cert: vec![0; 224],
        signature: vec![0; 64],
    };
    let bytes = good.encode().unwrap();
    assert_eq!(Presence::decode(&bytes).unwrap(), good);
    for (cert, sig) in [(223, 64), (225, 64), (224, 63), (224, 65), (0, 0)] {
        let bad = match good.clone() {
            Presence::SignedJoin {
                challenge,
                name,
                device_id,
                ts_ms,
                member_id,
                ..
            } => Presence::SignedJoin {
                challenge,
                name,
                device_id,
                ts_ms,
                member_id,
                cert: vec![0; cert],
                signature: vec![0; sig],
            },
            _ => unreachable!(),
        };
        let raw = postcard::to_allocvec(&bad).unwrap();
        assert!(Presence::decode(&raw).is_err(), "{cert} {sig}");
    }
    // cert length 224 as an overlong varint (0xe0 0x81 0x00 instead of 0xe0 0x01).
    let at = 1 + 16 + 1 + 1 + 16 + 1 + 1;
    assert_eq!(&bytes[at..at + 2], &[0xe0, 0x01]);
    let mut overlong = bytes[..at].to_vec();
    overlong.extend([0xe0, 0x81, 0x00]);
    overlong.extend(&bytes[at + 2..]);
    assert!(Presence::decode(&overlong).is_err());
    // A huge declared length with few bytes.
    let mut huge = bytes[..at].to_vec();
    huge.extend([0xff, 0xff, 0xff, 0xff, 0x0f]);
    assert!(Presence::decode(&huge).is_err());
}
