//! Recent history for newcomers (docs/PROTOCOL.md R.12) through a relay in memory: in a room
//! made with the setting, a newcomer is passed the room's last messages by the members online,
//! each shown once and marked as shared and by whom, and nothing of anyone's private
//! conversations; in a room made without it, nothing; and the setting reaches every member
//! through the group itself. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::convo_relay::{Person, Relay, secret};
use protocol::body::Chat;
use protocol::conversation::Line;
use protocol::group::body::{GroupBody, SharedLine};
use protocol::group::conversation::{GroupChanges, GroupConversation};
use protocol::group::member;
use protocol::group::settings::RoomSettings;
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::{DeviceId, MsgId};

/// Ana makes the room (with history for newcomers, or not), and Bo joins.
fn ana_and_bo(history_for_newcomers: bool, seed: u64) -> Relay {
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
    relay
}

/// Ana makes the room (with history for newcomers, or not), Bo joins, they talk, in the room
/// and privately; then Cy arrives.
fn talk_then_cy_arrives(history_for_newcomers: bool, seed: u64) -> Relay {
    let mut relay = ana_and_bo(history_for_newcomers, seed);
    let (ana, bo) = (0, 1);
    relay.say(ana, "one");
    relay.wait(1_000);
    relay.say(bo, "two");
    relay.settle();
    relay.say_privately(bo, "Ana", "only for Ana");
    relay.wait(3_000);
    let cy = relay.person(&secret(), "Cy");
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

/// `from` passes the member called `to` a History message of its own making, as a hostile
/// member could.
fn share(relay: &mut Relay, from: usize, to: &str, lines: Vec<SharedLine>) {
    let leaf = relay.leaf_of(from, to);
    let (now, convo) = (relay.now, &mut relay.people[from].convo);
    let body = GroupBody::History(lines);
    let frames = convo.send_private_file(leaf, &body, now, &mut relay.entropy);
    assert!(!frames.is_empty(), "sent");
    write(relay, from, frames);
    // Opening the private conversation asks for a signature, given on the next tick.
    relay.wait(2_000);
}

/// `who` writes `frames` of its own making.
fn write(relay: &mut Relay, who: usize, frames: Vec<Vec<u8>>) {
    let changes = GroupChanges {
        frames,
        ..GroupChanges::default()
    };
    relay.apply(who, changes);
}

/// The line of `who`'s room chat that says `text`.
fn line_saying(relay: &Relay, who: usize, text: &str) -> Line {
    let lines = relay.people[who].convo.lines();
    lines.iter().find(|l| l.text == text).unwrap().clone()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_newcomer_takes_only_good_lines_from_who_was_there_and_shows_a_differing_copy_apart() {
    let mut relay = talk_then_cy_arrives(true, 23);
    let (bo, cy) = (1, 2);
    let one = line_saying(&relay, cy, "one");
    let forged = SharedLine {
        msg_id: one.msg_id,
        author: one.author.clone(),
        author_key: one.author_key.clone().unwrap(),
        sent_at_ms: one.sent_at_ms,
        text: "forged".into(),
    };
    let line = |id: u8, text: &str| SharedLine {
        msg_id: MsgId([id; 16]),
        text: text.into(),
        ..forged.clone()
    };
    let mut arrival = line(0, "an arrival's id");
    arrival.msg_id = MsgId(*b"arrival\0\0\0\0\0\0\0\0\x09");
    let mut future = line(3, "from the future");
    future.sent_at_ms = relay.now + 3_600_000;
    let mut own = line(4, "what Cy never said");
    own.author_key = relay.people[cy]
        .convo
        .members()
        .iter()
        .find(|m| m.is_self)
        .unwrap()
        .leaf_identity();
    let mut long = line(6, "");
    long.text = "x".repeat(protocol::body::MAX_CHAT_TEXT_LEN + 1);
    let copy = forged.clone();
    share(
        &mut relay,
        bo,
        "Cy",
        vec![copy, arrival, future, own, long, line(5, "fine")],
    );
    // Dan arrives after Cy: not one Cy takes history from, within her first minutes or not.
    let dan = relay.person(&secret(), "Dan");
    relay.connect(dan);
    relay.settle();
    relay.wait(2_000);
    share(&mut relay, dan, "Cy", vec![line(7, "from Dan")]);

    let shown = relay.texts(cy);
    assert_eq!(
        shown.iter().filter(|t| *t == "one").count(),
        1,
        "the true copy stays, once: {shown:?}"
    );
    for taken in ["forged", "fine"] {
        assert!(shown.iter().any(|t| t == taken), "{taken}: {shown:?}");
    }
    let forged_line = relay.people[cy]
        .convo
        .lines()
        .iter()
        .find(|l| l.text == "forged");
    assert_eq!(
        forged_line.unwrap().shared_by.as_deref(),
        Some("Bo"),
        "marked"
    );
    for dropped in [
        "an arrival's id",
        "from the future",
        "what Cy never said",
        "from Dan",
    ] {
        assert!(!shown.iter().any(|t| t == dropped), "{dropped}: {shown:?}");
    }
    assert!(!shown.iter().any(|t| t.len() > 1_000), "too long");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_room_kept_without_the_setting_does_not_share_when_a_group_says_otherwise() {
    let mut relay = talk_then_cy_arrives(true, 24);
    // Dan comes back to the room from a record kept without the setting: a group cannot turn
    // it on for him (a member forking a greater group, R.7, could make one that says so).
    let mut kept = relay.people[0].convo.kept(0, relay.now);
    kept.history_for_newcomers = Some(false);
    let dan = relay.person(&secret(), "Dan");
    relay.people[dan].convo.restore(&kept);
    relay.connect(dan);
    relay.settle();
    relay.wait(2_000);
    assert!(
        !relay.people[dan]
            .convo
            .machine()
            .settings()
            .history_for_newcomers
    );
    let eve = relay.person(&secret(), "Eve");
    relay.connect(eve);
    relay.settle();
    relay.wait(3_000);
    let sharers: Vec<&str> = relay.people[eve]
        .convo
        .lines()
        .iter()
        .filter_map(|l| l.shared_by.as_deref())
        .collect();
    assert!(sharers.contains(&"Ana"), "the others share: {sharers:?}");
    assert!(!sharers.contains(&"Dan"), "{sharers:?}");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_member_coming_back_is_not_passed_history_again() {
    let mut relay = ana_and_bo(true, 25);
    let (ana, secret) = (0, secret());
    relay.say(ana, "one");
    relay.settle();
    // Cy's identity and device, twice: once now, once after her leaf was let go.
    let cy_identity = || IdentityKeys::generate(&mut common::SeededEntropy::new(77));
    let cy_device = DeviceId::random(&mut common::SeededEntropy::new(78));
    let cy_again = |relay: &mut Relay| {
        let identity = cy_identity();
        let convo = GroupConversation::new(&secret, "Cy", cy_device, identity.public());
        relay.people.push(Person {
            convo,
            identity,
            wire: None,
        });
        let cy = relay.people.len() - 1;
        relay.connect(cy);
        relay.settle();
        relay.wait(3_000);
        cy
    };
    let cy = cy_again(&mut relay);
    assert_eq!(relay.texts(cy), ["one"], "passed once");
    relay.disconnect(cy);
    relay.wait(member::GONE_MS + 120_000);
    assert_eq!(
        relay.people[ana].convo.members().len(),
        2,
        "Cy's leaf let go"
    );
    let cy = cy_again(&mut relay);
    assert!(relay.texts(cy).is_empty(), "{:?}", relay.texts(cy));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn made_up_lines_do_not_push_out_what_others_agree_on() {
    let mut relay = talk_then_cy_arrives(true, 26);
    let (ana, bo, cy) = (0, 1, 2);
    let one = line_saying(&relay, cy, "one");
    let template = SharedLine {
        msg_id: MsgId([0; 16]),
        author: "Ana".into(),
        author_key: one.author_key.clone().unwrap(),
        sent_at_ms: relay.now - 1_000,
        text: String::new(),
    };
    // Bo sends all a member may (500 lines), Ana 320 more: each made up, each vouched for by
    // one member, where both sent "one" and "two".
    for (from, batch) in (0..9u16)
        .map(|b| (bo, b))
        .chain((9..14u16).map(|b| (ana, b)))
    {
        let lines = (0..64u16)
            .map(|n| {
                let mut id = [0xEE; 16];
                id[..2].copy_from_slice(&(batch * 64 + n).to_be_bytes());
                SharedLine {
                    msg_id: MsgId(id),
                    text: format!("made up {batch}/{n}"),
                    ..template.clone()
                }
            })
            .collect();
        share(&mut relay, from, "Cy", lines);
    }
    let shared = relay.people[cy]
        .convo
        .lines()
        .iter()
        .filter(|l| l.shared_by.is_some())
        .count();
    assert_eq!(shared, 500, "at most 500 shown");
    let shown = relay.texts(cy);
    for agreed in ["one", "two"] {
        assert!(shown.iter().any(|t| t == agreed), "{agreed} stays");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_authors_own_message_replaces_its_shared_copy_and_arrival_ids_are_refused() {
    let mut relay = talk_then_cy_arrives(true, 27);
    let (ana, bo, cy) = (0, 1, 2);
    let one = line_saying(&relay, cy, "one");
    assert!(one.shared_by.is_some());
    // Ana's device sends "one" again (as after a reconnect), and Bo a message under an id of
    // the app's own lines about someone.
    let again = Chat {
        msg_id: one.msg_id,
        sent_at_ms: one.sent_at_ms,
        text: one.text.clone(),
    };
    let frames = relay.people[ana]
        .convo
        .send_file(None, &GroupBody::Chat(again));
    write(&mut relay, ana, frames);
    let sly = Chat {
        msg_id: MsgId(*b"arrival\0\0\0\0\0\0\0\0\x01"),
        sent_at_ms: relay.now,
        text: "an arrival's id".into(),
    };
    let dropped = relay.people[cy].convo.dropped();
    let frames = relay.people[bo]
        .convo
        .send_file(None, &GroupBody::Chat(sly));
    write(&mut relay, bo, frames);
    relay.settle();
    let ones: Vec<_> = relay.people[cy]
        .convo
        .lines()
        .iter()
        .filter(|l| l.text == "one")
        .map(|l| l.shared_by.is_some())
        .collect();
    assert_eq!(ones, [false], "the author's own, once");
    assert!(!relay.texts(cy).iter().any(|t| t == "an arrival's id"));
    assert_eq!(relay.people[cy].convo.dropped(), dropped + 1, "counted");
}
