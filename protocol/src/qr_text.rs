//! QR texts (PROTOCOL.md C.2): a four-character tag, then Base45 (RFC 9285) of bytes, all in QR
//! alphanumeric mode; verification codes (docs/PROTOCOL.md I.5, `CT2V`); and room invite URLs,
//! which a phone's own camera app can open.

use thiserror::Error;

use crate::base45::{self, Base45Error};
use crate::contact::ContactKey;
use crate::identity::pairing::{PAIRING_TAG, PairingCode, PairingError};
use crate::identity::safety::{VERIFICATION_TAG, VerificationCode, VerificationCodeError};
use crate::invite::parse_invite_fragment;
use crate::keys::RoomSecret;

/// Tag of a whole offline message in one QR.
pub const MESSAGE_TAG: &str = "CT1M";
/// Tag of one fountain frame (PROTOCOL.md C.3).
pub const FOUNTAIN_TAG: &str = "CT1F";
/// Tag of a contact-key pairing QR.
pub const CONTACT_KEY_TAG: &str = "CT1K";

/// An offline message is shown as one `CT1M` code when that code needs QR version 15 or less
/// at error correction level M (a blob of up to about 390 bytes); longer ones are animated.
pub const SINGLE_CODE_MAX_VERSION: i16 = 15;

/// What a scanned QR text holds.
#[derive(Debug, PartialEq, Eq)]
pub enum QrText {
    /// An offline blob (PROTOCOL.md C.1).
    Message(Vec<u8>),
    /// A fountain frame of a larger offline blob (PROTOCOL.md C.3).
    FountainFrame(Vec<u8>),
    /// A contact key to save.
    ContactKey(ContactKey),
    /// A room invite URL.
    Invite(RoomSecret),
    /// A verification code (docs/PROTOCOL.md I.5): someone's identity key and the key they see
    /// for the person verifying them.
    Verification(VerificationCode),
    /// A pairing code (docs/PROTOCOL.md I.6): someone's published identity and chosen name.
    Pairing(PairingCode),
}

/// Why a scanned text is not a Cutout QR.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum QrTextError {
    /// No known tag and not an invite URL.
    #[error("not a Cutout QR code")]
    Unknown,
    /// A known tag followed by invalid Base45.
    #[error("malformed QR payload")]
    Malformed,
    /// A known tag followed by more Base45 than any Cutout text holds.
    #[error("QR payload too long")]
    TooLong,
    /// A contact key that is not 32 bytes.
    #[error("contact key has the wrong length")]
    ContactKeyLength,
    /// An https URL whose fragment is not a valid invite.
    #[error("malformed invite")]
    Invite,
}

/// `CT1M` ‖ Base45(blob).
pub fn message_text(blob: &[u8]) -> String {
    tagged(MESSAGE_TAG, blob)
}

/// `CT1F` ‖ Base45(frame).
pub fn fountain_frame_text(frame: &[u8]) -> String {
    tagged(FOUNTAIN_TAG, frame)
}

/// `CT1K` ‖ Base45(contact_key).
pub fn contact_key_text(key: &ContactKey) -> String {
    tagged(CONTACT_KEY_TAG, key.as_bytes())
}

fn tagged(tag: &str, bytes: &[u8]) -> String {
    let mut text = String::with_capacity(tag.len() + bytes.len().div_ceil(2) * 3);
    text.push_str(tag);
    text.push_str(&base45::encode(bytes));
    text
}

