//! QR texts (PROTOCOL.md C.2), Base45 (RFC 9285) and pasted message texts (docs/PROTOCOL.md):
//! `parse_qr_text`, `base45::decode` and `text_form::read_pasted` never panic, whatever the first
//! two accept is the one canonical text of what they decoded, and a message `read_pasted` calls
//! whole is whole again in its own text form.
//!
//! QR decoders hand over text; bytes that are not UTF-8 are read lossily, so every input reaches
//! the parser.

#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::base45;
use protocol::invite::invite_fragment;
use protocol::qr_text::{
    QrText, contact_key_text, fountain_frame_text, message_text, parse_qr_text,
};
use protocol::text_form::{Pasted, read_pasted, text_form};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    if let Ok(bytes) = base45::decode(text) {
        assert_eq!(
            base45::encode(&bytes),
            text,
            "non-canonical Base45 accepted"
        );
    }

    match parse_qr_text(text) {
        Ok(QrText::Message(blob)) => assert_eq!(message_text(&blob), text),
        Ok(QrText::FountainFrame(frame)) => assert_eq!(fountain_frame_text(&frame), text),
        Ok(QrText::ContactKey(key)) => assert_eq!(contact_key_text(&key), text),
        Ok(QrText::Verification(code)) => assert_eq!(code.text(), text),
        Ok(QrText::Pairing(code)) => assert_eq!(code.text(), text),
        Ok(QrText::Invite(secret)) => {
            let fragment = text.find('#').map(|at| &text[at..]);
            assert_eq!(fragment, Some(invite_fragment(&secret).as_str()));
        }
        Err(_) => {}
    }

    if let Pasted::Whole(blob) = read_pasted(text) {
        assert_eq!(read_pasted(&text_form(&blob)), Pasted::Whole(blob));
    }
});
