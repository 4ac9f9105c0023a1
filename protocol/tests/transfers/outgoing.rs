//! Cards of our own offers: sharing, each receiver's line, and every way an offer stops.

use protocol::body::{FileCtrl, MAX_MIME_LEN};
use protocol::ids::{FileId, SenderId};
use protocol::transfers::{OfferFileError, Outbound};

use super::common::SeededEntropy;
use super::{ALICE_SESSION, BOB, BOB_SESSION, CAROL, DAVE, Room, card, data, has_card, keys};

fn alice() -> Room {
    Room::new(keys(), ALICE_SESSION)
}

/// Alice offers `len` bytes as `name` to `live`; returns the file id.
fn share(alice: &mut Room, name: &str, len: usize, live: &[protocol::MemberId]) -> FileId {
    let mut entropy = SeededEntropy::new(len as u64 + name.len() as u64);
    let sends = alice
        .offer(data(len), name, "", len as u64, live, &mut entropy)
        .unwrap();
    match sends.last() {
        Some(Outbound::Offer(None, offer)) => offer.file_id,
        other => panic!("{other:?}"),
    }
}

fn ctrl(alice: &mut Room, from: protocol::MemberId, ctrl: FileCtrl) -> bool {
    alice.on_ctrl(from, BOB_SESSION, &ctrl, 0)
}

#[test]
fn an_offer_goes_to_the_room_and_its_card_waits_for_answers() {
    let mut alice = alice();
    let mut entropy = SeededEntropy::new(1);
    let long_mime = "x".repeat(MAX_MIME_LEN + 1);
    let sends = alice
        .offer(
            data(2_048),
            "../notes.txt",
            &long_mime,
            2_048,
            &[BOB],
            &mut entropy,
        )
        .unwrap();
    let [Outbound::Offer(None, offer)] = &sends[..] else {
        panic!("{sends:?}");
    };
    assert_eq!(
        (offer.name.as_str(), offer.mime.as_str()),
        ("_notes.txt", "")
    );
    assert_eq!((offer.size, offer.n_chunks), (2_048, 1));
    let view = card(&alice, offer.file_id);
    assert_eq!((view.outgoing, view.author.as_str()), (true, "You"));
    assert_eq!(
        (view.name.as_str(), view.size.as_str()),
        ("_notes.txt", "2.0 KiB")
    );
    assert_eq!((view.badge.as_str(), view.kind), ("TXT", "other"));
    assert_eq!(
        (view.state, view.status.as_str()),
        ("sharing", "Offered to the room")
    );
    assert!(view.can_cancel && !view.can_accept);
    assert!(view.progress.is_empty() && view.save_url.is_none());
    assert_eq!(alice.file(offer.file_id), Some(data(2_048)));

    let mime = "y".repeat(MAX_MIME_LEN);
    let sends = alice
        .offer(Vec::new(), "a", &mime, 0, &[], &mut entropy)
        .unwrap();
    assert!(matches!(&sends[..], [Outbound::Offer(None, o)] if o.mime == mime));
}

#[test]
fn each_receiver_has_a_line_in_its_state() {
    let mut alice = alice();
    let id = share(&mut alice, "a.bin", 100_000, &[BOB, CAROL, DAVE]);
    assert!(ctrl(&mut alice, BOB, FileCtrl::Accept { file_id: id }));
    assert!(ctrl(&mut alice, CAROL, FileCtrl::Decline { file_id: id }));
    ctrl(&mut alice, DAVE, FileCtrl::Accept { file_id: id });
    ctrl(&mut alice, DAVE, FileCtrl::Cancel { file_id: id });
    let view = card(&alice, id);
    assert_eq!((view.state, view.status.as_str()), ("sharing", "Sharing"));
    let lines: Vec<_> = view
        .progress
        .iter()
        .map(|p| (p.who.as_str(), p.state, p.detail.as_str(), p.total))
        .collect();
    assert_eq!(
        lines,
        [
            ("Bob", "receiving", "0 % · 0 B of 97.7 KiB", 100_000),
            ("Carol", "declined", "Declined", 100_000),
            ("Someone", "cancelled", "Cancelled", 100_000),
        ]
    );
    alice.member_left(BOB);
    let line = &card(&alice, id).progress[0];
    assert_eq!(
        (line.who.as_str(), line.state, line.detail.as_str()),
        ("Bob", "left", "Left the room before the end")
    );
}

