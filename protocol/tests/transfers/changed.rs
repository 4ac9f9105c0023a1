//! A file that changes on disk while it is being sent. A chunk no longer kept is read and
//! sealed again for a receiver who accepted late, under the nonce its index fixes; if the bytes
//! read differ from the first time, no frame is released (two frames under one key and nonce
//! would let the relay forge chunks), the transfer ends, and the card says why.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use protocol::body::FileCtrl;
use protocol::ids::{FileId, SenderId};
use protocol::stream::CHUNK_HEADER_LEN;
use protocol::stream_send::{ChunkRequest, SendChunkError};
use protocol::transfers::{FILE_CHANGED, Outbound, Transfers};

use super::common::SeededEntropy;
use super::end_to_end::external_seal;
use super::{ALICE, ALICE_SESSION, BOB, BOB_SESSION, CAROL, Saved, data, keys, name_of};

/// A file on disk: a handle to bytes that can change underneath, as a browser `File` is.
type Disk = Rc<RefCell<Vec<u8>>>;

/// A room whose offered files are such handles.
type Room = Transfers<Disk, Vec<u8>, Saved>;

const CAROL_SESSION: SenderId = SenderId([0xc; 16]);
/// Five chunks of 64 KiB, the last one short.
const SIZE: usize = 300_000;

/// Alice offers a file to Bob and Carol; Bob accepts and receives all of it, Carol has not
/// answered yet. Returns the file, its id and every frame Alice released, by chunk index.
fn bob_receives_it_all(
    alice: &mut Room,
    bob: &mut Room,
    carol: &mut Room,
) -> (Disk, FileId, BTreeMap<u32, Vec<u8>>) {
    let mut entropy = SeededEntropy::new(40);
    let disk = Rc::new(RefCell::new(data(SIZE)));
    let sends = alice
        .offer(
            Rc::clone(&disk),
            "draft.txt",
            "",
            SIZE as u64,
            &[BOB, CAROL],
            &mut entropy,
        )
        .unwrap();
    let Some(Outbound::Offer(None, offer)) = sends.last() else {
        panic!("{sends:?}");
    };
    let id = offer.file_id;
    bob.offered(ALICE, ALICE_SESSION, offer.clone(), "Alice".into());
    carol.offered(ALICE, ALICE_SESSION, offer.clone(), "Alice".into());
    for sent in bob.accept(id, |_| Vec::new()).unwrap() {
        let Outbound::Ctrl(_, ctrl) = sent else {
            panic!("{sent:?}")
        };
        alice.on_ctrl(BOB, BOB_SESSION, &ctrl, 0);
    }
    let mut released = BTreeMap::new();
    while let Some(request) = alice.sender().next_chunk() {
        let frame = match alice.sender().sealed(id, request.index) {
            Some(frame) => frame.to_vec(),
            None => {
                let bytes = read(&alice.file(id).unwrap(), &request);
                alice
                    .sender()
                    .seal(id, request.index, &bytes)
                    .unwrap()
                    .to_vec()
            }
        };
        released.insert(request.index, frame.clone());
        for sent in bob.on_chunk(&keys().room_id(), ALICE, &frame, 0) {
            let Outbound::Ctrl(_, ctrl) = sent else {
                panic!("{sent:?}")
            };
            alice.on_ctrl(BOB, BOB_SESSION, &ctrl, 0);
        }
    }
    assert_eq!(released.len(), 5);
    let finishing = bob.take_finishing();
    assert_eq!(finishing.len(), 1);
    assert!(finishing[0].sink == data(SIZE), "Bob has the whole file");
    (disk, id, released)
}

/// Reads a chunk's bytes from the file as it is now.
fn read(file: &Disk, request: &ChunkRequest) -> Vec<u8> {
    file.borrow()[request.offset as usize..][..request.len].to_vec()
}

fn carol_accepts_late(alice: &mut Room, carol: &mut Room, id: FileId) {
    let sends = carol.accept(id, |_| Vec::new()).unwrap();
    assert_eq!(
        sends,
        [Outbound::Ctrl(ALICE, FileCtrl::Accept { file_id: id })]
    );
    assert!(alice.on_ctrl(CAROL, CAROL_SESSION, &FileCtrl::Accept { file_id: id }, 0));
}

