//! Cards of offers from others: each state with its texts and what the person may do.

use std::cell::Cell;
use std::rc::Rc;

use protocol::body::{FileCtrl, FileOffer};
use protocol::ids::{FileId, SenderId};
use protocol::stream::{DEFAULT_CHUNK_SIZE, chunk_count};
use protocol::transfers::{MAX_OFFERS_SHOWN, Outbound, card_key};

use super::{
    ALICE, ALICE_SESSION, BOB_SESSION, CAROL, Pair, Room, Saved, card, data, has_card, keys,
};

const CAROL_SESSION: SenderId = SenderId([0xc; 16]);

/// An offer as another member would make it.
fn offer(id: u8, name: &str, size: u64) -> FileOffer {
    FileOffer {
        file_id: FileId([id; 16]),
        name: name.into(),
        mime: "application/octet-stream".into(),
        size,
        chunk_size: DEFAULT_CHUNK_SIZE,
        n_chunks: chunk_count(size, DEFAULT_CHUNK_SIZE).unwrap(),
    }
}

fn bob() -> Room {
    Room::new(keys(), BOB_SESSION)
}

/// Bob's transfers with `file` offered by Alice and accepted.
fn receiving(file: &FileOffer) -> Room {
    let mut bob = bob();
    bob.offered(ALICE, ALICE_SESSION, file.clone(), "Alice".into());
    bob.accept(file.file_id, |_| Vec::new()).unwrap();
    bob
}

#[test]
fn an_offer_shows_who_offers_it_and_can_be_accepted() {
    let mut bob = bob();
    let file = offer(1, "../holiday photo.JPG", 10 * 1024 * 1024);
    bob.offered(ALICE, ALICE_SESSION, file, "Alice".into());
    let view = card(&bob, FileId([1; 16]));
    assert_eq!(view.key, "01".repeat(16));
    assert_eq!(view.name, "_holiday photo.JPG");
    assert_eq!(
        (view.size.as_str(), view.badge.as_str()),
        ("10.0 MiB", "JPG")
    );
    assert_eq!((view.author.as_str(), view.outgoing), ("Alice", false));
    assert_eq!(
        (view.state, view.status.as_str()),
        ("offered", "Alice offers this file")
    );
    assert!(view.can_accept && !view.can_cancel);
    assert!(view.progress.is_empty() && view.save_url.is_none());
}

#[test]
fn accepting_makes_the_sink_and_answers_once() {
    let mut bob = bob();
    let file = offer(1, "a.bin", 100);
    bob.offered(ALICE, ALICE_SESSION, file.clone(), "Alice".into());
    let mut made = Vec::new();
    let sends = bob
        .accept(file.file_id, |id| {
            made.push(id);
            Vec::new()
        })
        .unwrap();
    assert_eq!(
        sends,
        [Outbound::Ctrl(
            ALICE,
            FileCtrl::Accept {
                file_id: file.file_id
            }
        )]
    );
    assert_eq!(made, [file.file_id]);
    assert_eq!(
        bob.accept(file.file_id, |_| panic!("made twice")),
        Ok(vec![])
    );
    assert_eq!(bob.decline(file.file_id), []);
    assert_eq!(
        bob.accept(FileId([9; 16]), |_| panic!("no such offer")),
        Ok(vec![])
    );
}

#[test]
fn declining_an_offer_answers_once() {
    let mut bob = bob();
    let file = offer(1, "a.bin", 100);
    bob.offered(ALICE, ALICE_SESSION, file.clone(), "Alice".into());
    let id = file.file_id;
    assert_eq!(
        bob.decline(id),
        [Outbound::Ctrl(ALICE, FileCtrl::Decline { file_id: id })]
    );
    let view = card(&bob, id);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("declined", "You declined")
    );
    assert!(!view.can_accept && !view.can_cancel);
    assert_eq!(bob.decline(id), []);
    assert_eq!(bob.accept(id, |_| panic!("declined")), Ok(vec![]));
}

