//! Recent history for newcomers (docs/PROTOCOL.md R.12) through a relay in memory: in a room
//! made with the setting, a newcomer is passed the room's last messages by the members online,
//! each shown once and marked as shared and by whom, and nothing of anyone's private
//! conversations; in a room made without it, nothing; and the setting reaches every member
//! through the group itself. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::convo_relay::{Relay, secret};
use protocol::group::settings::RoomSettings;

/// Ana makes the room (with history for newcomers, or not), Bo joins, they talk, in the room
/// and privately; then Cy arrives.
fn talk_then_cy_arrives(history_for_newcomers: bool, seed: u64) -> Relay {
    let mut relay = Relay::new(seed);
    let secret = secret();
    let ana = relay.person(&secret, "Ana");
    relay.people[ana].convo.choose_settings(RoomSettings {
        history_for_newcomers,
    });
    relay.connect(ana);
    relay.settle();
    let bo = relay.person(&secret, "Bo");
    relay.connect(bo);
    relay.settle();
    relay.say(ana, "one");
    relay.wait(1_000);
    relay.say(bo, "two");
    relay.settle();
    let ana_leaf = relay.people[bo]
        .convo
        .members()
        .iter()
        .find(|m| m.name == "Ana")
        .unwrap()
        .leaf;
    let (now, convo) = (relay.now, &mut relay.people[bo].convo);
    let changes = convo.send_private(ana_leaf.unwrap(), "only for Ana", now, &mut relay.entropy);
    relay.apply(bo, changes.unwrap());
    relay.wait(3_000);
    let cy = relay.person(&secret, "Cy");
    relay.connect(cy);
    relay.settle();
    relay.wait(3_000);
    relay
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_newcomer_reads_the_rooms_last_messages_once_each_marked_shared() {
    let mut relay = talk_then_cy_arrives(true, 21);
    let cy = 2;
    assert!(
        relay.people[cy]
            .convo
            .machine()
            .settings()
            .history_for_newcomers,
        "from the group"
    );
    let shared: Vec<(String, String, bool)> = relay.people[cy]
        .convo
        .lines()
        .iter()
        .filter(|l| l.arrival.is_none())
        .map(|l| (l.author.clone(), l.text.clone(), l.shared_by.is_some()))
        .collect();
    // Both shared it; each shows once, in the order said, before what Cy sees herself.
    assert_eq!(
        shared,
        [
            ("Ana".into(), "one".into(), true),
            ("Bo".into(), "two".into(), true)
        ]
    );
    let first = relay.people[cy].convo.lines().first().unwrap();
    assert!(first.shared_by.is_some(), "history comes first");
    // What is said from now on arrives as usual, not as shared.
    relay.say(0, "three");
    relay.settle();
    let last = relay.people[cy].convo.lines().last().unwrap();
    assert_eq!(
        (last.text.as_str(), last.shared_by.is_none()),
        ("three", true)
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn without_the_setting_a_newcomer_gets_nothing_from_before() {
    let relay = talk_then_cy_arrives(false, 22);
    let cy = 2;
    assert!(
        !relay.people[cy]
            .convo
            .machine()
            .settings()
            .history_for_newcomers
    );
    assert!(relay.texts(cy).is_empty(), "{:?}", relay.texts(cy));
}
