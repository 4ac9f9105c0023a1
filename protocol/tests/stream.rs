//! File STREAM end to end (PROTOCOL.md B.4): sender and receiver state machines, acks and the
//! in-flight limit across transfers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use protocol::MemberId;
use protocol::body::FileCtrl;
use protocol::ids::SenderId;
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::stream::{CHUNK_HEADER_LEN, ChunkCipherInput};
use protocol::stream::{MAX_IN_FLIGHT, OfferError};
use protocol::stream_receive::{AcceptError, Checked, ChunkOutcome, FileReceiver, MAX_RECEIVING};
use protocol::stream_send::{
    FileSender, MAX_OPEN_OFFERS, OfferRefused, ReceiverProgress, ReceiverState,
};

const ALICE: MemberId = MemberId(1);
const BOB: MemberId = MemberId(2);
const CAROL: MemberId = MemberId(3);

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
        .unwrap()
        .0;
    let mut receiver = FileReceiver::default();
    let accept = receiver
        .accept(&keys, ALICE, alice, &offer, 1 << 20)
        .unwrap();
    sender.on_ctrl(BOB, &accept);

    let mut received = None;
    let mut bytes = Vec::new();
    let mut sent = 0;
    while received.is_none() {
        let mut batch = Vec::new();
        while let Some(request) = sender.next_chunk() {
            assert_eq!(request.to, [BOB]);
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
                ChunkOutcome::Progress {
                    bytes: chunk, ack, ..
                } => {
                    bytes.extend_from_slice(&chunk);
                    if let Some(ack) = ack {
                        sender.on_ctrl(BOB, &ack);
                    }
                }
                ChunkOutcome::Complete {
                    file,
                    bytes: chunk,
                    ack,
                } => {
                    bytes.extend_from_slice(&chunk);
                    sender.on_ctrl(BOB, &ack);
                    received = Some(file);
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(sent, offer.n_chunks);
    assert_eq!(received.unwrap().size, 1_000);
    assert_eq!(bytes, data);
    assert!(sender.delivered(offer.file_id, BOB));
    assert_eq!(
        sender.progress(offer.file_id),
        [ReceiverProgress {
            member: BOB,
            state: ReceiverState::Done,
            bytes: 1_000
        }]
    );
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
            .unwrap()
            .0;
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
        .unwrap()
        .0;
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
        .unwrap()
        .0;
    sender.on_ctrl(
        BOB,
        &FileCtrl::Decline {
            file_id: offer.file_id,
        },
    );
    assert_eq!(sender.next_chunk(), None);
    sender.on_ctrl(
        CAROL,
        &FileCtrl::Accept {
            file_id: offer.file_id,
        },
    );
    assert!(sender.next_chunk().is_some());
    sender.on_ctrl(
        CAROL,
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
        .unwrap()
        .0;
    let mut receiver = FileReceiver::default();
    assert_eq!(
        receiver.accept(&keys, ALICE, alice, &offer, 39),
        Err(AcceptError::Offer(OfferError::TooLarge))
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
        Err(AcceptError::Offer(OfferError::ChunkCount))
    );
}

fn accept(sender: &mut FileSender, member: MemberId, offer: &protocol::body::FileOffer) {
    sender.on_ctrl(
        member,
        &FileCtrl::Accept {
            file_id: offer.file_id,
        },
    );
}

#[test]
fn receivers_in_step_share_every_seal() {
    let keys = keys();
    let mut entropy = SeededEntropy::new(6);
    let mut sender = FileSender::new(&keys, SenderId([0xa; 16]));
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 16 * 20, 16, &mut entropy)
        .unwrap()
        .0;
    accept(&mut sender, BOB, &offer);
    accept(&mut sender, CAROL, &offer);
    let mut frames = 0;
    loop {
        let mut any = false;
        while let Some(request) = sender.next_chunk() {
            any = true;
            assert_eq!(request.to, [BOB, CAROL], "one seal for both");
            sender
                .seal(request.file_id, request.index, &[7; 16])
                .unwrap();
            frames += 1;
        }
        if !any {
            break;
        }
        for member in [BOB, CAROL] {
            let next_index = (frames).min(20);
            sender.on_ctrl(
                member,
                &FileCtrl::Ack {
                    file_id: offer.file_id,
                    next_index,
                },
            );
        }
    }
    assert_eq!(frames, 20);
    assert_eq!(
        sender.seals(),
        20,
        "each chunk sealed once for two receivers"
    );
    assert!(sender.delivered(offer.file_id, BOB) && sender.delivered(offer.file_id, CAROL));
}

#[test]
fn a_receiver_slightly_behind_reuses_kept_frames() {
    let keys = keys();
    let mut entropy = SeededEntropy::new(7);
    let mut sender = FileSender::new(&keys, SenderId([0xa; 16]));
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 16 * 40, 16, &mut entropy)
        .unwrap()
        .0;
    accept(&mut sender, BOB, &offer);
    accept(&mut sender, CAROL, &offer);
    let mut sealed = Vec::new();
    let mut pump = |sender: &mut FileSender| {
        let mut requests = Vec::new();
        while let Some(request) = sender.next_chunk() {
            if sender.sealed(request.file_id, request.index).is_none() {
                sealed.push(
                    sender
                        .seal(request.file_id, request.index, &[request.index as u8; 16])
                        .unwrap(),
                );
            }
            requests.push((request.to, request.index));
        }
        requests
    };
    assert_eq!(pump(&mut sender).len(), 8, "chunks 0-7 to both");
    // Bob acknowledges, Carol does not yet: 8-11 go to Bob alone.
    let ack = |next_index| FileCtrl::Ack {
        file_id: offer.file_id,
        next_index,
    };
    sender.on_ctrl(BOB, &ack(4));
    let bob_only = pump(&mut sender);
    assert_eq!(
        bob_only,
        (8..12).map(|i| (vec![BOB], i)).collect::<Vec<_>>()
    );
    // Carol catches up: her chunks 8-11 come from the kept frames.
    sender.on_ctrl(CAROL, &ack(4));
    let carol = pump(&mut sender);
    assert_eq!(carol, (8..12).map(|i| (vec![CAROL], i)).collect::<Vec<_>>());
    assert_eq!(sender.seals(), 12, "no chunk sealed twice");
    assert_eq!(sealed.len(), 12);
}

#[test]
fn receiver_states_follow_control_and_departures() {
    let keys = keys();
    let mut entropy = SeededEntropy::new(8);
    let mut sender = FileSender::new(&keys, SenderId([0xa; 16]));
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 16 * 4, 16, &mut entropy)
        .unwrap()
        .0;
    let dave = MemberId(4);
    accept(&mut sender, BOB, &offer);
    accept(&mut sender, CAROL, &offer);
    sender.on_ctrl(
        dave,
        &FileCtrl::Decline {
            file_id: offer.file_id,
        },
    );
    while sender.next_chunk().is_some() {}
    assert_eq!(sender.member_left(CAROL), [offer.file_id]);
    assert_eq!(
        sender.in_flight(CAROL),
        0,
        "nothing waits for a member who left"
    );
    sender.on_ctrl(
        BOB,
        &FileCtrl::Cancel {
            file_id: offer.file_id,
        },
    );
    let states: Vec<_> = sender
        .progress(offer.file_id)
        .into_iter()
        .map(|p| (p.member, p.state))
        .collect();
    assert_eq!(
        states,
        [
            (BOB, ReceiverState::Cancelled),
            (CAROL, ReceiverState::Left),
            (dave, ReceiverState::Declined)
        ]
    );
    accept(&mut sender, BOB, &offer);
    assert_eq!(sender.next_chunk(), None, "an answer is final");
}

