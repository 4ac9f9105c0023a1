//! Whole transfers between two rooms: chunks sealed and opened here, or sealed and opened
//! elsewhere (as WebCrypto does) through the plan, check and opened steps.

use protocol::body::FileCtrl;
use protocol::stream::{CHUNK_HEADER_LEN, ChunkCipherInput};
use protocol::stream_receive::{Checked, ChunkOutcome};
use protocol::transfers::{Finishing, Outbound, ProgressView};

use super::{ALICE, ALICE_SESSION, Pair, Saved, card, data};

/// An AES-256-GCM outside the crate, as WebCrypto would be.
pub(super) fn external_seal(key: &[u8; 32], input: &ChunkCipherInput, bytes: &[u8]) -> Vec<u8> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let payload = Payload {
        msg: bytes,
        aad: &input.aad,
    };
    let sealed = cipher.encrypt((&input.nonce).into(), payload).unwrap();
    [&input.header[..], &sealed].concat()
}

fn external_open(key: &[u8; 32], input: &ChunkCipherInput, frame: &[u8]) -> Option<Vec<u8>> {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(key.into());
    let payload = Payload {
        msg: &frame[CHUNK_HEADER_LEN..],
        aad: &input.aad,
    };
    cipher.decrypt((&input.nonce).into(), payload).ok()
}

#[test]
fn a_file_arrives_whole_while_both_cards_show_progress() {
    let mut p = Pair::new(1);
    let bytes = data(600_000);
    let id = p.share("report.pdf", "application/pdf", bytes.clone());
    p.accept(id);
    let receiving = card(&p.bob, id);
    assert_eq!(
        (receiving.state, receiving.status.as_str()),
        ("receiving", "Receiving…")
    );
    assert!(receiving.can_cancel && !receiving.can_accept);
    assert_eq!(
        receiving.progress,
        [ProgressView {
            who: "You".into(),
            bytes: 0,
            total: 600_000,
            state: "receiving",
            detail: "0 % · 0 B of 585.9 KiB".into(),
        }]
    );
    let sharing = card(&p.alice, id);
    assert_eq!(
        (sharing.state, sharing.status.as_str()),
        ("sharing", "Sharing")
    );
    assert_eq!(sharing.progress[0].detail, "0 % · 0 B of 585.9 KiB");

    // Eight chunks in flight; the first three arrive at once and the fourth a second later,
    // and Bob's ack of all four (every 4 chunks, B.4) reaches Alice with it.
    let frames = p.frames();
    assert_eq!(frames.len(), 8);
    for frame in &frames[..3] {
        assert_eq!(p.deliver(frame), []);
    }
    p.now = 1_000;
    assert_eq!(
        p.deliver(&frames[3]),
        [Outbound::Ctrl(
            ALICE,
            FileCtrl::Ack {
                file_id: id,
                next_index: 4
            }
        )]
    );
    let mine = &card(&p.bob, id).progress[0];
    assert_eq!(mine.bytes, 262_144);
    assert_eq!(
        mine.detail,
        "43 % · 256.0 KiB of 585.9 KiB · 192.0 KiB/s · 2 s left"
    );
    let theirs = &card(&p.alice, id).progress[0];
    assert_eq!((theirs.who.as_str(), theirs.bytes), ("Bob", 262_144));
    assert_eq!(
        theirs.detail,
        "43 % · 256.0 KiB of 585.9 KiB · 256.0 KiB/s · 2 s left"
    );

    for frame in &frames[4..] {
        p.deliver(frame);
    }
    p.run();
    let checking = card(&p.bob, id);
    assert_eq!(
        (checking.state, checking.status.as_str()),
        ("receiving", "Checking the file…")
    );
    assert!(!checking.can_cancel && !checking.can_accept);
    assert_eq!(
        (
            checking.progress[0].bytes,
            checking.progress[0].detail.as_str()
        ),
        (600_000, "Checking")
    );
    let done = &card(&p.alice, id).progress[0];
    assert_eq!((done.state, done.detail.as_str()), ("done", "Received"));
    assert_eq!(done.bytes, 600_000);

    let finishing = p.bob.take_finishing();
    let [
        Finishing {
            file_id,
            sink,
            size,
        },
    ] = &finishing[..]
    else {
        panic!("{finishing:?}");
    };
    assert_eq!((*file_id, *size), (id, 600_000));
    assert!(*sink == bytes, "the received bytes differ");
    assert!(p.bob.take_finishing().is_empty());

    let drops = Default::default();
    p.bob.finished(id, Ok(Saved::new("blob:report", &drops)));
    let saved = card(&p.bob, id);
    assert_eq!(
        (saved.state, saved.status.as_str()),
        ("done", "Received and verified")
    );
    assert_eq!(saved.save_url.as_deref(), Some("blob:report"));
    assert!(saved.progress.is_empty() && !saved.can_cancel);
    assert_eq!(drops.get(), 0);
}

