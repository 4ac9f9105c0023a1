//! The relay's message deadline follows WebSocket frame headers in the bytes a peer sends
//! (`relay::message_deadline::Frames`, RFC 6455 §5.2) to know when a message is open. A wrong
//! count either cuts off honest peers or lets a peer hold a half-sent message forever.
//!
//! Input: one byte that seeds how the stream is cut into reads, then frame specifications, three
//! bytes each: the first byte of the header (FIN, opcode), a length class and a length byte
//! (class 0: the byte itself, up to 125; class 1: 126 + the byte, in a 16-bit extended length;
//! class 2: 65 536 + the byte, in a 64-bit one; class 3: the same 16-bit length written in a
//! 64-bit field). Bit 7 of the class masks the frame. A trailing partial specification is fed as
//! raw bytes after the frames.
//!
//! Checked: after every read, `open()` is what a model of the stream says for that offset —
//! true inside a frame, and at a frame boundary true exactly while a data frame without FIN has
//! not been followed by a final data frame (control frames in between change nothing); and
//! the count of messages ended is the model's; feeding the same bytes all at once gives the same
//! answers as feeding them in pieces, raw tail included.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relay::message_deadline::Frames;

/// Encodes one frame from its specification; returns the bytes and (fin, control).
fn frame(spec: &[u8]) -> (Vec<u8>, bool, bool) {
    let (b0, class, n) = (spec[0], spec[1], spec[2]);
    let masked = class & 0x80 != 0;
    let mask_bit = if masked { 0x80 } else { 0 };
    let mut out = vec![b0];
    let len = match class & 3 {
        0 => {
            let len = usize::from(n % 126);
            out.push(mask_bit | len as u8);
            len
        }
        1 => {
            let len = 126 + usize::from(n);
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
            len
        }
        2 => {
            let len = 65_536 + usize::from(n);
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
            len
        }
        _ => {
            let len = 126 + usize::from(n);
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
            len
        }
    };
    if masked {
        out.extend_from_slice(&[1, 2, 3, 4]);
    }
    out.resize(out.len() + len, 0x5a);
    (out, b0 & 0x80 != 0, b0 & 0x08 != 0)
}

fuzz_target!(|data: &[u8]| {
    let Some((&seed, specs)) = data.split_first() else {
        return;
    };
    // At most 64 frames, so a run stays fast even with 64 KiB payloads.
    let whole = specs.len() / 3;
    let frames = whole.min(64);
    let mut stream = Vec::new();
    // open_at[i]: whether a message is open after the first i bytes.
    let mut open_at = vec![false];
    let mut between = false;
    let mut completed = 0u64;
    for spec in specs.chunks_exact(3).take(frames) {
        let (bytes, fin, control) = frame(spec);
        open_at.extend(std::iter::repeat_n(true, bytes.len() - 1));
        if !control {
            between = !fin;
            completed += u64::from(fin);
        }
        open_at.push(between);
        stream.extend_from_slice(&bytes);
    }
    let tail = if whole > frames { &[][..] } else { &specs[frames * 3..] };

    let mut pieces = Frames::default();
    let mut state = u32::from(seed) | 1;
    let mut at = 0;
    while at < stream.len() {
        // xorshift: read sizes from 1 byte to a few KiB, small ones often.
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = match state % 4 {
            0 => 1,
            1 => 1 + (state >> 8) as usize % 16,
            _ => 1 + (state >> 8) as usize % 4096,
        };
        let end = (at + size).min(stream.len());
        pieces.feed(&stream[at..end]);
        at = end;
        assert_eq!(pieces.open(), open_at[at], "after {at} bytes");
    }
    assert_eq!(pieces.completed(), completed, "messages ended");
    pieces.feed(tail);

    let mut at_once = Frames::default();
    at_once.feed(&stream);
    at_once.feed(tail);
    assert_eq!(at_once.open(), pieces.open());
    assert_eq!(at_once.completed(), pieces.completed());
});
