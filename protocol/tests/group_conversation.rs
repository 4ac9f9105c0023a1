//! v2 conversations through a relay in memory that speaks the wire protocol (frames encoded and
//! decoded as the browser's are): pending → sent on PONG, typed while alone, resent after a
//! reconnect and shown once, private threads with unread counts, and a removal that moves the
//! room. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::convo_relay::{room_of, secret};
use protocol::conversation::{Arrival, Delivery};
use protocol::group::conversation::GroupConversation;
use protocol::identity::IdentitySigner;
use protocol::ids::DeviceId;
use protocol::keep::KeptRoom;
use protocol::keys::{RoomKeys, RoomSecret};
use wire::RelayFrame;

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_message_is_pending_until_its_pong_and_everyone_reads_it_once() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 1);
    relay.say(0, "hello");
    assert_eq!(
        relay.people[0].convo.lines().last().unwrap().delivery,
        Delivery::Pending
    );
    relay.settle();
    let own = relay.people[0]
        .convo
        .lines()
        .iter()
        .rfind(|l| l.arrival.is_none())
        .unwrap();
    assert_eq!(own.delivery, Delivery::Sent);
    assert_eq!(relay.texts(1), ["hello"]);
    assert_eq!(relay.texts(2), ["hello"]);
    let here: Vec<String> = relay.people[0]
        .convo
        .lines()
        .iter()
        .filter(|l| l.arrival == Some(Arrival::Here))
        .map(|l| l.author.clone())
        .collect();
    assert_eq!(here, ["Bo", "Cy"]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn typed_alone_it_goes_to_the_first_who_arrives_and_a_resend_shows_once() {
    let mut relay = room_of(&["Ana"], 2);
    assert!(relay.people[0].convo.alone());
    relay.say(0, "anyone?");
    relay.settle();
    assert_eq!(relay.people[0].convo.lines()[0].delivery, Delivery::Pending);
    let secret = secret();
    let bo = relay.person(&secret, "Bo");
    relay.connect(bo);
    relay.settle();
    assert_eq!(relay.texts(bo), ["anyone?"]);
    // Ana's connection drops after she sent but before her PONG: the message is resent on the
    // next connection, and Bo shows it once.
    relay.say(0, "again?");
    // Bo's copy is queued; Ana's PONG is lost with her connection.
    let ana_wire = relay.people[0].wire.unwrap().0;
    relay.queue.retain(|(to, _)| *to != ana_wire);
    relay.disconnect(0);
    relay.settle();
    relay.connect(0);
    relay.settle();
    relay.wait(3_000);
    assert_eq!(relay.texts(bo), ["anyone?", "again?"]);
    assert!(
        relay.people[0]
            .convo
            .lines()
            .iter()
            .all(|l| l.delivery != Delivery::Pending)
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_private_thread_counts_its_unread_and_the_third_sees_nothing() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 3);
    for text in ["one", "two"] {
        relay.say_privately(0, "Bo", text);
        relay.settle();
    }
    let ana = relay.people[1]
        .convo
        .members()
        .into_iter()
        .find(|m| m.name == "Ana")
        .unwrap();
    let peer = [&ana.identity[..], ana.device_id.as_bytes()].concat();
    let thread = relay.people[1].convo.thread(&peer).unwrap();
    let texts: Vec<&str> = thread.lines().iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["one", "two"]);
    assert_eq!(thread.unread(), 2);
    relay.people[1].convo.read_thread(&peer);
    assert_eq!(relay.people[1].convo.thread(&peer).unwrap().unread(), 0);
    assert!(relay.people[2].convo.thread(&peer).is_none());
    assert!(relay.texts(2).is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_private_message_to_someone_just_let_in_goes_out_once_they_are_connected() {
    let mut relay = room_of(&["Ana", "Bo"], 8);
    let cy = relay.person(&secret(), "Cy");
    relay.connect(cy);
    // Frame by frame until Ana's group holds Cy, before Cy's Hello says where Cy is.
    let cy_leaf = loop {
        let members = relay.people[0].convo.members();
        let cy_member = members.iter().find(|m| m.name == "Cy");
        if let Some(m) = cy_member.filter(|m| !m.online) {
            break m.leaf.unwrap();
        }
        assert!(relay.step(), "Cy never entered Ana's group");
    };
    let started = relay.now;
    let (now, convo) = (relay.now, &mut relay.people[0].convo);
    let changes = convo
        .send_private(cy_leaf, "welcome", now, &mut relay.entropy)
        .unwrap();
    relay.apply(0, changes);
    relay.settle();
    relay.wait(3_000);
    let ana = relay.people[0].convo.members();
    let ana = ana.iter().find(|m| m.is_self).unwrap();
    let thread = relay.people[cy].convo.thread(&ana.leaf_identity());
    let texts: Vec<&str> = thread
        .map(|t| t.lines().iter().map(|l| l.text.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(texts, ["welcome"], "within {} ms", relay.now - started);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_removal_moves_the_others_to_a_new_room_and_the_removed_hears_nothing() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 4);
    let old_room = RoomKeys::derive(&secret()).room_id();
    let cy_leaf = relay.people[0]
        .convo
        .members()
        .iter()
        .find(|m| m.name == "Cy")
        .unwrap()
        .leaf
        .unwrap();
    let changes = relay.people[0].convo.remove(cy_leaf, relay.now);
    relay.apply(0, changes);
    relay.settle();
    relay.wait(3_000);
    assert!(relay.people[2].convo.is_removed());
    let (ana, bo) = (relay.people[0].wire.unwrap(), relay.people[1].wire.unwrap());
    assert_ne!(ana.1, old_room, "Ana moved");
    assert_eq!(ana.1, bo.1, "Bo moved to the same room");
    assert_eq!(
        relay.people[0].convo.secret().as_bytes(),
        relay.people[1].convo.secret().as_bytes()
    );
    let leaf_of = |name: &str| {
        let m = relay.people[1]
            .convo
            .members()
            .into_iter()
            .find(|m| m.name == name);
        m.map(|m| [m.identity.as_slice(), m.device_id.as_bytes()].concat())
    };
    let removed: Vec<_> = relay.people[1]
        .convo
        .lines()
        .iter()
        .filter(|l| l.arrival == Some(Arrival::Removed))
        .map(|l| (l.author.clone(), l.text.clone(), l.by_key.clone()))
        .collect();
    // The remover's leaf identity goes with their name, so the name is marked as theirs.
    assert_eq!(
        removed,
        [("Cy".to_owned(), "Ana".to_owned(), leaf_of("Ana"))]
    );
    assert!(leaf_of("Ana").is_some());
    relay.say(1, "just us");
    relay.settle();
    assert_eq!(relay.texts(0), ["just us"]);
    assert!(relay.texts(2).is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_chat_frame_with_one_flipped_bit_is_dropped_and_counted_once() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 6);
    relay.wait(2_000);
    // Joining drops nothing: what the group said before a newcomer came is not counted.
    for who in 0..3 {
        assert_eq!(relay.people[who].convo.dropped(), 0, "member {who}");
    }
    let bo_wire = relay.people[1].wire.unwrap().0;
    // Every 7th bit of one chat's DELIVER payload, each flip on its own copy.
    relay.say(0, &"tampered ".repeat(40));
    let at = relay
        .queue
        .iter()
        .position(|(to, bytes)| *to == bo_wire && bytes.len() > 400)
        .expect("the chat for Bo");
    let (_, original) = relay.queue.remove(at).unwrap();
    relay.settle();
    let header = original.len()
        - match RelayFrame::decode(&original).unwrap() {
            RelayFrame::Deliver { payload, .. } => payload.len(),
            _ => unreachable!(),
        };
    let mut flips = 0;
    for bit in (header * 8..original.len() * 8).step_by(7) {
        let before = relay.people[1].convo.dropped();
        let mut flipped = original.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        relay.queue.push_back((bo_wire, flipped));
        relay.settle();
        assert_eq!(
            relay.people[1].convo.dropped(),
            before + 1,
            "bit {bit} of {} counted once",
            original.len() * 8
        );
        flips += 1;
    }
    assert!(flips > 400);
    assert!(relay.texts(1).is_empty());
    relay.wait(5_000);
    relay.say(0, "still working");
    relay.settle();
    assert_eq!(relay.texts(1), ["still working"]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_kept_room_comes_back_after_a_restart_and_what_was_typed_offline_goes_out_once() {
    let mut relay = room_of(&["Ana", "Bo"], 11);
    relay.say(0, "before");
    relay.settle();
    relay.say_privately(1, "Ana", "just you");
    relay.settle();
    relay.wait(3_000);
    // One more reaches Bob, but Ana's connection drops before the relay's PONG reaches her: it
    // stays pending, and goes out again from her next device.
    relay.say(0, "half sent");
    let (to, bytes) = relay.queue.pop_front().unwrap();
    assert_eq!(Some(to), relay.people[1].wire.map(|w| w.0));
    let frame = RelayFrame::decode(&bytes).unwrap();
    let changes = relay.people[1]
        .convo
        .receive(frame, relay.now, &mut relay.entropy);
    relay.apply(1, changes);
    relay.disconnect(0);
    relay.say(0, "typed offline");
    let bytes = relay.people[0].convo.kept(4, relay.now).to_bytes();

    // Her browser restarts: the same identity, a new tab's device id, the record read back.
    let kept = KeptRoom::from_bytes(&bytes).unwrap();
    assert_eq!(
        (kept.unread, kept.private_unread(), kept.members.as_slice()),
        (4, 1, &["Bo".to_owned()][..])
    );
    let device = DeviceId::random(&mut relay.entropy);
    let public = relay.people[0].identity.public();
    let mut convo = GroupConversation::new(
        &RoomSecret::from_bytes(kept.secret),
        &kept.name,
        device,
        public,
    );
    convo.restore(&kept);
    relay.people[0].convo = convo;
    relay.connect(0);
    relay.settle();
    relay.wait(3_000);
    assert_eq!(relay.texts(0), ["before", "half sent", "typed offline"]);
    assert_eq!(
        relay.texts(1),
        ["before", "half sent", "typed offline"],
        "each shown once"
    );
    let own = relay.people[0]
        .convo
        .lines()
        .iter()
        .rfind(|l| l.arrival.is_none())
        .unwrap();
    assert_eq!(own.delivery, Delivery::Sent);
    // The thread with Bo is there, unread as it was, and goes on.
    let bo_leaf = relay.people[0]
        .convo
        .members()
        .iter()
        .find(|m| m.name == "Bo")
        .unwrap()
        .clone();
    let bo_key = [&bo_leaf.identity[..], bo_leaf.device_id.as_bytes()].concat();
    let thread = relay.people[0].convo.thread(&bo_key).unwrap();
    assert_eq!(thread.unread(), 1);
    assert_eq!(
        thread
            .lines()
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>(),
        ["just you"]
    );
    // New lines about arrivals never reuse a restored line's id.
    let mut ids: Vec<_> = relay.people[0]
        .convo
        .lines()
        .iter()
        .map(|l| l.msg_id)
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), relay.people[0].convo.lines().len());
}