#[test]
fn chunks_sealed_and_opened_elsewhere_arrive_whole() {
    let mut p = Pair::new(2);
    let bytes = data(150_000);
    let id = p.share("a.bin", "", bytes.clone());
    p.accept(id);
    let seal_key = p.alice.file_key_bytes(true, id).unwrap();
    let open_key = p.bob.file_key_bytes(false, id).unwrap();
    assert_eq!(*seal_key, *p.keys.file_key_bytes(ALICE_SESSION, id));
    assert_eq!(*open_key, *seal_key);
    let room_id = p.keys.room_id();
    while let Some(request) = p.alice.sender().next_chunk() {
        let file = p.alice.file(id).unwrap();
        let chunk = &file[request.offset as usize..][..request.len];
        let input = p.alice.sender_plan(id, request.index, chunk.len()).unwrap();
        let frame = external_seal(&seal_key, &input, chunk);
        let frame = p.alice.sender().keep(id, request.index, frame).unwrap();
        assert!(p.bob.expects_chunk(ALICE, &frame));
        let Checked::Open(pending) = p.bob.check_chunk(&room_id, ALICE, &frame) else {
            panic!("chunk {} refused", request.index);
        };
        let plaintext = external_open(&open_key, &pending.input, &frame);
        let sends = p.bob.chunk_opened(ALICE, &pending, plaintext, p.now);
        p.answer_alice(sends);
    }
    let finishing = p.bob.take_finishing();
    assert_eq!(finishing.len(), 1);
    assert!(finishing[0].sink == bytes, "the received bytes differ");
    assert_eq!(card(&p.alice, id).progress[0].state, "done");
}

#[test]
fn a_chunk_that_fails_to_authenticate_elsewhere_fails_the_card() {
    let mut p = Pair::new(3);
    let id = p.share("a.bin", "", data(150_000));
    p.accept(id);
    let frames = p.frames();
    let Checked::Open(pending) = p.bob.check_chunk(&p.keys.room_id(), ALICE, &frames[0]) else {
        panic!("chunk refused");
    };
    let sends = p.bob.chunk_opened(ALICE, &pending, None, p.now);
    assert_eq!(
        sends,
        [Outbound::Ctrl(ALICE, FileCtrl::Cancel { file_id: id })]
    );
    let failed = card(&p.bob, id);
    assert_eq!(
        (failed.state, failed.status.as_str()),
        (
            "failed",
            "Transfer incomplete: a damaged chunk was discarded"
        )
    );
    assert!(!failed.can_cancel && !failed.can_accept);
    assert!(!p.bob.expects_chunk(ALICE, &frames[1]));
}

#[test]
fn a_chunk_out_of_order_fails_the_card_before_decryption() {
    let mut p = Pair::new(4);
    let id = p.share("a.bin", "", data(150_000));
    p.accept(id);
    let frames = p.frames();
    let Checked::Done(outcome) = p.bob.check_chunk(&p.keys.room_id(), ALICE, &frames[1]) else {
        panic!("chunk 1 before chunk 0 went on to decryption");
    };
    assert!(
        matches!(outcome, ChunkOutcome::Aborted { .. }),
        "{outcome:?}"
    );
    let sends = p.bob.chunk_outcome(ALICE, outcome, p.now);
    assert_eq!(
        sends,
        [Outbound::Ctrl(ALICE, FileCtrl::Cancel { file_id: id })]
    );
    assert_eq!(card(&p.bob, id).state, "failed");
}

#[test]
fn a_damaged_chunk_fails_the_card_and_the_sender_sees_a_cancel() {
    let mut p = Pair::new(5);
    let id = p.share("a.bin", "", data(150_000));
    p.accept(id);
    let mut frame = p.frames().swap_remove(0);
    frame[CHUNK_HEADER_LEN + 3] ^= 1;
    assert_eq!(
        p.deliver(&frame),
        [Outbound::Ctrl(ALICE, FileCtrl::Cancel { file_id: id })]
    );
    let failed = card(&p.bob, id);
    assert_eq!(
        (failed.state, failed.status.as_str()),
        (
            "failed",
            "Transfer incomplete: a damaged chunk was discarded"
        )
    );
    let line = &card(&p.alice, id).progress[0];
    assert_eq!(
        (line.state, line.detail.as_str()),
        ("cancelled", "Cancelled")
    );
    assert!(p.alice.sender().next_chunk().is_none());
}

#[test]
fn after_the_connection_drops_new_offers_carry_the_new_session() {
    let mut p = Pair::new(6);
    let new_session = protocol::ids::SenderId([0xc; 16]);
    p.alice.connection_lost(new_session);
    p.alice_session = new_session;
    let bytes = data(70_000);
    let id = p.share("again.bin", "", bytes.clone());
    assert_eq!(
        *p.alice.file_key_bytes(true, id).unwrap(),
        *p.keys.file_key_bytes(new_session, id)
    );
    p.accept(id);
    p.run();
    let finishing = p.bob.take_finishing();
    assert_eq!(finishing.len(), 1);
    assert!(finishing[0].sink == bytes, "the received bytes differ");
    assert_eq!(card(&p.alice, id).progress[0].state, "done");
}
