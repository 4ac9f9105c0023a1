//! Envelope bodies (PROTOCOL.md B.2–B.4, docs/PROTOCOL.md): the postcard decoders of
//! `Presence`, `Chat`, `FileOffer` and `FileCtrl` never panic. A room member can put any bytes in
//! an authentic envelope, so these decoders see hostile input even though the AEAD passed.
//! Every decoded value re-encodes to exactly the input: each value has one accepted encoding.
//!
//! A file offer also goes through the checks a receiver applies before showing it: the stream
//! rules and the file name sanitiser.

#![no_main]

use core::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use protocol::body::{Body, Chat, FileCtrl, FileOffer, Presence};
use protocol::file_name::sanitise_file_name;
use protocol::stream::validate_offer;

fn round_trip<T: Body + Debug + PartialEq>(data: &[u8]) -> Option<T> {
    let value = T::decode(data).ok()?;
    let encoded = match value.encode() {
        Ok(encoded) => encoded,
        Err(error) => panic!("decoded {value:?} does not re-encode: {error}"),
    };
    assert_eq!(encoded, data, "a non-canonical encoding of {value:?} was accepted");
    Some(value)
}

fuzz_target!(|data: &[u8]| {
    round_trip::<Presence>(data);
    round_trip::<Chat>(data);
    round_trip::<FileCtrl>(data);
    if let Some(offer) = round_trip::<FileOffer>(data) {
        let _ = validate_offer(&offer);
        let name = sanitise_file_name(&offer.name);
        assert!(!name.is_empty() && name.len() <= 255, "{name:?}");
        assert!(!name.contains(['/', '\\']), "{name:?}");
    }
});
