//! Invite fragments (PROTOCOL.md B.1): `parse_invite_fragment` never panics, and a fragment it
//! accepts is the one canonical text of its secret.

#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::invite::{invite_fragment, parse_invite_fragment};

fuzz_target!(|data: &[u8]| {
    let Ok(fragment) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(secret) = parse_invite_fragment(fragment) {
        assert_eq!(
            invite_fragment(&secret),
            fragment,
            "non-canonical invite accepted"
        );
    }
});
