//! A v2 room end to end over an in-memory relay (docs/PROTOCOL.md R.4–R.8): joining, races
//! between committers and newcomers, reconnects that missed commits, a relay restart, two
//! groups in one room, and removal. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::group_relay::GroupRelay;
use protocol::body::FileOffer;
use protocol::group::body::{FileKey, GroupBody};
use protocol::group::machine::GroupEvent;
use protocol::ids::FileId;
use protocol::keys::RoomSecret;

fn secret() -> RoomSecret {
    RoomSecret::from_bytes([42; 32])
}

fn room_of(names: &[&str], seed: u64) -> GroupRelay {
    GroupRelay::room(&secret(), names, seed)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn newcomers_are_let_in_one_after_another_and_everyone_reads_everyone() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 1);
    relay.assert_one_group(&[0, 1, 2]);
    assert_eq!(relay.epochs()[0].unwrap().1, 2, "one commit per newcomer");
    for who in 0..3 {
        assert_eq!(relay.online(who), ["Ana", "Bo", "Cy"]);
    }
    relay.say(2, "hello from Cy");
    relay.say(0, "hello from Ana");
    assert_eq!(relay.people[1].read, ["hello from Cy", "hello from Ana"]);
    assert_eq!(relay.people[0].read, ["hello from Cy"]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_newcomers_at_the_same_moment_both_get_in() {
    let mut relay = room_of(&["Ana", "Bo"], 2);
    let secret = secret();
    let cy = relay.person(&secret, "Cy");
    let di = relay.person(&secret, "Di");
    relay.connect(cy);
    relay.connect(di);
    relay.settle();
    relay.wait(12_000);
    relay.assert_one_group(&[0, 1, 2, 3]);
    relay.say(3, "Di here");
    for who in 0..3 {
        assert_eq!(relay.people[who].read, ["Di here"]);
        assert_eq!(relay.online(who), ["Ana", "Bo", "Cy", "Di"]);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_removals_at_once_one_commit_wins_and_the_other_follows() {
    let mut relay = room_of(&["Ana", "Bo", "Cy", "Di"], 3);
    // Ana removes Cy and Bo removes Di before either hears of the other's commit.
    let a = relay.people[0].machine.remove(2);
    let b = relay.people[1].machine.remove(3);
    relay.handle(0, a);
    relay.handle(1, b);
    relay.settle();
    relay.assert_one_group(&[0, 1]);
    for who in [2, 3] {
        assert!(
            relay.people[who].machine.is_removed(),
            "{} still in",
            relay.people[who].name
        );
    }
    assert_eq!(relay.people[0].machine.group().unwrap().members().len(), 2);
    // Bo's first commit lost its epoch and was made again: two commits in all.
    assert_eq!(relay.epochs()[0].unwrap().1, 3 + 2);
    let removals: Vec<(String, String)> = relay.people[0]
        .events
        .iter()
        .filter_map(|e| match e {
            GroupEvent::MemberRemoved { who, by } => Some((who.name().into(), by.name().into())),
            _ => None,
        })
        .collect();
    assert_eq!(
        removals,
        [("Cy".into(), "Ana".into()), ("Di".into(), "Bo".into())]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_member_who_missed_commits_gets_back_in_by_itself() {
    let mut relay = room_of(&["Ana", "Bo"], 4);
    relay.disconnect(1);
    relay.settle();
    let secret = secret();
    let cy = relay.person(&secret, "Cy");
    relay.connect(cy);
    relay.settle();
    relay.say(2, "said while Bo was away");
    // Bo comes back at the old epoch: STATUS tells it it is behind, and it is re-added.
    relay.connect(1);
    relay.settle();
    relay.wait(12_000);
    relay.assert_one_group(&[0, 1, 2]);
    assert!(relay.people[1].events.contains(&GroupEvent::Rejoining));
    relay.say(2, "welcome back");
    assert_eq!(relay.people[1].read, ["welcome back"]);
    // Bo's old leaf was replaced, not kept beside the new one.
    assert_eq!(relay.people[0].machine.group().unwrap().members().len(), 3);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn after_a_relay_restart_everyone_carries_on_in_the_same_group() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 5);
    let before = relay.epochs();
    relay.restart();
    for who in [2, 0, 1] {
        relay.connect(who);
    }
    relay.settle();
    relay.wait(3_000);
    assert_eq!(relay.epochs(), before, "no commit needed");
    relay.say(1, "still here");
    assert_eq!(relay.people[0].read, ["still here"]);
    assert_eq!(relay.people[2].read, ["still here"]);
    for who in 0..3 {
        assert_eq!(relay.online(who), ["Ana", "Bo", "Cy"]);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_groups_in_one_room_become_one() {
    // Ana makes the group alone; the relay restarts; Bo finds the room empty and makes another;
    // then Ana comes back. STATUS orders the two and the lesser side joins the greater.
    let mut relay = room_of(&["Ana"], 6);
    let secret = secret();
    let cy = relay.person(&secret, "Cy");
    relay.connect(cy);
    relay.settle();
    relay.restart();
    let bo = relay.person(&secret, "Bo");
    relay.connect(bo);
    relay.settle();
    relay.connect(0);
    relay.connect(cy);
    relay.settle();
    relay.wait(15_000);
    relay.assert_one_group(&[0, 1, 2]);
    relay.say(bo, "one room");
    assert_eq!(relay.people[0].read, ["one room"]);
    assert_eq!(relay.people[cy].read, ["one room"]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_removal_moves_the_room_and_the_removed_reads_nothing_more() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 7);
    let out = relay.people[0].machine.remove(2);
    relay.handle(0, out);
    relay.settle();
    let moved = |who: usize| {
        relay.people[who].events.iter().find_map(|e| match e {
            GroupEvent::Moved(secret) => Some(secret.clone()),
            _ => None,
        })
    };
    let (a, b) = (moved(0), moved(1));
    assert!(a.is_some());
    assert_eq!(a, b, "Ana and Bo move to the same new room");
    assert_eq!(moved(2), None);
    assert!(relay.people[2].machine.is_removed());
    assert!(relay.people[1].events.iter().any(|e| matches!(e,
        GroupEvent::MemberRemoved { who, by } if who.name() == "Cy" && by.name() == "Ana")));
    assert!(relay.people[2].events.iter().any(|e| matches!(e,
        GroupEvent::Removed { by: Some(by) } if by.name() == "Ana")));
    relay.say(1, "after Cy");
    assert_eq!(relay.people[0].read, ["after Cy"]);
    assert!(relay.people[2].read.is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_committer_that_drops_before_its_pong_leaves_no_one_stuck() {
    let mut relay = room_of(&["Ana", "Bo"], 8);
    let secret = secret();
    let cy = relay.person(&secret, "Cy");
    relay.connect(cy);
    // Deliver until Ana has written her commit (it is queued for Bo, with her PONG), then cut
    // her connection: Bo takes the commit, Ana never hears that it was first.
    while !relay.queue.iter().any(|(to, f)| {
        Some(*to) == relay.people[0].wire && matches!(f, common::group_relay::Frame::Pong(_))
    }) {
        assert!(relay.step());
    }
    relay.disconnect(0);
    relay.settle();
    relay.connect(0);
    relay.settle();
    relay.wait(20_000);
    relay.assert_one_group(&[0, 1, 2]);
    // Bo took the commit Ana dropped, so Ana was behind and was let in again.
    assert!(relay.people[0].events.contains(&GroupEvent::Rejoining));
    relay.say(0, "all in");
    assert_eq!(relay.people[1].read, ["all in"]);
    assert_eq!(relay.people[cy].read, ["all in"]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_file_offer_carries_its_key_and_session_even_across_a_commit() {
    let mut relay = room_of(&["Ana", "Bo"], 9);
    let offer = FileOffer {
        file_id: FileId([3; 16]),
        name: "notes.txt".into(),
        mime: "text/plain".into(),
        size: 10,
        chunk_size: 65_536,
        n_chunks: 1,
    };
    let key = FileKey([0x4b; 32]);
    let epoch = relay.epochs()[0].unwrap().1;
    let session = relay.people[0].machine.session();
    // Ana offers while Cy is being let in: the relay orders the commit first, so Bo reads the
    // offer one epoch later than it was sent.
    let out = relay.people[0]
        .machine
        .send(&GroupBody::FileOffer {
            offer: offer.clone(),
            key: key.clone(),
        })
        .unwrap();
    let secret = secret();
    let cy = relay.person(&secret, "Cy");
    relay.connect(cy);
    while relay.people[1].machine.group().unwrap().epoch() == epoch {
        assert!(relay.step());
    }
    relay.handle(0, out);
    relay.settle();
    let seen = relay.people[1]
        .events
        .iter()
        .find_map(|e| match e {
            GroupEvent::Message {
                epoch,
                session,
                body: GroupBody::FileOffer { offer, key },
                ..
            } => Some((*epoch, *session, offer.clone(), key.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(seen, (epoch, Some(session), offer, key));
    assert!(relay.epochs()[1].unwrap().1 > epoch);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_member_renews_its_path_and_the_room_stays_one() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 10);
    let before = relay.epochs()[0].unwrap().1;
    // Half an hour with nobody coming or going: each member commits a renewal about every ten
    // minutes (R.11), and races between them resolve as any other (R.5).
    relay.wait(30 * 60_000);
    relay.assert_one_group(&[0, 1, 2]);
    let after = relay.epochs()[0].unwrap().1;
    assert!(after >= before + 6, "epochs {before} → {after}");
    relay.say(1, "still one room");
    assert_eq!(relay.people[0].read, ["still one room"]);
    assert_eq!(relay.people[2].read, ["still one room"]);
}
