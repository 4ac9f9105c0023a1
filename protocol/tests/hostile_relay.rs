//! The presence handshake (PROTOCOL.md B.3) through a relay that records, drops, holds back,
//! replays and reorders frames: it cannot get a newcomer to show what a running session said
//! before the newcomer came, and once it forwards faithfully again everyone meets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use common::room_relay::{Fate, Frame, Relay};
use protocol::MemberId;
use protocol::keys::RoomSecret;
use protocol::room::{CHALLENGE_MS, HEARTBEAT_JITTER_MS, HEARTBEAT_MS, LIVENESS_BUFFER_MS};
use protocol::room_io::Outgoing;

fn secret() -> RoomSecret {
    RoomSecret::from_bytes([3; 32])
}

fn payload(out: Outgoing) -> Vec<u8> {
    match out {
        Outgoing::Broadcast(p) | Outgoing::SendTo(_, p) => p,
    }
}

#[test]
fn a_recorded_join_replayed_to_a_newcomer_opens_nothing_said_before() {
    let mut relay = Relay::new(31);
    let bob = relay.join(&secret(), "bob", 2, 20);
    let alice = relay.join(&secret(), "alice", 1, 10);
    let alice_join = relay.sent_by(alice)[0].clone();
    relay.wait(300_000);
    let old: Vec<Vec<u8>> = ["the old plan", "the code is 4711", "see you at nine"]
        .into_iter()
        .map(|text| payload(relay.chat(alice, text)))
        .collect();
    assert_eq!(relay.chats_seen_by(bob).len(), 3);

    // Five minutes later Carol joins. The relay drops Alice's real Here to her, hands her
    // Alice's recorded Join instead, and forwards what Carol answers (and anything after) to
    // Alice. (Alice's old chats are then within the replay window's 64 seqs of her newest.)
    relay.wait(300_000);
    let carol = relay.join_with(&secret(), "carol", 3, 30, |from, to, _| {
        if from == alice && to == carol_id() {
            Fate::Drop
        } else {
            Fate::Deliver
        }
    });
    eprintln!("join accepted {}", relay.deliver(carol, alice, &alice_join));
    eprintln!("queue {}", relay.queue.len());
    relay.run();
    eprintln!("names {:?}", relay.names_seen_by(carol));
    for chat in &old {
        eprintln!("chat accepted {}", relay.deliver(carol, alice, chat));
    }
    relay.tick(LIVENESS_BUFFER_MS);
    assert!(
        relay.chats_seen_by(carol).is_empty(),
        "Carol was shown what Alice said before she came: {:?}",
        relay.chats_seen_by(carol)
    );

    // The relay forwards faithfully again: Alice and Carol meet, and talk.
    relay.wait(HEARTBEAT_MS + HEARTBEAT_JITTER_MS);
    assert!(relay.sees(carol, "alice"));
    assert!(relay.sees(alice, "carol"));
    relay.chat(alice, "welcome, carol");
    relay.chat(carol, "thanks");
    assert_eq!(relay.chats_seen_by(carol), ["welcome, carol"]);
    assert_eq!(relay.chats_seen_by(alice), ["thanks"]);
}

/// Carol's member id in the test above, known before she joins.
fn carol_id() -> MemberId {
    MemberId(30)
}

#[test]
fn a_here_that_comes_later_than_fifteen_seconds_is_not_acked() {
    let mut relay = Relay::new(32);
    let alice = relay.join(&secret(), "alice", 1, 10);
    // Bob joins; the relay holds back Alice's Here to him, and a chat Bob sends meanwhile.
    let bob = relay.join_with(&secret(), "bob", 2, 20, |_, _, _| Fate::Hold);
    relay.chat_with(bob, "from before", |_, _, _| Fate::Hold);
    let mut held = std::mem::take(&mut relay.held);
    let late: Frame = held.pop().unwrap();
    assert_eq!((late.0, late.1), (bob, alice), "the chat is held last");
    relay.now += CHALLENGE_MS + 1;
    // Late, Bob's Join reaches Alice and her Here reaches Bob, and the relay passes on what
    // follows, except that it drops whatever Bob sends Alice (an Ack, in earlier versions).
    for (from, to, payload) in &held {
        relay.deliver(*to, *from, payload);
    }
    relay.run_with(|from, _, _| {
        if from == bob {
            Fate::Drop
        } else {
            Fate::Deliver
        }
    });
    assert!(
        !relay.sees(bob, "alice"),
        "a Here answering a Join older than 15 s made Alice live"
    );
    // Faithful again: they meet, and the chat held back from before does not show.
    relay.run();
    relay.wait(HEARTBEAT_MS + HEARTBEAT_JITTER_MS);
    assert!(relay.sees(bob, "alice"));
    assert!(relay.sees(alice, "bob"));
    relay.deliver(late.1, late.0, &late.2);
    assert!(relay.chats_seen_by(alice).is_empty());
}

