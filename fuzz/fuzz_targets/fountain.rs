//! Fountain frames (PROTOCOL.md C.3): a `FountainDecoder` takes several frames of one input in
//! turn and never panics, whatever mix of messages, sizes and symbol ids they claim; every bound
//! must hold before a frame reaches `raptorq`, which asserts on bad input.
//!
//! Input layout: the first byte is the number of frames (at most [`MAX_FRAMES`]); each frame is
//! a big-endian u16 length and then that many bytes (fewer if the input ends first).

#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::fountain::{FountainDecoder, FountainProgress, msg_id};

/// Enough frames for a small message to complete, and for K = 1 to pass the 2·K + 16
/// distinct-frame limit that resets collection.
const MAX_FRAMES: usize = 40;

fn frames(data: &[u8]) -> Vec<&[u8]> {
    let Some((&count, mut rest)) = data.split_first() else {
        return Vec::new();
    };
    let mut frames = Vec::new();
    for _ in 0..usize::from(count).min(MAX_FRAMES) {
        let Some((len, tail)) = rest.split_first_chunk::<2>() else {
            break;
        };
        let len = usize::from(u16::from_be_bytes(*len)).min(tail.len());
        let (frame, tail) = tail.split_at(len);
        frames.push(frame);
        rest = tail;
    }
    frames
}

fuzz_target!(|data: &[u8]| {
    let mut decoder = FountainDecoder::default();
    for frame in frames(data) {
        if let Ok(FountainProgress::Complete(blob)) = decoder.push(frame) {
            // The frame that completed the message names it and its length.
            assert_eq!(
                msg_id(&blob),
                frame[..4],
                "released a blob of another msg_id"
            );
            let blob_len = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
            assert_eq!(
                blob.len(),
                blob_len as usize,
                "released a blob of the wrong length"
            );
        }
    }
});