#[test]
fn cancelling_a_transfer_keeps_nothing_and_drops_later_chunks() {
    let mut p = Pair::new(10);
    let id = p.share("a.bin", "", data(150_000));
    p.accept(id);
    let frames = p.frames();
    assert_eq!(
        p.bob.cancel(id),
        [Outbound::Ctrl(ALICE, FileCtrl::Cancel { file_id: id })]
    );
    let view = card(&p.bob, id);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("cancelled", "You cancelled; nothing was kept")
    );
    assert!(!view.can_cancel && !view.can_accept);
    assert_eq!(p.deliver(&frames[0]), []);
    assert!(p.bob.take_finishing().is_empty());
    assert_eq!(p.bob.cancel(id), []);
}

#[test]
fn a_cancel_from_the_sender_before_accept_withdraws_the_offer() {
    let mut bob = bob();
    let file = offer(1, "a.bin", 100);
    let cancel = FileCtrl::Cancel {
        file_id: file.file_id,
    };
    bob.offered(ALICE, ALICE_SESSION, file.clone(), "Alice".into());
    // Only the member and session that offered it can withdraw it.
    assert!(!bob.on_ctrl(CAROL, ALICE_SESSION, &cancel, 0));
    assert!(!bob.on_ctrl(ALICE, CAROL_SESSION, &cancel, 0));
    assert_eq!(card(&bob, file.file_id).state, "offered");
    assert!(!bob.on_ctrl(ALICE, ALICE_SESSION, &cancel, 0));
    let view = card(&bob, file.file_id);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("withdrawn", "No longer offered")
    );
    assert!(!view.can_accept && !view.can_cancel);
}

#[test]
fn a_cancel_from_the_sender_mid_transfer_fails_the_card() {
    let mut p = Pair::new(11);
    let id = p.share("a.bin", "", data(150_000));
    p.accept(id);
    let frames = p.frames();
    p.deliver(&frames[0]);
    let sends = p.alice.cancel(id);
    assert_eq!(sends, [Outbound::CtrlAll(FileCtrl::Cancel { file_id: id })]);
    assert!(
        !p.bob
            .on_ctrl(ALICE, ALICE_SESSION, &FileCtrl::Cancel { file_id: id }, 0)
    );
    let view = card(&p.bob, id);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("failed", "Transfer incomplete: the sender stopped")
    );
    assert!(!view.can_cancel && !view.can_accept);
    assert_eq!(p.deliver(&frames[1]), []);
}

#[test]
fn a_file_that_cannot_be_kept_fails_with_the_reason() {
    let mut p = Pair::new(12);
    let id = p.share("a.bin", "", data(1_000));
    p.accept(id);
    p.run();
    assert_eq!(p.bob.take_finishing().len(), 1);
    p.bob.finished(id, Err("the disk is full".into()));
    let view = card(&p.bob, id);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("failed", "Transfer incomplete: the disk is full")
    );
    assert!(view.save_url.is_none() && !view.can_cancel);
}

#[test]
fn unanswered_offers_shown_are_capped_oldest_first() {
    let mut bob = bob();
    bob.offered(
        ALICE,
        ALICE_SESSION,
        offer(0, "answered", 1),
        "Alice".into(),
    );
    bob.decline(FileId([0; 16]));
    let extra = 3;
    for id in 1..=(MAX_OFFERS_SHOWN + extra) as u8 {
        bob.offered(ALICE, ALICE_SESSION, offer(id, "f", 1), "Alice".into());
    }
    let keys: Vec<String> = bob
        .views(&super::name_of)
        .into_iter()
        .map(|v| v.key)
        .collect();
    let mut expected = vec![card_key(FileId([0; 16]))];
    expected
        .extend((1 + extra..=MAX_OFFERS_SHOWN + extra).map(|id| card_key(FileId([id as u8; 16]))));
    assert_eq!(keys, expected);
}