/// Reads a scanned QR text.
pub fn parse_qr_text(text: &str) -> Result<QrText, QrTextError> {
    let payload = |rest: &str| {
        base45::decode(rest).map_err(|err| match err {
            Base45Error::TooLong => QrTextError::TooLong,
            _ => QrTextError::Malformed,
        })
    };
    if let Some(rest) = text.strip_prefix(MESSAGE_TAG) {
        return Ok(QrText::Message(payload(rest)?));
    }
    if let Some(rest) = text.strip_prefix(FOUNTAIN_TAG) {
        return Ok(QrText::FountainFrame(payload(rest)?));
    }
    if let Some(rest) = text.strip_prefix(CONTACT_KEY_TAG) {
        let bytes = zeroize::Zeroizing::new(payload(rest)?);
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| QrTextError::ContactKeyLength)?;
        return Ok(QrText::ContactKey(ContactKey::from_bytes(key)));
    }
    if text.starts_with(VERIFICATION_TAG) {
        return VerificationCode::parse(text)
            .map(QrText::Verification)
            .map_err(|err| match err {
                VerificationCodeError::NotACode => QrTextError::Unknown,
                VerificationCodeError::Damaged => QrTextError::Malformed,
            });
    }
    if text.starts_with(PAIRING_TAG) {
        return PairingCode::parse(text)
            .map(QrText::Pairing)
            .map_err(|err| match err {
                PairingError::NotACode => QrTextError::Unknown,
                _ => QrTextError::Malformed,
            });
    }
    if text.starts_with("https://") || text.starts_with("http://") {
        let fragment = text
            .find('#')
            .map(|at| &text[at..])
            .ok_or(QrTextError::Invite)?;
        return parse_invite_fragment(fragment)
            .map(QrText::Invite)
            .map_err(|_| QrTextError::Invite);
    }
    Err(QrTextError::Unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invite::invite_fragment;

    #[test]
    fn invite_urls_are_recognised() {
        let secret = RoomSecret::from_bytes([3; 32]);
        let url = format!("https://192.0.2.1:8443/{}", invite_fragment(&secret));
        match parse_qr_text(&url) {
            Ok(QrText::Invite(parsed)) => assert_eq!(parsed.as_bytes(), secret.as_bytes()),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            parse_qr_text("https://example.org/"),
            Err(QrTextError::Invite)
        );
    }

    #[test]
    fn malformed_texts_are_rejected() {
        assert_eq!(parse_qr_text("hello"), Err(QrTextError::Unknown));
        assert_eq!(parse_qr_text("CT1Mbb8"), Err(QrTextError::Malformed));
        assert_eq!(parse_qr_text("CT1KBB8"), Err(QrTextError::ContactKeyLength));
        assert_eq!(parse_qr_text("CT2MBB8"), Err(QrTextError::Unknown));
    }

    /// QR version of `text` at level M.
    fn version(text: &str) -> i16 {
        match qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
            .map(|c| c.version())
        {
            Ok(qrcode::Version::Normal(v)) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn single_code_holds_about_390_bytes() {
        assert!(version(&message_text(&[0xff; 390])) <= SINGLE_CODE_MAX_VERSION);
        assert!(version(&message_text(&[0xff; 400])) > SINGLE_CODE_MAX_VERSION);
    }

    #[test]
    fn verification_codes_are_recognised_and_damage_is_malformed() {
        let code = VerificationCode {
            shown: [5; 32],
            seen: [6; 32],
        };
        assert_eq!(parse_qr_text(&code.text()), Ok(QrText::Verification(code)));
        // A version byte other than 0x01, or a payload of another length: damaged.
        let mut other_version = vec![2];
        other_version.extend_from_slice(&[5; 64]);
        assert_eq!(
            parse_qr_text(&tagged(VERIFICATION_TAG, &other_version)),
            Err(QrTextError::Malformed)
        );
        assert_eq!(
            parse_qr_text(&tagged(VERIFICATION_TAG, &[1; 33])),
            Err(QrTextError::Malformed)
        );
        assert_eq!(parse_qr_text("CT2Vbb8"), Err(QrTextError::Malformed));
        // Read exactly: lower case is another text.
        assert_eq!(
            parse_qr_text(&code.text().to_lowercase()),
            Err(QrTextError::Unknown)
        );
    }

    #[test]
    fn frames_round_trip() {
        let frame = vec![1, 2, 3, 250];
        assert_eq!(
            parse_qr_text(&fountain_frame_text(&frame)),
            Ok(QrText::FountainFrame(frame))
        );
    }
}
