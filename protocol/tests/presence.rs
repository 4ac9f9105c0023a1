//! The room state machine through a simulated relay: the handshake, liveness gating, replays of
//! an old session, heartbeats and the 60 s silence rule, LEFT, device replacement, chat dedupe.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use common::room_relay::Relay;
use protocol::MemberId;
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use protocol::room::{HEARTBEAT_JITTER_MS, HEARTBEAT_MS, LIVENESS_BUFFER_MS, Room, SILENCE_MS};
use protocol::room_io::{Event, Outgoing, SendError, Step};

fn secret(byte: u8) -> RoomSecret {
    RoomSecret::from_bytes([byte; 32])
}

#[test]
fn handshake_makes_members_see_each_other() {
    let mut relay = Relay::new(1);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let bob = relay.join(&secret(1), "bob", 2, 20);
    assert_eq!(
        relay.names_seen_by(alice),
        [("alice".into(), true), ("bob".into(), true)]
    );
    assert_eq!(
        relay.names_seen_by(bob),
        [("bob".into(), true), ("alice".into(), true)]
    );
    relay.chat(alice, "hi bob");
    relay.chat(bob, "hi alice");
    assert_eq!(relay.chats_seen_by(bob), ["hi bob"]);
    assert_eq!(relay.chats_seen_by(alice), ["hi alice"]);
}

#[test]
fn three_members_all_meet() {
    let mut relay = Relay::new(2);
    let ids = [
        relay.join(&secret(1), "a", 1, 1),
        relay.join(&secret(1), "b", 2, 2),
        relay.join(&secret(1), "c", 3, 3),
    ];
    for id in ids {
        let seen = relay.names_seen_by(id);
        assert_eq!(seen.len(), 3, "{seen:?}");
        assert!(seen.iter().all(|(_, online)| *online));
    }
}

#[test]
fn other_rooms_envelopes_are_rejected() {
    let mut relay = Relay::new(3);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let mallory = relay.join(&secret(2), "mallory", 2, 20);
    assert_eq!(relay.names_seen_by(alice).len(), 1);
    relay.chat(mallory, "let me in");
    assert!(relay.chats_seen_by(alice).is_empty());
}

#[test]
fn replayed_session_gives_a_newcomer_nothing() {
    // Yesterday: alice and bob talk, and the relay records everything it delivered.
    let mut yesterday = Relay::new(4);
    let alice = yesterday.join(&secret(1), "alice", 1, 10);
    let bob = yesterday.join(&secret(1), "bob", 2, 20);
    yesterday.chat(alice, "secret plans");
    yesterday.chat(bob, "agreed");
    yesterday.tick(HEARTBEAT_MS + HEARTBEAT_JITTER_MS);
    let recording = yesterday.log.clone();
    assert!(recording.len() >= 6);

    // Today: a newcomer joins with the same member id bob had, and the relay replays it all.
    let mut today = Relay::new(5);
    let carol = today.join(&secret(1), "carol", 3, bob.0);
    for (from, _, payload) in &recording {
        today.deliver(carol, *from, payload);
    }
    today.tick(LIVENESS_BUFFER_MS);
    today.tick(SILENCE_MS);
    assert_eq!(today.names_seen_by(carol), [("carol".into(), true)]);
    assert!(today.chats_seen_by(carol).is_empty());
    let accepted: Vec<_> = today
        .events
        .iter()
        .filter(|(m, e)| *m == carol && *e != Event::MembersChanged)
        .collect();
    assert!(accepted.is_empty(), "{accepted:?}");
}

#[test]
fn replaying_an_envelope_is_rejected() {
    let mut relay = Relay::new(6);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let bob = relay.join(&secret(1), "bob", 2, 20);
    let Outgoing::Broadcast(payload) = relay.chat(alice, "once") else {
        panic!()
    };
    assert!(!relay.deliver(bob, alice, &payload));
    assert_eq!(relay.chats_seen_by(bob), ["once"]);
}

#[test]
fn silence_marks_offline_and_a_heartbeat_brings_back() {
    let mut relay = Relay::new(7);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let bob = relay.join(&secret(1), "bob", 2, 20);
    // Bob's page freezes: it stops ticking, so it sends no heartbeats.
    let bob_room = relay.members.remove(1);
    relay.tick(SILENCE_MS - 1);
    assert_eq!(relay.names_seen_by(alice)[1], ("bob".into(), true));
    relay.tick(1);
    assert_eq!(relay.names_seen_by(alice)[1], ("bob".into(), false));
    relay.members.push(bob_room);
    relay.tick(HEARTBEAT_MS + HEARTBEAT_JITTER_MS);
    assert_eq!(relay.names_seen_by(alice)[1], ("bob".into(), true));
    let _ = bob;
}