#[test]
fn offers_that_cannot_be_accepted_say_why() {
    let mut bob = bob();
    bob.set_max_file_size(1_000);
    bob.offered(
        ALICE,
        ALICE_SESSION,
        offer(1, "big.bin", 2_000),
        "Alice".into(),
    );
    let mut malformed = offer(2, "bad.bin", 2_000);
    malformed.n_chunks = 2;
    bob.offered(ALICE, ALICE_SESSION, malformed, "Alice".into());
    let big = card(&bob, FileId([1; 16]));
    assert_eq!(
        (big.state, big.status.as_str()),
        ("offered", "Larger than this relay's limit of 1000 B.")
    );
    assert!(!big.can_accept);
    let bad = card(&bob, FileId([2; 16]));
    assert_eq!(
        bad.status,
        "This offer is malformed and cannot be accepted."
    );
    assert!(!bad.can_accept);
    let refused = bob
        .accept(FileId([1; 16]), |_| panic!("refused"))
        .unwrap_err();
    assert_eq!(refused.to_string(), "big.bin: file too large.");
    let refused = bob
        .accept(FileId([2; 16]), |_| panic!("refused"))
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "bad.bin: chunk count does not match size."
    );
    assert_eq!(card(&bob, FileId([1; 16])).state, "offered");
}

#[test]
fn a_duplicate_offer_is_ignored() {
    let mut bob = bob();
    let file = offer(1, "a.bin", 100);
    bob.offered(ALICE, ALICE_SESSION, file.clone(), "Alice".into());
    bob.accept(file.file_id, |_| Vec::new()).unwrap();
    bob.offered(ALICE, ALICE_SESSION, file.clone(), "Alice again".into());
    let views = bob.views(&super::name_of);
    assert_eq!(views.len(), 1);
    assert_eq!(
        (views[0].state, views[0].author.as_str()),
        ("receiving", "Alice")
    );
}

#[test]
fn a_member_leaving_withdraws_its_offers_and_fails_its_transfers() {
    let (offered, taken, other) = (offer(1, "a", 100), offer(2, "b", 100), offer(3, "c", 100));
    let mut bob = receiving(&taken);
    bob.offered(ALICE, ALICE_SESSION, offered.clone(), "Alice".into());
    bob.offered(CAROL, CAROL_SESSION, other.clone(), "Carol".into());
    bob.member_left(ALICE);
    let withdrawn = card(&bob, offered.file_id);
    assert_eq!(
        (withdrawn.state, withdrawn.status.as_str()),
        ("withdrawn", "No longer offered")
    );
    let failed = card(&bob, taken.file_id);
    assert_eq!(
        (failed.state, failed.status.as_str()),
        ("failed", "Transfer incomplete: Alice left")
    );
    assert!(!failed.can_cancel);
    assert_eq!(card(&bob, other.file_id).state, "offered");
}

#[test]
fn a_dropped_connection_ends_every_incoming_card() {
    let mut p = Pair::new(13);
    let done = p.receive_whole("done.bin", data(100));
    let drops = Rc::new(Cell::new(0));
    p.bob.finished(done, Ok(Saved::new("blob:done", &drops)));
    let declined = p.share("declined.bin", "", data(100));
    p.bob.decline(declined);
    let taken = p.share("taken.bin", "", data(100_000));
    p.accept(taken);
    let offered = p.share("offered.bin", "", data(100));

    p.bob.connection_lost(SenderId([0xd; 16]));
    let state = |id| {
        let view = card(&p.bob, id);
        (view.state, view.status)
    };
    assert_eq!(state(done), ("done", "Received and verified".into()));
    assert_eq!(state(declined), ("declined", "You declined".into()));
    assert_eq!(
        state(taken),
        (
            "failed",
            "Transfer incomplete: the connection dropped".into()
        )
    );
    assert_eq!(state(offered), ("withdrawn", "No longer offered".into()));
    assert_eq!(drops.get(), 0);
}