#[test]
fn stopping_sharing_ends_the_offer() {
    let mut alice = alice();
    let id = share(&mut alice, "a.bin", 100, &[BOB]);
    ctrl(&mut alice, BOB, FileCtrl::Accept { file_id: id });
    assert_eq!(
        alice.cancel(id),
        [Outbound::CtrlAll(FileCtrl::Cancel { file_id: id })]
    );
    let view = card(&alice, id);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("stopped", "You stopped sharing this file")
    );
    assert!(!view.can_cancel && !view.can_accept);
    assert_eq!(alice.file(id), None);
    assert!(alice.sender().next_chunk().is_none());
    assert_eq!(alice.cancel(id), []);
    assert_eq!(alice.members_live(&[BOB, CAROL]), []);
}

#[test]
fn an_unreadable_file_stops_its_offer() {
    let mut alice = alice();
    let id = share(&mut alice, "a.bin", 100, &[BOB]);
    assert_eq!(
        alice.unreadable(id),
        [Outbound::CtrlAll(FileCtrl::Cancel { file_id: id })]
    );
    let view = card(&alice, id);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("stopped", "Could not read the file; stopped")
    );
    assert_eq!(alice.file(id), None);
}

#[test]
fn a_ninth_offer_closes_the_oldest_idle_one() {
    let mut alice = alice();
    let ids: Vec<FileId> = (0..8)
        .map(|n| share(&mut alice, &format!("{n}.bin"), 100 + n, &[BOB]))
        .collect();
    // The oldest is being received, so the second oldest is the one to go.
    ctrl(&mut alice, BOB, FileCtrl::Accept { file_id: ids[0] });
    let mut entropy = SeededEntropy::new(99);
    let sends = alice
        .offer(data(10), "ninth.bin", "", 10, &[BOB], &mut entropy)
        .unwrap();
    let [
        Outbound::CtrlAll(FileCtrl::Cancel { file_id }),
        Outbound::Offer(None, _),
    ] = &sends[..]
    else {
        panic!("{sends:?}");
    };
    assert_eq!(*file_id, ids[1]);
    let closed = card(&alice, ids[1]);
    assert_eq!(
        (closed.state, closed.status.as_str()),
        ("stopped", "No longer offered (8 files at most)")
    );
    assert!(!closed.can_cancel);
    assert_eq!(card(&alice, ids[0]).state, "sharing");
    assert_eq!(card(&alice, ids[2]).state, "sharing");
}

#[test]
fn a_ninth_offer_is_refused_while_eight_are_being_received() {
    let mut alice = alice();
    for n in 0..8 {
        let id = share(&mut alice, &format!("{n}.bin"), 100 + n, &[BOB]);
        ctrl(&mut alice, BOB, FileCtrl::Accept { file_id: id });
    }
    let mut entropy = SeededEntropy::new(98);
    let refused = alice
        .offer(data(10), "ninth.bin", "", 10, &[BOB], &mut entropy)
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "ninth.bin: 8 files are already being sent; wait for one to finish."
    );
    assert_eq!(alice.views(&super::name_of).len(), 8);
}

#[test]
fn files_the_relay_cannot_carry_are_refused() {
    let mut alice = alice();
    let mut entropy = SeededEntropy::new(2);
    // One chunk frame: header, 65 536 bytes, tag, and the client frame's own bytes.
    alice.set_max_payload(39 + 65_536 + 16 + 5 - 1);
    let refused = alice
        .offer(data(10), "a.bin", "", 10, &[BOB], &mut entropy)
        .unwrap_err();
    assert_eq!(refused, OfferFileError::RelayCarriesNoFiles);
    assert_eq!(
        refused.to_string(),
        "This relay does not carry files (its payload limit is too small)."
    );
    alice.set_max_payload(39 + 65_536 + 16 + 5);
    alice.set_max_file_size(1_024);
    let refused = alice
        .offer(data(2_048), "big/file.bin", "", 2_048, &[BOB], &mut entropy)
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "big_file.bin is 2.0 KiB; this relay allows files up to 1.0 KiB."
    );
    assert!(alice.views(&super::name_of).is_empty());
    assert!(
        alice
            .offer(data(1_024), "a.bin", "", 1_024, &[], &mut entropy)
            .is_ok()
    );
}

