//! File STREAM end to end (PROTOCOL.md B.4): sender and receiver state machines, acks and the
//! in-flight limit across transfers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use protocol::MemberId;
use protocol::body::FileCtrl;
use protocol::ids::SenderId;
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::stream::{MAX_IN_FLIGHT, OfferError};
use protocol::stream_receive::{ChunkOutcome, FileReceiver};
use protocol::stream_send::FileSender;

const ALICE: MemberId = MemberId(1);
const BOB: MemberId = MemberId(2);

fn keys() -> RoomKeys {
    RoomKeys::derive(&RoomSecret::from_bytes([9; 32]))
}

#[test]
fn file_arrives_whole_with_acks_and_never_more_than_eight_in_flight() {
    let keys = keys();
    let alice = SenderId([0xa; 16]);
    let mut entropy = SeededEntropy::new(1);
    let data: Vec<u8> = (0..1_000u32).map(|i| i as u8).collect();
    let mut sender = FileSender::new(&keys, alice);
    let offer = sender
        .offer_with_chunk_size(
            &keys,
            "data.bin",
            "application/octet-stream",
            1_000,
            16,
            &mut entropy,
        )
        .unwrap();
    let mut receiver = FileReceiver::default();
    let accept = receiver
        .accept(&keys, ALICE, alice, &offer, 1 << 20)
        .unwrap();
    sender.on_ctrl(BOB, &accept);

    let mut received = None;
    let mut sent = 0;
    while received.is_none() {
        let mut batch = Vec::new();
        while let Some(request) = sender.next_chunk() {
            assert!(sender.in_flight(BOB) <= MAX_IN_FLIGHT);
            let start = request.offset as usize;
            batch.push(
                sender
                    .seal(
                        request.file_id,
                        request.index,
                        &data[start..start + request.len],
                    )
                    .unwrap(),
            );
        }
        assert!(!batch.is_empty(), "sender stalled");
        assert!(batch.len() as u32 <= MAX_IN_FLIGHT);
        for frame in batch {
            sent += 1;
            match receiver.receive(&keys.room_id(), ALICE, &frame) {
                ChunkOutcome::Progress { ack } => {
                    if let Some(ack) = ack {
                        sender.on_ctrl(BOB, &ack);
                    }
                }
                ChunkOutcome::Complete { file, ack } => {
                    sender.on_ctrl(BOB, &ack);
                    received = Some(file);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(sent, offer.n_chunks);
    assert_eq!(received.unwrap().bytes, data);
    assert!(sender.delivered(offer.file_id, BOB));
    assert_eq!(sender.next_chunk(), None);
}

#[test]
fn in_flight_limit_counts_across_transfers() {
    let keys = keys();
    let alice = SenderId([0xa; 16]);
    let mut entropy = SeededEntropy::new(2);
    let mut sender = FileSender::new(&keys, alice);
    for _ in 0..3 {
        let offer = sender
            .offer_with_chunk_size(&keys, "f", "x/y", 16 * 10, 16, &mut entropy)
            .unwrap();
        sender.on_ctrl(
            BOB,
            &FileCtrl::Accept {
                file_id: offer.file_id,
            },
        );
    }
    let mut count = 0;
    while sender.next_chunk().is_some() {
        count += 1;
    }
    assert_eq!(count, MAX_IN_FLIGHT);
    assert_eq!(sender.in_flight(BOB), MAX_IN_FLIGHT);
}

#[test]
fn acks_beyond_what_was_sent_do_not_open_the_window() {
    let keys = keys();
    let mut entropy = SeededEntropy::new(3);
    let mut sender = FileSender::new(&keys, SenderId([0xa; 16]));
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 16 * 100, 16, &mut entropy)
        .unwrap();
    sender.on_ctrl(
        BOB,
        &FileCtrl::Accept {
            file_id: offer.file_id,
        },
    );
    while sender.next_chunk().is_some() {}
    sender.on_ctrl(
        BOB,
        &FileCtrl::Ack {
            file_id: offer.file_id,
            next_index: 100,
        },
    );
    assert_eq!(sender.in_flight(BOB), 0);
    let mut more = 0;
    while sender.next_chunk().is_some() {
        more += 1;
    }
    assert_eq!(more, MAX_IN_FLIGHT, "only eight more after acking eight");
}

#[test]
fn decline_and_cancel_stop_sending() {
    let keys = keys();
    let mut entropy = SeededEntropy::new(4);
    let mut sender = FileSender::new(&keys, SenderId([0xa; 16]));
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 100, 16, &mut entropy)
        .unwrap();
    sender.on_ctrl(
        BOB,
        &FileCtrl::Decline {
            file_id: offer.file_id,
        },
    );
    assert_eq!(sender.next_chunk(), None);
    sender.on_ctrl(
        BOB,
        &FileCtrl::Accept {
            file_id: offer.file_id,
        },
    );
    assert!(sender.next_chunk().is_some());
    sender.on_ctrl(
        BOB,
        &FileCtrl::Cancel {
            file_id: offer.file_id,
        },
    );
    assert_eq!(sender.next_chunk(), None);
}

#[test]
fn receiver_refuses_bad_offers_and_foreign_members() {
    let keys = keys();
    let alice = SenderId([0xa; 16]);
    let mut entropy = SeededEntropy::new(5);
    let mut sender = FileSender::new(&keys, alice);
    let mut offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 40, 16, &mut entropy)
        .unwrap();
    let mut receiver = FileReceiver::default();
    assert_eq!(
        receiver.accept(&keys, ALICE, alice, &offer, 39),
        Err(OfferError::TooLarge)
    );
    receiver.accept(&keys, ALICE, alice, &offer, 40).unwrap();
    sender.on_ctrl(
        BOB,
        &FileCtrl::Accept {
            file_id: offer.file_id,
        },
    );
    let request = sender.next_chunk().unwrap();
    let frame = sender
        .seal(request.file_id, request.index, &[0; 16])
        .unwrap();
    assert_eq!(
        receiver.receive(&keys.room_id(), MemberId(99), &frame),
        ChunkOutcome::Dropped,
        "wrong member"
    );
    assert!(matches!(
        receiver.receive(&keys.room_id(), ALICE, &frame),
        ChunkOutcome::Progress { .. }
    ));
    assert_eq!(
        sender.seal(request.file_id, 1, &[0; 15]),
        Err(protocol::stream_send::SendChunkError::WrongLength)
    );
    offer.n_chunks = 4;
    assert_eq!(
        receiver.accept(&keys, ALICE, alice, &offer, 1 << 20),
        Err(OfferError::ChunkCount)
    );
}