#[test]
fn dismissing_a_received_file_frees_it_and_in_progress_cards_stay() {
    let mut p = Pair::new(14);
    let done = p.receive_whole("done.bin", data(100));
    let drops = Rc::new(Cell::new(0));
    p.bob.finished(done, Ok(Saved::new("blob:done", &drops)));
    let checking = p.share("checking.bin", "", data(100));
    p.accept(checking);
    p.run();
    let taken = p.share("taken.bin", "", data(100_000));
    p.accept(taken);
    let offered = p.share("offered.bin", "", data(100));
    let declined = p.share("declined.bin", "", data(100));
    p.bob.decline(declined);

    for id in [done, checking, taken, offered, declined] {
        p.bob.dismiss(id);
    }
    assert_eq!(drops.get(), 1, "the saved file was not freed");
    assert!(!has_card(&p.bob, done) && !has_card(&p.bob, declined));
    assert!(has_card(&p.bob, checking) && has_card(&p.bob, taken) && has_card(&p.bob, offered));
}

#[test]
fn a_file_finished_for_a_card_gone_or_done_is_freed() {
    let mut p = Pair::new(15);
    let id = p.receive_whole("a.bin", data(100));
    let drops = Rc::new(Cell::new(0));
    p.bob
        .finished(FileId([0xee; 16]), Ok(Saved::new("blob:stray", &drops)));
    assert_eq!(drops.get(), 1);
    p.bob.finished(id, Ok(Saved::new("blob:first", &drops)));
    p.bob.finished(id, Ok(Saved::new("blob:second", &drops)));
    assert_eq!(drops.get(), 2);
    assert_eq!(card(&p.bob, id).save_url.as_deref(), Some("blob:first"));
}

#[test]
fn offers_withdrawn_before_an_answer_count_against_the_cap() {
    // A member who offers and withdraws file after file cannot grow the list without end.
    let mut bob = bob();
    for n in 0..1_000u32 {
        let mut file = offer(0, "f", 1);
        file.file_id = FileId(
            [n.to_be_bytes(), [0; 4], [0; 4], [1; 4]]
                .concat()
                .try_into()
                .unwrap(),
        );
        let cancel = FileCtrl::Cancel {
            file_id: file.file_id,
        };
        bob.offered(ALICE, ALICE_SESSION, file, "Alice".into());
        bob.on_ctrl(ALICE, ALICE_SESSION, &cancel, 0);
    }
    assert!(bob.views(&super::name_of).len() <= MAX_OFFERS_SHOWN);
}

#[test]
fn a_carried_key_opens_its_transfer_and_is_wiped_once_it_ends() {
    // Part 2 (docs/PROTOCOL.md R.9): the key comes in the offer and nowhere else.
    let room = keys().room_id();
    let mut bob = Room::carried(room, BOB_SESSION);
    let file = offer(9, "a.bin", 100);
    let key = zeroize::Zeroizing::new([0x42; 32]);
    bob.offered_keyed(
        ALICE,
        ALICE_SESSION,
        file.clone(),
        key,
        "Alice".into(),
        vec![0xa; 48],
    );
    assert_eq!(
        card(&bob, file.file_id).author_key.as_deref(),
        Some(&[0xa; 48][..])
    );
    assert_eq!(
        bob.file_key_bytes(false, file.file_id).as_deref(),
        Some(&[0x42; 32])
    );
    bob.accept(file.file_id, |_| Vec::new()).unwrap();
    assert!(
        bob.file_key_bytes(false, file.file_id).is_some(),
        "needed while it arrives"
    );
    bob.cancel(file.file_id);
    bob.take_finishing();
    assert_eq!(bob.file_key_bytes(false, file.file_id), None);
}

#[test]
fn an_offer_under_a_file_id_already_shown_is_ignored_whoever_sends_it() {
    let mut bob = bob();
    let file = offer(5, "alices.pdf", 100);
    bob.offered(ALICE, ALICE_SESSION, file.clone(), "Alice".into());
    let mut copy = file.clone();
    copy.name = "carols.pdf".into();
    bob.offered(CAROL, CAROL_SESSION, copy, "Carol".into());
    let views = bob.views(&super::name_of);
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].author, "Alice");
}
