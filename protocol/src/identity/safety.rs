//! Safety numbers and verification codes (docs/PROTOCOL.md I.4, I.5): how two people make sure
//! they see each other's identity key.
//!
//! ```text
//! half(ik) = digits(SHA-512^5200("cutout/v2 safety" ‖ ik)), each round hashing the last ‖ ik
//! number   = the two 30-digit halves, the smaller first                            60 digits
//! code     = "CT2V" ‖ Base45(0x01 ‖ ik_shown ‖ ik_seen)
//! ```

use sha2::{Digest, Sha512};
use thiserror::Error;

use super::{KEY_LEN, SigningPublic};
use crate::base45;

/// SHA-512 rounds per half (Signal's count): every attempt to grind a lookalike key costs this
/// many hashes.
pub const ITERATIONS: usize = 5_200;
/// Digits in a safety number.
pub const DIGITS: usize = 60;
/// The verification code's tag (QR alphanumeric mode, like the offline codes).
pub const VERIFICATION_TAG: &str = "CT2V";

const SAFETY_LABEL: &[u8] = b"cutout/v2 safety";
const CODE_VERSION: u8 = 0x01;
const CODE_LEN: usize = 1 + 2 * KEY_LEN;

/// The 30 digits one identity key contributes.
pub fn half(ik: &SigningPublic) -> String {
    let mut hash = Sha512::new()
        .chain_update(SAFETY_LABEL)
        .chain_update(ik)
        .finalize();
    for _ in 1..ITERATIONS {
        hash = Sha512::new().chain_update(hash).chain_update(ik).finalize();
    }
    hash[..30]
        .chunks_exact(5)
        .map(|group| {
            let value = group.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            format!("{:05}", value % 100_000)
        })
        .collect()
}

/// The safety number of two identity keys: the same whichever comes first.
pub fn safety_number(a: &SigningPublic, b: &SigningPublic) -> String {
    let (a, b) = (half(a), half(b));
    if a <= b { a + &b } else { b + &a }
}

/// A safety number as people read it: 12 groups of 5 digits.
pub fn groups(number: &str) -> Vec<&str> {
    (0..number.len())
        .step_by(5)
        .filter_map(|at| number.get(at..at + 5))
        .collect()
}

/// What a verification code says: the shower's key, and the key the shower sees for the person
/// they are verifying.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerificationCode {
    /// The identity key of the person showing the code.
    pub shown: SigningPublic,
    /// The key they see for the person they are verifying.
    pub seen: SigningPublic,
}

/// Why a text is not a verification code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum VerificationCodeError {
    /// Another tag: some other text or code.
    #[error("not a verification code")]
    NotACode,
    /// The tag, then something that does not read as a version 1 code.
    #[error("the verification code is damaged")]
    Damaged,
}

impl VerificationCode {
    /// The QR text and copyable form.
    pub fn text(&self) -> String {
        let mut bytes = Vec::with_capacity(CODE_LEN);
        bytes.push(CODE_VERSION);
        bytes.extend_from_slice(&self.shown);
        bytes.extend_from_slice(&self.seen);
        format!("{VERIFICATION_TAG}{}", base45::encode(&bytes))
    }

    /// Reads a scanned or pasted text.
    pub fn parse(text: &str) -> Result<Self, VerificationCodeError> {
        let rest = text
            .strip_prefix(VERIFICATION_TAG)
            .ok_or(VerificationCodeError::NotACode)?;
        let bytes = base45::decode(rest).map_err(|_| VerificationCodeError::Damaged)?;
        if bytes.len() != CODE_LEN || bytes[0] != CODE_VERSION {
            return Err(VerificationCodeError::Damaged);
        }
        let mut code = Self {
            shown: [0; KEY_LEN],
            seen: [0; KEY_LEN],
        };
        code.shown.copy_from_slice(&bytes[1..=KEY_LEN]);
        code.seen.copy_from_slice(&bytes[1 + KEY_LEN..]);
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_number_is_the_same_both_ways_and_sixty_digits() {
        let (a, b) = ([1; 32], [2; 32]);
        let number = safety_number(&a, &b);
        assert_eq!(number, safety_number(&b, &a));
        assert_eq!(number.len(), DIGITS);
        assert!(number.bytes().all(|c| c.is_ascii_digit()));
        assert_eq!(groups(&number).len(), 12);
        assert_ne!(half(&a), half(&b));
    }

    #[test]
    fn a_code_reads_back_and_damage_is_refused() {
        let code = VerificationCode {
            shown: [3; 32],
            seen: [4; 32],
        };
        assert_eq!(VerificationCode::parse(&code.text()), Ok(code));
        assert_eq!(
            VerificationCode::parse("CT1K00"),
            Err(VerificationCodeError::NotACode)
        );
        assert_eq!(
            VerificationCode::parse("CT2V00"),
            Err(VerificationCodeError::Damaged)
        );
    }
}