#[test]
fn at_most_eight_offers_stay_open() {
    let keys = keys();
    let mut entropy = SeededEntropy::new(9);
    let mut sender = FileSender::new(&keys, SenderId([0xa; 16]));
    let mut offers = Vec::new();
    for _ in 0..MAX_OPEN_OFFERS {
        let (offer, closed) = sender
            .offer_with_chunk_size(&keys, "f", "x/y", 64, 16, &mut entropy)
            .unwrap();
        assert!(closed.is_empty());
        offers.push(offer);
    }
    // The oldest idle offer makes room.
    accept(&mut sender, BOB, &offers[0]);
    let (_, closed) = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 64, 16, &mut entropy)
        .unwrap();
    assert_eq!(closed, [offers[1].file_id]);
    // Every open offer busy: refused.
    let open: Vec<_> = sender.offers().map(|o| o.file_id).collect();
    for file_id in open {
        sender.on_ctrl(BOB, &FileCtrl::Accept { file_id });
    }
    assert_eq!(
        sender
            .offer_with_chunk_size(&keys, "f", "x/y", 64, 16, &mut entropy)
            .map(|_| ()),
        Err(OfferRefused::Busy)
    );
    assert_eq!(sender.withdraw(offers[0].file_id), [BOB]);
}

#[test]
fn at_most_eight_files_arrive_at_once() {
    let keys = keys();
    let alice = SenderId([0xa; 16]);
    let mut entropy = SeededEntropy::new(10);
    let mut sender = FileSender::new(&keys, alice);
    let mut receiver = FileReceiver::default();
    for _ in 0..MAX_RECEIVING {
        let offer = sender
            .offer_with_chunk_size(&keys, "f", "x/y", 64, 16, &mut entropy)
            .unwrap()
            .0;
        receiver
            .accept(&keys, ALICE, alice, &offer, u64::MAX)
            .unwrap();
        sender.withdraw(offer.file_id);
    }
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 64, 16, &mut entropy)
        .unwrap()
        .0;
    assert_eq!(
        receiver.accept(&keys, ALICE, alice, &offer, u64::MAX),
        Err(AcceptError::Busy)
    );
    assert_eq!(receiver.member_left(ALICE).len(), MAX_RECEIVING);
    assert_eq!(receiver.in_progress(), 0);
}

