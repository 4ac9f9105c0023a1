//! File STREAM chunk frames (PROTOCOL.md B.4): a `FileReceiver` that accepted the vector offers
//! of `protocol/testdata/cutout-v1.json` takes the input as one chunk frame, and never panics.
//!
//! The frame goes to three receivers: one that has taken no chunk yet, one that has taken the
//! vector's chunk 0, and one that has taken chunks 0 and 1, so that the input can be the next
//! chunk, the last chunk, or out of order. Beyond not panicking: a frame from the wrong member
//! is dropped without effect, an abort ends the transfer, and a completed file has its offered
//! size.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use protocol::MemberId;
use protocol::body::FileOffer;
use protocol::ids::{FileId, SenderId};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::stream_receive::{ChunkOutcome, FileReceiver};
use wire::RoomId;

/// The DELIVER `from` of the offering member.
const ALICE: MemberId = MemberId(7);
/// Another member of the room.
const MALLORY: MemberId = MemberId(8);
const SENDER: SenderId = SenderId([
    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf,
]);
const FILE: FileId = FileId([
    0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
]);
const EMPTY_FILE: FileId = FileId([
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
]);
/// `file_stream.chunks[0]` and `[1]` of the vectors: 16-byte chunks of the 40-byte file.
const VECTOR_CHUNKS: [&str; 2] = [
    "0104a0a1a2a3a4a5a6a7a8a9aaabacadaeaff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00000000004d9507bd4c88b16d4056adc1538528c8a327db17b6562b8ea998276f53df8cf3",
    "0104a0a1a2a3a4a5a6a7a8a9aaabacadaeaff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00000001008a5d93762cdbf6246a654fdd7b3f9a09d390a3de5d5dfd83d3803c1102641149",
];

static KEYS: LazyLock<RoomKeys> =
    LazyLock::new(|| RoomKeys::derive(&RoomSecret::from_bytes(core::array::from_fn(|i| i as u8))));

static PRE_FED: LazyLock<Vec<Vec<u8>>> =
    LazyLock::new(|| VECTOR_CHUNKS.iter().map(|chunk| hex(chunk)).collect());

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap_or_default())
        .collect()
}

fn offer(file_id: FileId, size: u64, n_chunks: u32) -> FileOffer {
    FileOffer {
        file_id,
        name: "vector.bin".into(),
        mime: "application/octet-stream".into(),
        size,
        chunk_size: 16,
        n_chunks,
    }
}

/// A receiver holding the 40-byte vector offer and the empty-file offer, after `pre_fed`
/// vector chunks of the first.
fn receiver(room_id: &RoomId, pre_fed: usize) -> FileReceiver {
    let mut receiver = FileReceiver::default();
    for offer in [offer(FILE, 40, 3), offer(EMPTY_FILE, 0, 1)] {
        if let Err(error) = receiver.accept(&KEYS, ALICE, SENDER, &offer, u64::MAX) {
            panic!("vector offer refused: {error}");
        }
    }
    for frame in &PRE_FED[..pre_fed] {
        let outcome = receiver.receive(room_id, ALICE, frame);
        assert!(
            matches!(outcome, ChunkOutcome::Progress { .. }),
            "{outcome:?}"
        );
    }
    receiver
}

fuzz_target!(|data: &[u8]| {
    let room_id = KEYS.room_id();
    for pre_fed in 0..=PRE_FED.len() {
        let mut receiver = receiver(&room_id, pre_fed);
        let before = receiver.in_progress();

        let outcome = receiver.receive(&room_id, MALLORY, data);
        assert_eq!(
            outcome,
            ChunkOutcome::Dropped,
            "a frame from another member was taken"
        );
        assert_eq!(receiver.in_progress(), before);

        match receiver.receive(&room_id, ALICE, data) {
            ChunkOutcome::Dropped => assert_eq!(receiver.in_progress(), before),
            ChunkOutcome::Progress { .. } => assert_eq!(receiver.in_progress(), before),
            ChunkOutcome::Complete { file, bytes, .. } => {
                assert_eq!(receiver.in_progress(), before - 1);
                let size = if file.file_id == FILE { 40 } else { 0 };
                let earlier = if file.file_id == FILE { 16 * pre_fed } else { 0 };
                assert_eq!(file.size, size as u64, "released a file of the wrong size");
                assert_eq!(earlier + bytes.len(), size, "chunks do not add up to the size");
                assert_eq!(
                    receiver.receive(&room_id, ALICE, data),
                    ChunkOutcome::Dropped,
                    "a chunk after the last was taken"
                );
            }
            ChunkOutcome::Aborted { .. } => {
                assert_eq!(receiver.in_progress(), before - 1);
                assert_eq!(
                    receiver.receive(&room_id, ALICE, data),
                    ChunkOutcome::Dropped,
                    "a chunk of an aborted transfer was taken"
                );
            }
        }
    }
});
