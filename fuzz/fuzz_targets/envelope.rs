//! Room envelopes (PROTOCOL.md B.2): `SealedEnvelope::parse` then `open` under the vector room
//! keys never panic. Beyond that: a failed open leaves the replay window untouched, an opened
//! envelope is refused the second time, and its body re-seals to exactly the input.
//!
//! The keys are those of `protocol/testdata/cutout-v1.json` (room secret 00 01 … 1f), so the
//! vector envelopes in the seed corpus authenticate and the fuzzer starts past the AEAD.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use protocol::envelope::{SealedEnvelope, seal};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::replay::ReplayWindow;

static KEYS: LazyLock<RoomKeys> =
    LazyLock::new(|| RoomKeys::derive(&RoomSecret::from_bytes(core::array::from_fn(|i| i as u8))));

fuzz_target!(|data: &[u8]| {
    let Ok(sealed) = SealedEnvelope::parse(data) else {
        return;
    };
    let header = *sealed.header();
    let room_id = KEYS.room_id();
    let key = KEYS.message_key(header.sender);

    // A sender never seen before: an empty window, baseline 0.
    let mut fresh = ReplayWindow::default();
    let Ok(body) = sealed.open(&room_id, &key, &mut fresh) else {
        assert_eq!(
            fresh,
            ReplayWindow::default(),
            "a failed open changed the window"
        );
        return;
    };
    assert!(
        !fresh.accepts(header.seq),
        "an opened seq was not committed"
    );
    assert!(
        sealed.open(&room_id, &key, &mut fresh).is_err(),
        "a replay was opened"
    );
    assert_eq!(
        seal(&room_id, &key, &header, &body).as_deref(),
        Ok(data),
        "re-sealing the body gave other bytes"
    );

    // A window that has seen seq 64 and has baseline 1: opening succeeds exactly when the
    // window accepts the seq, and a refusal changes nothing.
    let mut window = ReplayWindow::default();
    window.set_baseline(1);
    window.commit(64);
    let before = window.clone();
    let accepted = window.accepts(header.seq);
    match sealed.open(&room_id, &key, &mut window) {
        Ok(again) => {
            assert!(accepted, "opened a seq the window refuses");
            assert_eq!(again, body);
        }
        Err(_) => {
            assert!(
                !accepted,
                "an authentic envelope failed in a window that accepts it"
            );
            assert_eq!(window, before, "a refused open changed the window");
        }
    }
});