#[test]
fn an_ack_that_comes_later_than_fifteen_seconds_is_refused() {
    let mut relay = Relay::new(33);
    let alice = relay.join(&secret(), "alice", 1, 10);
    // Bob joins; Alice's Here reaches him, but the relay holds back his Ack to her.
    let (bob, mut acks) = relay.join_holding_acks(&secret(), "bob", 2, 20);
    assert!(relay.sees(bob, "alice"));
    let ack: Frame = acks.pop().unwrap();
    relay.now += CHALLENGE_MS + 1;
    relay.deliver(ack.1, ack.0, &ack.2);
    relay.run_with(|_, _, _| Fate::Drop);
    assert!(
        !relay.sees(alice, "bob"),
        "an Ack 15 s after the Here made Bob live"
    );
    // Faithful again: they meet.
    relay.wait(HEARTBEAT_MS + HEARTBEAT_JITTER_MS);
    assert!(relay.sees(alice, "bob"));
    relay.chat(bob, "here now");
    assert_eq!(relay.chats_seen_by(alice), ["here now"]);
}

/// A relay that drops, holds back and reorders frames at random while people join and talk;
/// then it forwards faithfully. Nobody is ever shown a chat sent more than 15 s before they
/// joined, and once the relay behaves, everyone meets everyone and hears them.
#[test]
fn a_relay_that_drops_and_reorders_at_random_splits_no_room_for_good() {
    for seed in 0..24 {
        let mut relay = Relay::new(100 + seed);
        let mut dice = SeededEntropy::new(seed);
        let mut fate = move |_: MemberId, _: MemberId, _: &[u8]| match dice.next_u64() % 10 {
            0..=2 => Fate::Drop,
            3..=4 => Fate::Hold,
            _ => Fate::Deliver,
        };
        let names = ["ann", "ben", "cat", "dan"];
        let mut joined_at = Vec::new();
        let mut said = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let id = relay.join_with(&secret(), name, i as u8 + 1, 10 * (i as u32 + 1), &mut fate);
            joined_at.push((id, relay.now));
            for round in 0..3 {
                let text = format!("{name} {round} at {}", relay.now);
                said.push((text.clone(), relay.now));
                relay.chat_with(id, &text, &mut fate);
                relay.tick_with(7_000, &mut fate);
                // Some of what was held back arrives now, out of order.
                let mut held = std::mem::take(&mut relay.held);
                held.reverse();
                for (from, to, payload) in held.drain(..held.len() / 2) {
                    relay.deliver(to, from, &payload);
                }
                relay.held.extend(held);
                relay.run_with(&mut fate);
            }
        }
        for (id, at) in &joined_at {
            for text in relay.chats_seen_by(*id) {
                let sent = said.iter().find(|(t, _)| *t == text).unwrap().1;
                assert!(
                    sent + CHALLENGE_MS >= *at,
                    "seed {seed}: {id:?} joined at {at} and was shown {text:?}"
                );
            }
        }

        // The relay behaves from now on (what it held back is lost).
        relay.held.clear();
        relay.wait(2 * (HEARTBEAT_MS + HEARTBEAT_JITTER_MS));
        for (id, _) in &joined_at {
            let seen = relay.names_seen_by(*id);
            assert_eq!(seen.len(), names.len(), "seed {seed}: {id:?} sees {seen:?}");
            assert!(
                seen.iter().all(|(_, online)| *online),
                "seed {seed}: {seen:?}"
            );
        }
        for (id, _) in &joined_at {
            let text = format!("last word from {id:?}");
            relay.chat(*id, &text);
            for (other, _) in &joined_at {
                if other != id {
                    assert!(
                        relay.chats_seen_by(*other).contains(&text),
                        "seed {seed}: {other:?} did not hear {id:?}"
                    );
                }
            }
        }
    }
}