fn rooms() -> (Room, Room, Room) {
    (
        Room::new(keys(), ALICE_SESSION),
        Room::new(keys(), BOB_SESSION),
        Room::new(keys(), CAROL_SESSION),
    )
}

#[test]
fn a_chunk_read_again_with_other_bytes_is_not_sealed_and_the_card_says_why() {
    let (mut alice, mut bob, mut carol) = rooms();
    let (disk, id, released) = bob_receives_it_all(&mut alice, &mut bob, &mut carol);
    // The person edits the file's second chunk on disk; the browser reads the new bytes.
    disk.borrow_mut()[70_000] ^= 0x20;
    carol_accepts_late(&mut alice, &mut carol, id);

    // Chunk 0 is no longer kept: read and sealed again, unchanged, it is the frame Bob got.
    let request = alice.sender().next_chunk().unwrap();
    assert_eq!(
        (request.to.as_slice(), request.index),
        ([CAROL].as_slice(), 0)
    );
    assert!(
        alice.sender().sealed(id, 0).is_none(),
        "sealed again, not reused"
    );
    let bytes = read(&alice.file(id).unwrap(), &request);
    let again = alice.sender().seal(id, 0, &bytes).unwrap();
    assert_eq!(*again, *released[&0]);

    // Chunk 1 reads differently: refused, and the transfer is over.
    let request = alice.sender().next_chunk().unwrap();
    assert_eq!(request.index, 1);
    let bytes = read(&alice.file(id).unwrap(), &request);
    assert_eq!(
        alice.sender().seal(id, 1, &bytes),
        Err(SendChunkError::Changed),
        "no second frame under chunk 1's nonce"
    );
    assert!(alice.sender().sealed(id, 1).is_none());
    assert!(
        alice.sender().next_chunk().is_none(),
        "nothing more of it goes out"
    );
    assert_eq!(
        alice.sender().seals(),
        6,
        "five first seals and chunk 0 again"
    );

    let sends = alice.file_changed(id);
    assert_eq!(sends, [Outbound::CtrlAll(FileCtrl::Cancel { file_id: id })]);
    let view = alice
        .views(&name_of)
        .into_iter()
        .find(|v| v.key == protocol::transfers::card_key(id))
        .unwrap();
    assert_eq!(
        (view.state, view.status.as_str()),
        ("stopped", FILE_CHANGED)
    );
    assert_eq!(
        FILE_CHANGED,
        "Stopped: the file changed on disk while it was being sent; share it again"
    );
    assert!(!view.can_cancel);
    assert!(alice.file(id).is_none());

    // Carol hears the Cancel; her partial file is dropped. Bob's file was whole before.
    carol.on_ctrl(ALICE, ALICE_SESSION, &FileCtrl::Cancel { file_id: id }, 0);
    let theirs = carol.views(&name_of).swap_remove(0);
    assert_eq!(
        (theirs.state, theirs.status.as_str()),
        ("failed", "Transfer incomplete: the sender stopped")
    );
}

#[test]
fn a_frame_sealed_elsewhere_from_changed_bytes_is_not_kept_or_returned() {
    let (mut alice, mut bob, mut carol) = rooms();
    let (disk, id, released) = bob_receives_it_all(&mut alice, &mut bob, &mut carol);
    disk.borrow_mut()[10] ^= 0x01;
    carol_accepts_late(&mut alice, &mut carol, id);
    let key = alice.file_key_bytes(true, id).unwrap();

    // As WebCrypto does: plan, seal outside the crate, keep. The changed chunk 0 is refused.
    let request = alice.sender().next_chunk().unwrap();
    let bytes = read(&alice.file(id).unwrap(), &request);
    let input = alice.sender_plan(id, request.index, bytes.len()).unwrap();
    let frame = external_seal(&key, &input, &bytes);
    assert_eq!(
        frame[..CHUNK_HEADER_LEN],
        released[&0][..CHUNK_HEADER_LEN],
        "the same header, so the same nonce"
    );
    assert_ne!(frame, released[&0]);
    assert_eq!(
        alice.sender().keep(id, request.index, frame),
        Err(SendChunkError::Changed)
    );
    assert!(alice.sender().next_chunk().is_none());
    assert_eq!(
        alice.sender().keep(id, 0, released[&0].clone()),
        Err(SendChunkError::UnknownTransfer),
        "the transfer has ended"
    );
}
