//! An offline message as text to copy and paste (docs/PROTOCOL.md, "The message as text"), and
//! the rule that reads pasted text.
//!
//! ```text
//! text = "CT1T" ‖ b64u(msg_id(4) ‖ blob_len(u32) ‖ blob)      msg_id = SHA-256(blob)[..4] (C.3)
//! ```
//!
//! A QR code carries its own length and error correction, so `CT1M` ‖ Base45(blob) (C.2) is
//! whole whenever it scans. Pasted text has neither: a cut-off `CT1M` text that still decodes
//! is a shorter blob whose header passes, indistinguishable from a whole one until the AEAD
//! fails as if the passphrase were wrong. The text form therefore declares the blob's length
//! and digest, so that a cut is "part of the message is missing" and a changed character is
//! "damaged"; and it is base64url, which has no space, so every white space in a pasted text
//! (mail wraps lines at 76 columns, chat apps add spaces) can be dropped. `CT1M` texts, which
//! earlier versions showed, are still read, but only called read, not whole.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::base45;
use crate::blob::BlobHeader;
use crate::fountain::{MAX_BLOB_LEN, msg_id};
use crate::qr_text::{MESSAGE_TAG, QrText, QrTextError, parse_qr_text};

/// Tag of an offline message as text.
pub const TEXT_TAG: &str = "CT1T";
/// msg_id(4) ‖ blob_len(u32).
const PREFIX_LEN: usize = 8;
/// Characters that hold the prefix: 12 base64url characters are 9 whole bytes.
const PREFIX_CHARS: usize = 12;
/// The longest text a valid message has: `CT1M` ‖ Base45 of the largest blob (longer than its
/// `CT1T` form).
pub const MAX_TEXT_LEN: usize = MESSAGE_TAG.len() + base45_len(MAX_BLOB_LEN as usize);
/// Pasted text is refused unread beyond this: the longest message with room for a line break
/// after every few characters.
pub const MAX_PASTED_LEN: usize = 2 * MAX_TEXT_LEN;

/// What a pasted text is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pasted {
    /// A `CT1T` text whose declared length and digest match: the whole message.
    Whole(Vec<u8>),
    /// A `CT1M` text (earlier versions' form): it decodes and its header passes, but nothing
    /// says all of it was copied.
    Unchecked(Vec<u8>),
    /// Shorter than it declares (or one fountain frame of a message): part of it is missing.
    Incomplete,
    /// A Cutout message text that is altered: a changed character, or longer than it declares.
    Damaged,
    /// Longer than any Cutout message.
    TooLong,
    /// Not an offline message.
    Other,
}

/// The message as text: `CT1T` ‖ b64u(msg_id ‖ blob_len ‖ blob).
pub fn text_form(blob: &[u8]) -> String {
    let mut bytes = Vec::with_capacity(PREFIX_LEN + blob.len());
    bytes.extend_from_slice(&msg_id(blob));
    bytes.extend_from_slice(&u32::try_from(blob.len()).unwrap_or(u32::MAX).to_be_bytes());
    bytes.extend_from_slice(blob);
    let mut text = String::with_capacity(TEXT_TAG.len() + b64u_len(bytes.len()));
    text.push_str(TEXT_TAG);
    URL_SAFE_NO_PAD.encode_string(&bytes, &mut text);
    text
}

/// Reads a pasted (or scanned) text: white space dropped as [`tidy`] says, then a `CT1T` text
/// checked against its declared length and digest, a `CT1M` text decoded, anything else
/// classified.
pub fn read_pasted(text: &str) -> Pasted {
    if text.len() > MAX_PASTED_LEN {
        return Pasted::TooLong;
    }
    let text = tidy(text);
    if let Some(payload) = text.strip_prefix(TEXT_TAG) {
        return read_text_form(payload);
    }
    match parse_qr_text(&text) {
        Ok(QrText::Message(blob)) if BlobHeader::parse(&blob).is_ok() => Pasted::Unchecked(blob),
        Ok(QrText::Message(_)) | Err(QrTextError::Malformed) => Pasted::Damaged,
        Ok(QrText::FountainFrame(_)) => Pasted::Incomplete,
        Err(QrTextError::TooLong) => Pasted::TooLong,
        Ok(
            QrText::ContactKey(_)
            | QrText::Invite(_)
            | QrText::Verification(_)
            | QrText::Pairing(_),
        )
        | Err(_) => Pasted::Other,
    }
}