#[test]
fn a_short_last_chunk_total_aborts() {
    let keys = keys();
    let alice = SenderId([0xa; 16]);
    let mut entropy = SeededEntropy::new(11);
    let mut sender = FileSender::new(&keys, alice);
    // The offer says 40 bytes; a sender that seals a 3-chunk file of 16+16+7 bytes lies.
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 39, 16, &mut entropy)
        .unwrap()
        .0;
    let mut lying = offer.clone();
    lying.size = 40;
    let mut receiver = FileReceiver::default();
    receiver
        .accept(&keys, ALICE, alice, &lying, u64::MAX)
        .unwrap();
    accept(&mut sender, BOB, &offer);
    let mut outcomes = Vec::new();
    while let Some(request) = sender.next_chunk() {
        let frame = sender
            .seal(request.file_id, request.index, &vec![1; request.len])
            .unwrap();
        outcomes.push(receiver.receive(&keys.room_id(), ALICE, &frame));
    }
    assert!(
        matches!(outcomes[2], ChunkOutcome::Aborted { .. }),
        "{outcomes:?}"
    );
}

/// An AES-256-GCM outside the crate, as WebCrypto would be: seals with the plan's inputs.
fn external_seal(key: &[u8; 32], input: &ChunkCipherInput, bytes: &[u8]) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let sealed = cipher
        .encrypt(
            (&input.nonce).into(),
            Payload {
                msg: bytes,
                aad: &input.aad,
            },
        )
        .unwrap();
    [&input.header[..], &sealed].concat()
}