#[test]
fn heartbeats_keep_members_online() {
    let mut relay = Relay::new(8);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    relay.join(&secret(1), "bob", 2, 20);
    for _ in 0..20 {
        relay.tick(5_000);
    }
    assert_eq!(relay.names_seen_by(alice)[1], ("bob".into(), true));
}

#[test]
fn heartbeat_interval_is_twenty_seconds_plus_minus_five() {
    let mut entropy = SeededEntropy::new(9);
    let mut room = Room::with_signer(
        &secret(1),
        "a",
        DeviceId([1; 16]),
        &*common::identity(DeviceId([1; 16])),
        &mut entropy,
    )
    .unwrap();
    let mut now = 0;
    room.welcome(MemberId(1), now, &mut entropy).unwrap();
    let mut gaps = Vec::new();
    for _ in 0..200 {
        let next = room.next_tick_ms();
        assert!(
            room.tick(next - 1, &mut entropy)
                .unwrap()
                .outgoing
                .is_empty()
        );
        let step = room.tick(next, &mut entropy).unwrap();
        assert_eq!(step.outgoing.len(), 1);
        gaps.push(next - now);
        now = next;
    }
    assert!(
        gaps.iter().all(|g| (15_000..=25_000).contains(g)),
        "{gaps:?}"
    );
    assert!(gaps.iter().min() != gaps.iter().max(), "jitter varies");
}

#[test]
fn leave_and_relay_left_mark_offline() {
    let mut relay = Relay::new(10);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let bob = relay.join(&secret(1), "bob", 2, 20);
    let carol = relay.join(&secret(1), "carol", 3, 30);
    let leave = relay.room(bob).leave().unwrap();
    relay.queue.push_back((bob, leave));
    relay.run();
    let step = relay.room(alice).member_left(carol);
    assert_eq!(step.events, [Event::MembersChanged]);
    assert_eq!(
        relay.names_seen_by(alice),
        [
            ("alice".into(), true),
            ("bob".into(), false),
            ("carol".into(), false)
        ]
    );
}

#[test]
fn reconnect_with_same_device_replaces_the_old_entry() {
    let mut relay = Relay::new(11);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    relay.join(&secret(1), "bob", 2, 20);
    relay.members.retain(|m| m.0 != MemberId(20));
    relay.join(&secret(1), "bob again", 2, 21);
    assert_eq!(
        relay.names_seen_by(alice),
        [("alice".into(), true), ("bob again".into(), true)]
    );
}

#[test]
fn chat_sent_before_ack_is_held_then_shown() {
    let mut relay = Relay::new(12);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    // Bob joins, but the relay holds everything until bob has also chatted.
    let mut bob = Room::with_signer(
        &secret(1),
        "bob",
        DeviceId([2; 16]),
        &*common::identity(DeviceId([2; 16])),
        &mut relay.entropy,
    )
    .unwrap();
    let join = bob
        .welcome(MemberId(20), relay.now, &mut relay.entropy)
        .unwrap();
    let Outgoing::Broadcast(join) = &join.outgoing[0] else {
        panic!()
    };
    let step = relay
        .room(alice)
        .deliver(MemberId(20), join, 0, &mut SeededEntropy::new(0))
        .unwrap();
    let Outgoing::SendTo(_, here) = &step.outgoing[0] else {
        panic!()
    };
    let step = bob
        .deliver(MemberId(10), here, 0, &mut relay.entropy)
        .unwrap();
    let Outgoing::SendTo(_, ack) = &step.outgoing[0] else {
        panic!()
    };
    let (Outgoing::Broadcast(chat), _) = bob.send_chat("early", 0, &mut relay.entropy).unwrap()
    else {
        panic!()
    };
    // The chat overtakes the Ack (e.g. through another path): it is held, not shown.
    assert_eq!(
        relay
            .room(alice)
            .deliver(MemberId(20), &chat, 0, &mut SeededEntropy::new(0))
            .unwrap(),
        Step::default()
    );
    let step = relay
        .room(alice)
        .deliver(MemberId(20), ack, 0, &mut SeededEntropy::new(0))
        .unwrap();
    assert!(
        matches!(&step.events[..], [Event::MembersChanged, Event::Chat { chat, .. }] if chat.text == "early")
    );
}

