//! Private conversations in a v2 room (docs/PROTOCOL.md R.10): a two-member group per pair,
//! made on the first message either way; the third member of the room receives nothing of it.
//! Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::group_relay::GroupRelay;
use protocol::body::FileOffer;
use protocol::group::body::{FileKey, GroupBody};
use protocol::group::machine::GroupEvent;
use protocol::ids::FileId;
use protocol::keys::RoomSecret;

fn room_of(names: &[&str], seed: u64) -> GroupRelay {
    GroupRelay::room(&RoomSecret::from_bytes([7; 32]), names, seed)
}

fn pair(a: &str, text: &str) -> (String, String) {
    (a.to_owned(), text.to_owned())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_private_conversation_reaches_the_other_alone() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 1);
    let recorded = relay.recording.len();
    // Ana writes twice before the private group exists: both wait for it, in order.
    relay.say_private(0, 1, "just for you");
    relay.say_private(0, 1, "and this");
    relay.settle();
    relay.say_private(1, 0, "got it");
    relay.settle();
    assert_eq!(
        relay.people[1].private,
        [pair("Ana", "just for you"), pair("Ana", "and this")]
    );
    assert_eq!(relay.people[0].private, [pair("Bo", "got it")]);
    assert!(relay.people[2].private.is_empty());
    assert!(relay.people[2].read.is_empty());
    // Cy received nothing at all of it: every frame went to Ana or Bo alone.
    let cy_saw = relay.people[2]
        .events
        .iter()
        .filter(|e| matches!(e, GroupEvent::Message { .. } | GroupEvent::Private { .. }))
        .count();
    assert_eq!(cy_saw, 0);
    assert!(relay.recording.len() > recorded);
    // The room group did not change for it.
    let epochs = relay.epochs();
    assert_eq!(epochs[0], epochs[2]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn both_opening_at_once_loses_nothing() {
    let mut relay = room_of(&["Ana", "Bo"], 2);
    relay.say_private(0, 1, "from Ana");
    relay.say_private(1, 0, "from Bo");
    relay.settle();
    relay.say_private(0, 1, "again from Ana");
    relay.say_private(1, 0, "again from Bo");
    relay.settle();
    assert_eq!(
        relay.people[1].private,
        [pair("Ana", "from Ana"), pair("Ana", "again from Ana")]
    );
    assert_eq!(
        relay.people[0].private,
        [pair("Bo", "from Bo"), pair("Bo", "again from Bo")]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_conversation_survives_a_reconnect_and_waits_for_the_other() {
    let mut relay = room_of(&["Ana", "Bo"], 3);
    relay.say_private(0, 1, "first");
    relay.settle();
    relay.disconnect(1);
    relay.settle();
    // Bo is away: the message waits for Bo's next connection.
    relay.say_private(0, 1, "while you were away");
    relay.settle();
    relay.connect(1);
    relay.settle();
    relay.wait(2_000);
    assert_eq!(
        relay.people[1].private,
        [pair("Ana", "first"), pair("Ana", "while you were away")]
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_file_offered_privately_reaches_the_other_alone_with_its_key() {
    let mut relay = room_of(&["Ana", "Bo", "Cy"], 4);
    let leaf = relay.leaf_of(0, 1);
    let offer = FileOffer {
        file_id: FileId([9; 16]),
        name: "plan.pdf".into(),
        mime: "application/pdf".into(),
        size: 1,
        chunk_size: 65_536,
        n_chunks: 1,
    };
    let key = FileKey([0x77; 32]);
    let (now, entropy) = (relay.now, &mut relay.entropy);
    let out = relay.people[0]
        .machine
        .send_private(
            leaf,
            &GroupBody::FileOffer {
                offer: offer.clone(),
                key: key.clone(),
            },
            now,
            entropy,
        )
        .unwrap();
    relay.handle(0, out);
    relay.settle();
    let session = relay.people[0].machine.session();
    let seen = relay.people[1]
        .events
        .iter()
        .find_map(|e| match e {
            GroupEvent::Private {
                with,
                session,
                body: GroupBody::FileOffer { offer, key },
                ..
            } => Some((with.name().to_owned(), *session, offer.clone(), key.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(seen, ("Ana".to_owned(), Some(session), offer, key));
    assert!(!relay.people[2].events.iter().any(|e| matches!(
        e,
        GroupEvent::Message {
            body: GroupBody::FileOffer { .. },
            ..
        } | GroupEvent::Private { .. }
    )));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn after_the_other_reloads_a_new_group_is_made_and_what_went_lately_comes_again() {
    let mut relay = room_of(&["Ana", "Bo"], 5);
    relay.say_private(0, 1, "before the reload");
    relay.settle();
    // Bo reloads: the same identity and device, but its private group is gone.
    relay.reload(1);
    relay.wait(3_000);
    relay.say_private(0, 1, "after the reload");
    relay.settle();
    relay.wait(3_000);
    let read: Vec<&str> = relay.people[1]
        .private
        .iter()
        .map(|(_, t)| t.as_str())
        .collect();
    // The reloaded page lost what it had shown: what went lately (5 minutes) into the lost
    // group comes again, in order, before what follows.
    assert_eq!(read, ["before the reload", "after the reload"]);
    // And they go on in the new group.
    relay.say_private(1, 0, "hello again");
    relay.settle();
    assert_eq!(relay.people[0].private, [pair("Bo", "hello again")]);
}