/// A text as read: line breaks and tabs dropped wherever they are (mail wraps lines), every
/// other white space (a no-break space from a web page) a space, and none at either end. A
/// `CT1T` text has no space at all; `CT1M` and `CT1F` texts keep theirs, which are Base45
/// digits (never the last character of valid Base45, so trimming loses none).
pub fn tidy(text: &str) -> String {
    let text = text.trim();
    if text.starts_with(TEXT_TAG) {
        return text.chars().filter(|c| !c.is_whitespace()).collect();
    }
    text.chars()
        .filter(|&c| !is_break(c))
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// Line and paragraph breaks and tabs: never in a Cutout text, so dropped rather than spaced.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

/// The payload of a tidied `CT1T` text.
fn read_text_form(payload: &str) -> Pasted {
    if !payload.bytes().all(is_b64u) {
        return Pasted::Damaged;
    }
    // Too short to hold its own length: a cut before any of the message.
    let Some(prefix) = payload.get(..PREFIX_CHARS) else {
        return Pasted::Incomplete;
    };
    let Ok(prefix) = URL_SAFE_NO_PAD.decode(prefix) else {
        return Pasted::Damaged;
    };
    let (Some(id), Some(len)) = (prefix.first_chunk::<4>(), prefix.get(4..PREFIX_LEN)) else {
        return Pasted::Damaged;
    };
    let declared = u32::from_be_bytes([len[0], len[1], len[2], len[3]]);
    // The bounds of C.3, so the expected length below cannot overflow.
    if !(1..=MAX_BLOB_LEN).contains(&declared) {
        return Pasted::Damaged;
    }
    let expected = b64u_len(PREFIX_LEN + declared as usize);
    if payload.len() < expected {
        return Pasted::Incomplete;
    }
    if payload.len() > expected {
        return Pasted::Damaged;
    }
    let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(payload) else {
        return Pasted::Damaged;
    };
    // Exactly PREFIX_LEN + declared bytes by now; checked anyway, as split_off would panic.
    if bytes.len() <= PREFIX_LEN {
        return Pasted::Damaged;
    }
    let blob = bytes.split_off(PREFIX_LEN);
    if msg_id(&blob) != *id || BlobHeader::parse(&blob).is_err() {
        return Pasted::Damaged;
    }
    Pasted::Whole(blob)
}

fn is_b64u(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Characters of unpadded base64url for `n` bytes.
const fn b64u_len(n: usize) -> usize {
    n / 3 * 4 + [0, 2, 3][n % 3]
}

/// Characters of Base45 for `n` bytes (RFC 9285).
const fn base45_len(n: usize) -> usize {
    n / 2 * 3 + (n % 2) * 2
}

// Base45 decodes exactly as much as the largest blob needs.
const _: () = assert!(base45::MAX_TEXT_LEN == base45_len(MAX_BLOB_LEN as usize));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_follow_the_encodings() {
        for n in 0..40 {
            assert_eq!(b64u_len(n), URL_SAFE_NO_PAD.encode(vec![0; n]).len());
            assert_eq!(base45_len(n), base45::encode(&vec![0; n]).len());
        }
    }

    #[test]
    fn tidying_keeps_base45_spaces_and_drops_breaks() {
        assert_eq!(tidy(" CT1M%69 VD9\r\n2EX0 \n"), "CT1M%69 VD92EX0");
        assert_eq!(tidy("CT1M%69\u{a0}VD92EX0"), "CT1M%69 VD92EX0");
        assert_eq!(tidy("\tCT1T ab\r\ncd ef\u{a0}\u{3000}"), "CT1Tabcdef");
    }

    #[test]
    fn short_and_odd_payloads_are_classified_without_panicking() {
        assert_eq!(read_pasted("CT1T"), Pasted::Incomplete);
        assert_eq!(read_pasted("CT1Tabc"), Pasted::Incomplete);
        assert_eq!(read_pasted("CT1Tab=c"), Pasted::Damaged);
        assert_eq!(
            read_pasted("CT1TAAAAAAAAAAAAAAAA"),
            Pasted::Damaged,
            "length 0"
        );
        assert_eq!(
            read_pasted("CT1T________________"),
            Pasted::Damaged,
            "length 2^32-1"
        );
        assert_eq!(read_pasted("hello"), Pasted::Other);
        assert_eq!(read_pasted(""), Pasted::Other);
        assert_eq!(
            read_pasted(&"A".repeat(MAX_PASTED_LEN + 1)),
            Pasted::TooLong
        );
    }
}