fn external_open(key: &[u8; 32], input: &ChunkCipherInput, frame: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    cipher
        .decrypt(
            (&input.nonce).into(),
            Payload {
                msg: &frame[CHUNK_HEADER_LEN..],
                aad: &input.aad,
            },
        )
        .ok()
}

#[test]
fn sealing_and_opening_elsewhere_match_the_crate() {
    let keys = keys();
    let alice = SenderId([0xa; 16]);
    let mut entropy = SeededEntropy::new(12);
    let mut sender = FileSender::new(&keys, alice);
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 40, 16, &mut entropy)
        .unwrap()
        .0;
    let key = keys.file_key_bytes(alice, offer.file_id);
    let data: Vec<u8> = (0..40).collect();
    let mut receiver = FileReceiver::default();
    receiver
        .accept(&keys, ALICE, alice, &offer, u64::MAX)
        .unwrap();
    let mut mirror = FileReceiver::default();
    mirror
        .accept(&keys, ALICE, alice, &offer, u64::MAX)
        .unwrap();
    let mut out = Vec::new();
    for index in 0..3u32 {
        let bytes = &data[index as usize * 16..(index as usize * 16 + 16).min(40)];
        let input = sender.plan(offer.file_id, index, bytes.len()).unwrap();
        let frame = external_seal(&key, &input, bytes);
        // The crate's own seal of the same chunk gives the same frame.
        assert_eq!(
            *sender.seal(offer.file_id, index, bytes).unwrap(),
            frame[..]
        );
        let kept = sender.keep(offer.file_id, index, frame.clone()).unwrap();
        assert_eq!(*kept, frame[..]);
        let outcome = match receiver.check(&keys.room_id(), ALICE, &frame) {
            Checked::Open(pending) => {
                assert_eq!(pending.input, input);
                let plaintext = external_open(&key, &pending.input, &frame);
                receiver.opened(ALICE, &pending, plaintext)
            }
            Checked::Done(outcome) => panic!("{outcome:?}"),
        };
        assert_eq!(outcome, mirror.receive(&keys.room_id(), ALICE, &frame));
        match outcome {
            ChunkOutcome::Progress { bytes, .. } | ChunkOutcome::Complete { bytes, .. } => {
                out.extend(bytes)
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(out, data);
    assert_eq!(
        sender.keep(offer.file_id, 0, vec![0; 3]),
        Err(protocol::stream_send::SendChunkError::WrongLength)
    );
}

#[test]
fn a_chunk_opened_elsewhere_after_a_cancel_is_dropped_and_a_bad_one_aborts() {
    let keys = keys();
    let alice = SenderId([0xa; 16]);
    let mut entropy = SeededEntropy::new(13);
    let mut sender = FileSender::new(&keys, alice);
    let offer = sender
        .offer_with_chunk_size(&keys, "f", "x/y", 32, 16, &mut entropy)
        .unwrap()
        .0;
    accept(&mut sender, BOB, &offer);
    let request = sender.next_chunk().unwrap();
    let frame = sender.seal(request.file_id, 0, &[5; 16]).unwrap();
    let mut receiver = FileReceiver::default();
    receiver
        .accept(&keys, ALICE, alice, &offer, u64::MAX)
        .unwrap();
    let Checked::Open(pending) = receiver.check(&keys.room_id(), ALICE, &frame) else {
        panic!("chunk refused");
    };
    receiver.cancel(alice, offer.file_id);
    assert_eq!(
        receiver.opened(ALICE, &pending, Some(vec![5; 16])),
        ChunkOutcome::Dropped
    );
    receiver
        .accept(&keys, ALICE, alice, &offer, u64::MAX)
        .unwrap();
    let Checked::Open(pending) = receiver.check(&keys.room_id(), ALICE, &frame) else {
        panic!("chunk refused");
    };
    assert!(matches!(
        receiver.opened(ALICE, &pending, None),
        ChunkOutcome::Aborted { .. }
    ));
    assert_eq!(receiver.in_progress(), 0);
}
