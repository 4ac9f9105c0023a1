//! Attacks on the presence handshake found by review: a relay's one false LEFT, an insider who
//! opens many sender sessions over one connection, and envelopes held for sessions not yet live.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use common::room_relay::Relay;
use protocol::MemberId;
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use protocol::room::{LIVENESS_BUFFER_BYTES, MAX_PEERS, Room, SESSIONS_PER_MEMBER};
use protocol::room_io::Outgoing;

fn secret() -> RoomSecret {
    RoomSecret::from_bytes([3; 32])
}

/// The relay sends Bob one LEFT for Alice while Alice's connection (and session) goes on, then
/// forwards faithfully. LEFT is the relay's word, not Alice's: Bob shows her offline, and the
/// next authentic envelope from her session makes them meet again. (Before: Bob marked her
/// session gone for good and never heard her again, while her screen said her messages went
/// out.)
#[test]
fn one_spoofed_left_splits_no_one_for_good() {
    let mut relay = Relay::new(41);
    let alice = relay.join(&secret(), "alice", 1, 10);
    let bob = relay.join(&secret(), "bob", 2, 20);
    assert!(relay.sees(bob, "alice"));
    // The lie: LEFT(alice) to Bob only. Alice is still connected.
    let step = relay.room(bob).member_left(alice);
    relay.take(bob, step);
    // Faithful from now on, for ten minutes.
    relay.wait(600_000);
    relay.chat(alice, "are you there, bob?");
    assert!(relay.sees(alice, "bob"), "Alice still lists Bob");
    assert!(
        relay.sees(bob, "alice"),
        "ten faithful minutes after one spoofed LEFT Bob still lists Alice offline"
    );
    assert_eq!(relay.names_seen_by(bob).len(), 2, "listed once");
    assert_eq!(relay.chats_seen_by(bob), ["are you there, bob?"]);
}

/// A member (an insider, who holds the room secret) opens MAX_PEERS sender sessions over its one
/// connection and runs the handshake of each with Bob. One connection keeps at most
/// SESSIONS_PER_MEMBER sessions in Bob's table, so Carol, who joins later, is still met. (Before:
/// live sessions were never evicted, Bob's table filled with them, and every later session was
/// dropped unseen for as long as the insider stayed.)
#[test]
fn an_insider_with_many_sessions_cannot_lock_out_newcomers() {
    let mut relay = Relay::new(42);
    let bob = relay.join(&secret(), "bob", 2, 20);
    let mallory_id = MemberId(66);
    let mut sessions = Vec::new();
    let mut ent = SeededEntropy::new(7);
    for i in 0..MAX_PEERS {
        let mut room = Room::with_signer(
            &secret(),
            &format!("m{i}"),
            DeviceId([
                (i % 200) as u8 + 50,
                (i / 200) as u8,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
                9,
            ]),
            &*common::identity(DeviceId([66; 16])),
            &mut ent,
        )
        .unwrap();
        let now = relay.now;
        let step = room.welcome(mallory_id, now, &mut ent).unwrap();
        // Mallory's Join reaches Bob; Bob's Here comes back to this session; its Ack goes to Bob.
        let mut to_bob: Vec<Vec<u8>> = step
            .outgoing
            .into_iter()
            .map(|o| match o {
                Outgoing::Broadcast(p) | Outgoing::SendTo(_, p) => p,
            })
            .collect();
        while let Some(p) = to_bob.pop() {
            let now = relay.now;
            let step = relay
                .room(bob)
                .deliver(mallory_id, &p, now, &mut ent)
                .unwrap();
            for out in step.outgoing {
                if let Outgoing::SendTo(_, p) = out {
                    let step = room.deliver(bob, &p, now, &mut ent).unwrap();
                    for out in step.outgoing {
                        if let Outgoing::SendTo(_, p) = out {
                            to_bob.push(p);
                        }
                    }
                }
            }
        }
        sessions.push(room);
    }
    assert_eq!(relay.names_seen_by(bob).len(), 1 + SESSIONS_PER_MEMBER);
    // Carol joins through a faithful relay and waits five minutes (Mallory's sessions keep
    // quiet; they stay live, shown offline).
    let carol = relay.join(&secret(), "carol", 3, 30);
    relay.wait(300_000);
    relay.chat(carol, "hello bob");
    assert!(
        relay.sees(bob, "carol"),
        "Bob never meets Carol: every slot of his table holds a live session of Mallory's"
    );
}

/// Envelopes of sessions that are not live yet are held for 5 s, within one byte budget for the
/// whole room: an insider who opens sessions on many connections and sends large envelopes
/// before any handshake cannot make a member hold more than that. Found by review: each pending
/// session could hold 32 envelopes of up to 128 KiB, about 1 GiB over 256 sessions.
#[test]
fn what_is_held_for_sessions_not_yet_live_stays_within_one_budget() {
    let mut relay = Relay::new(43);
    let bob = relay.join(&secret(), "bob", 2, 20);
    let mut ent = SeededEntropy::new(8);
    let text = "x".repeat(16 * 1024);
    let mut held = 0;
    for connection in 0..64u32 {
        let from = MemberId(100 + connection);
        let mut room = Room::with_signer(
            &secret(),
            "m",
            DeviceId([connection as u8; 16]),
            &*common::identity(DeviceId([connection as u8; 16])),
            &mut ent,
        )
        .unwrap();
        let now = relay.now;
        // WELCOME, but the Join never reaches Bob: every chat of this session is held.
        room.welcome(from, now, &mut ent).unwrap();
        for _ in 0..32 {
            let (out, _) = room.send_chat(&text, now, &mut ent).unwrap();
            let (Outgoing::Broadcast(p) | Outgoing::SendTo(_, p)) = out;
            relay.room(bob).deliver(from, &p, now, &mut ent).unwrap();
            held += text.len();
        }
    }
    assert!(
        held > 2 * LIVENESS_BUFFER_BYTES,
        "the attack sends more than the budget"
    );
    assert!(
        relay.room(bob).held_bytes() <= LIVENESS_BUFFER_BYTES,
        "{} bytes held",
        relay.room(bob).held_bytes()
    );
}