#[test]
fn members_who_come_later_get_open_offers_once() {
    let mut alice = alice();
    let open = share(&mut alice, "open.bin", 100, &[BOB]);
    let stopped = share(&mut alice, "stopped.bin", 200, &[BOB]);
    alice.cancel(stopped);
    let sends = alice.members_live(&[BOB, CAROL]);
    let [Outbound::Offer(Some(to), offer)] = &sends[..] else {
        panic!("{sends:?}");
    };
    assert_eq!((*to, offer.file_id), (CAROL, open));
    assert_eq!(alice.members_live(&[BOB, CAROL]), []);
    let sends = alice.members_live(&[DAVE]);
    assert!(matches!(&sends[..], [Outbound::Offer(Some(DAVE), o)] if o.file_id == open));
}

#[test]
fn a_dropped_connection_stops_every_open_offer() {
    let mut alice = alice();
    let open = share(&mut alice, "open.bin", 100, &[BOB]);
    let stopped = share(&mut alice, "stopped.bin", 200, &[BOB]);
    alice.cancel(stopped);
    alice.connection_lost(SenderId([0xc; 16]));
    let view = card(&alice, open);
    assert_eq!(
        (view.state, view.status.as_str()),
        ("stopped", "Stopped: the connection dropped; share it again")
    );
    assert_eq!(
        card(&alice, stopped).status,
        "You stopped sharing this file"
    );
    assert_eq!(alice.file(open), None);
    assert_eq!(alice.sender().sender(), SenderId([0xc; 16]));
}

#[test]
fn dismissing_removes_only_stopped_offers() {
    let mut alice = alice();
    let open = share(&mut alice, "open.bin", 100, &[BOB]);
    let stopped = share(&mut alice, "stopped.bin", 200, &[BOB]);
    alice.cancel(stopped);
    alice.dismiss(open);
    alice.dismiss(stopped);
    assert!(has_card(&alice, open));
    assert!(!has_card(&alice, stopped));
}

#[test]
fn a_private_offer_goes_to_its_member_alone_and_its_answers_go_back_there() {
    // docs/PROTOCOL.md R.10: a file offered in a private conversation.
    let room = super::keys().room_id();
    let mut entropy = SeededEntropy::new(31);
    let mut alice = super::Room::carried(room, super::ALICE_SESSION);
    let sends = alice
        .offer_privately(vec![7; 10], "a.txt", "", 10, super::BOB, &mut entropy)
        .unwrap();
    let [Outbound::Offer(Some(to), offer)] = sends.as_slice() else {
        panic!("one offer to Bob: {sends:?}");
    };
    assert_eq!(*to, super::BOB);
    assert_eq!(alice.private_peer(offer.file_id), Some(super::BOB));
    assert!(alice.file_key_bytes(true, offer.file_id).is_some());
    // Members who arrive, or are live, never get it.
    assert!(
        alice
            .members_live(&[super::BOB, super::CAROL, super::DAVE])
            .is_empty()
    );
    let view = &alice.views(&super::name_of)[0];
    assert_eq!(view.private_with, Some(super::BOB));

    let mut bob = super::Room::carried(room, super::BOB_SESSION);
    let key = alice.file_key_bytes(true, offer.file_id).unwrap();
    bob.offered_privately(
        super::ALICE,
        super::ALICE_SESSION,
        offer.clone(),
        key,
        "Alice".into(),
        vec![0xa; 48],
    );
    assert_eq!(bob.private_peer(offer.file_id), Some(super::ALICE));
    assert_eq!(
        bob.views(&super::name_of)[0].private_with,
        Some(super::ALICE)
    );
    // A room offer is nobody's private one.
    let sends = alice
        .offer(vec![1; 4], "b.txt", "", 4, &[super::BOB], &mut entropy)
        .unwrap();
    let Some(Outbound::Offer(None, room_offer)) = sends.last() else {
        panic!("a room offer: {sends:?}");
    };
    assert_eq!(alice.private_peer(room_offer.file_id), None);
}
