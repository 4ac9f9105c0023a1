//! Relay-visible frames (PROTOCOL.md A): `ClientFrame::decode` and `RelayFrame::decode` never
//! panic, and every frame they accept re-encodes to exactly the input bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wire::{ClientFrame, RelayFrame};

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = ClientFrame::decode(data) {
        assert_eq!(frame.encoded_len(), data.len(), "{frame:?}");
        assert_eq!(frame.encode(), data, "{frame:?}");
    }
    if let Ok(frame) = RelayFrame::decode(data) {
        assert_eq!(frame.encoded_len(), data.len(), "{frame:?}");
        assert_eq!(frame.encode().as_deref(), Ok(data), "{frame:?}");
        // The relay's hot-path DELIVER builder agrees with the general codec.
        if let RelayFrame::Deliver { from, payload } = frame {
            assert_eq!(wire::deliver(from, payload), data);
        }
    }
});