#[test]
fn held_envelopes_are_dropped_after_five_seconds() {
    let mut relay = Relay::new(13);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let mut bob = Room::with_signer(
        &secret(1),
        "bob",
        DeviceId([2; 16]),
        &*common::identity(DeviceId([2; 16])),
        &mut relay.entropy,
    )
    .unwrap();
    let join = bob.welcome(MemberId(20), 0, &mut relay.entropy).unwrap();
    let Outgoing::Broadcast(join) = &join.outgoing[0] else {
        panic!()
    };
    let now = relay.now;
    let step = relay
        .room(alice)
        .deliver(MemberId(20), join, now, &mut SeededEntropy::new(0))
        .unwrap();
    let Outgoing::SendTo(_, here) = &step.outgoing[0] else {
        panic!()
    };
    let step = bob
        .deliver(MemberId(10), here, 0, &mut relay.entropy)
        .unwrap();
    let Outgoing::SendTo(_, ack) = &step.outgoing[0] else {
        panic!()
    };
    let (Outgoing::Broadcast(chat), _) = bob.send_chat("late", 0, &mut relay.entropy).unwrap()
    else {
        panic!()
    };
    relay
        .room(alice)
        .deliver(MemberId(20), &chat, now, &mut SeededEntropy::new(0))
        .unwrap();
    relay.tick(LIVENESS_BUFFER_MS);
    let now = relay.now;
    let step = relay
        .room(alice)
        .deliver(MemberId(20), ack, now, &mut SeededEntropy::new(0))
        .unwrap();
    assert_eq!(
        step.events,
        [Event::MembersChanged],
        "the held chat expired"
    );
}

#[test]
fn join_with_mismatched_member_id_is_dropped() {
    let mut relay = Relay::new(14);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let mut bob = Room::with_signer(
        &secret(1),
        "bob",
        DeviceId([2; 16]),
        &*common::identity(DeviceId([2; 16])),
        &mut relay.entropy,
    )
    .unwrap();
    let join = bob.welcome(MemberId(20), 0, &mut relay.entropy).unwrap();
    let Outgoing::Broadcast(join) = &join.outgoing[0] else {
        panic!()
    };
    let now = relay.now;
    let step = relay
        .room(alice)
        .deliver(MemberId(21), join, now, &mut SeededEntropy::new(0))
        .unwrap();
    assert!(step.outgoing.is_empty());
}

#[test]
fn duplicate_msg_id_is_shown_once() {
    let mut relay = Relay::new(15);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let bob = relay.join(&secret(1), "bob", 2, 20);
    // Alice resends the same message (same msg_id) in a fresh envelope, e.g. after a reconnect.
    let now = relay.now;
    let (_, chat) = relay
        .room(alice)
        .send_chat("once only", now, &mut SeededEntropy::new(0))
        .unwrap();
    let Outgoing::Broadcast(first) = relay.room(alice).resend_chat(&chat).unwrap() else {
        panic!()
    };
    let Outgoing::Broadcast(second) = relay.room(alice).resend_chat(&chat).unwrap() else {
        panic!()
    };
    assert!(relay.deliver(bob, alice, &first));
    assert!(relay.deliver(bob, alice, &second));
    assert_eq!(relay.chats_seen_by(bob), ["once only"]);
}

#[test]
fn reconnecting_room_rejoins_and_a_resent_chat_is_shown_once() {
    let mut relay = Relay::new(21);
    let alice = relay.join(&secret(1), "alice", 1, 10);
    let bob = relay.join(&secret(1), "bob", 2, 20);
    let now = relay.now;
    let mut entropy = SeededEntropy::new(99);
    let (first, chat) = relay
        .room(bob)
        .send_chat("once", now, &mut entropy)
        .unwrap();
    relay.queue.push_back((bob, first));
    relay.run();

    // Bob's connection drops; the relay gives him a new member id.
    let mut room = relay.members.iter().position(|m| m.0 == bob).unwrap();
    let (_, mut bob_room) = relay.members.remove(room);
    let old_sender = bob_room.sender();
    bob_room.reconnect(&mut relay.entropy);
    assert_ne!(bob_room.sender(), old_sender, "a fresh sender session");
    assert_eq!(
        bob_room.welcome(MemberId(21), relay.now, &mut relay.entropy),
        Err(SendError::NotCertified),
        "the new session joins only once the identity has certified it"
    );
    bob_room
        .certify_with(&*common::identity(DeviceId([2; 16])))
        .unwrap();
    assert!(bob_room.members().is_empty(), "not joined until WELCOME");
    let left = relay.room(alice).member_left(bob);
    relay.take(alice, left);
    let bob = MemberId(21);
    let step = bob_room
        .welcome(bob, relay.now, &mut relay.entropy)
        .unwrap();
    relay.members.push((bob, bob_room));
    relay.take(bob, step);
    relay.run();
    room = relay.members.iter().position(|m| m.0 == bob).unwrap();
    // Delivery of "once" was in doubt, so bob sends it again with the same msg_id.
    let again = relay.members[room].1.resend_chat(&chat).unwrap();
    relay.queue.push_back((bob, again));
    relay.run();

    assert_eq!(relay.chats_seen_by(alice), ["once"]);
    assert_eq!(
        relay.names_seen_by(alice),
        [("alice".into(), true), ("bob".into(), true)],
        "same device: the reconnected session replaces the old entry"
    );
    assert_eq!(
        relay.names_seen_by(bob),
        [("bob".into(), true), ("alice".into(), true)]
    );
}
