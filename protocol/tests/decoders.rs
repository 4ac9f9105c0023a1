//! Every decoder of untrusted bytes returns an error rather than panicking, whatever the input.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use protocol::body::{Body, Chat, FileCtrl, FileOffer, Presence};
use protocol::envelope::SealedEnvelope;
use protocol::fountain::FountainDecoder;
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::replay::ReplayWindow;
use protocol::stream::SealedChunk;

proptest! {
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let keys = RoomKeys::derive(&RoomSecret::from_bytes([1; 32]));
        if let Ok(envelope) = SealedEnvelope::parse(&bytes) {
            let key = keys.message_key(envelope.header().sender);
            prop_assert!(envelope.open(&keys.room_id(), &key, &mut ReplayWindow::default()).is_err());
        }
        if let Ok(chunk) = SealedChunk::parse(&bytes) {
            let key = keys.file_key(chunk.header().sender, chunk.header().file_id);
            prop_assert!(chunk.open(&keys.room_id(), &key).is_err());
        }
        let _ = protocol::blob::BlobHeader::parse(&bytes);
        let _ = Presence::decode(&bytes);
        let _ = Chat::decode(&bytes);
        let _ = FileOffer::decode(&bytes);
        let _ = FileCtrl::decode(&bytes);
        let _ = FountainDecoder::default().push(&bytes);
        let _ = protocol::base45::decode(&String::from_utf8_lossy(&bytes));
        let _ = protocol::qr_text::parse_qr_text(&String::from_utf8_lossy(&bytes));
        let _ = protocol::invite::parse_invite_fragment(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn fountain_frames_with_valid_headers_never_panic(
        blob_len in 1u32..=262_144,
        t in (8u16..=256).prop_map(|x| x * 8),
        sbn in 0u8..2,
        esi in 0u32..(1 << 24),
        fill in any::<u8>(),
    ) {
        let mut frame = vec![0, 1, 2, 3];
        frame.extend_from_slice(&blob_len.to_be_bytes());
        frame.extend_from_slice(&t.to_be_bytes());
        frame.push(sbn);
        frame.extend_from_slice(&esi.to_be_bytes()[1..]);
        frame.extend(std::iter::repeat_n(fill, usize::from(t)));
        let _ = FountainDecoder::default().push(&frame);
    }
}
