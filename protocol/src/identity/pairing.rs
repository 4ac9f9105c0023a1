//! Pairing two identities for offline codes (docs/PROTOCOL.md I.6): each device shows a pairing
//! code holding its published identity and the name its person chose, and scans the other's.
//! Scanning verifies the person shown; the key both then seal contact codes under comes from
//! their X25519 keys and is never shown, so a photograph of a pairing code opens nothing.
//!
//! ```text
//! code     = "CT2P" ‖ Base45(0x01 ‖ identity(128) ‖ UTF-8 name)
//! shared   = X25519(xk_own, xk_other)                          refused if all zeros
//! pair_key = HKDF-SHA256(salt = "cutout/v2 pair", IKM = shared, info = ik_low ‖ ik_high, 32)
//! ```
//!
//! `ik_low` is the bytewise smaller of the two identity keys, so both devices derive the same
//! key; contact codes sealed under it name their direction (`blob`, mode 0xC2).

use thiserror::Error;

use super::{IdentityError, PublicIdentity, SigningPublic};
use crate::base45;
use crate::contact::ContactKey;
use crate::contact_book::clean_name;
use crate::keys::hkdf;

/// The pairing code's tag (QR alphanumeric mode, like the other codes).
pub const PAIRING_TAG: &str = "CT2P";

const CODE_VERSION: u8 = 0x01;
const PAIR_LABEL: &[u8] = b"cutout/v2 pair";
/// The longest name a code carries, in bytes: [`crate::contact_book::MAX_NAME`] characters of
/// up to four bytes.
const MAX_NAME_BYTES: usize = 4 * crate::contact_book::MAX_NAME;

/// What a pairing code says: who is showing it, and what they call themselves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairingCode {
    /// The shower's published identity, its binding checked.
    pub identity: PublicIdentity,
    /// The name the shower chose (one line, at most 40 characters; may be empty).
    pub name: String,
}

/// Why a text is not a pairing code, or two identities cannot be paired.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum PairingError {
    /// Another tag: some other text or code.
    #[error("not a pairing code")]
    NotACode,
    /// The tag, then something that does not read as a version 1 code.
    #[error("the pairing code is damaged")]
    Damaged,
    /// The identity in the code does not check (docs/PROTOCOL.md I.1).
    #[error("the identity in the pairing code does not check")]
    Identity,
    /// The name is not one clean line of at most 40 characters.
    #[error("the name in the pairing code is not a clean name")]
    Name,
    /// Both identities are the same: this device's own code.
    #[error("this is your own pairing code: scan the other person's")]
    Own,
    /// The key agreement gave all zeros (a key of small order).
    #[error("the other key cannot be paired with")]
    Agreement,
}

impl PairingCode {
    /// The QR text and copyable form. The name is cleaned first.
    pub fn text(&self) -> String {
        let name = clean_name(&self.name);
        let mut bytes = Vec::with_capacity(1 + super::IDENTITY_LEN + name.len());
        bytes.push(CODE_VERSION);
        bytes.extend_from_slice(&self.identity.to_bytes());
        bytes.extend_from_slice(name.as_bytes());
        format!("{PAIRING_TAG}{}", base45::encode(&bytes))
    }

    /// Reads a scanned or pasted text. The identity's binding must verify, and the name must be
    /// as [`Self::text`] writes it (cleaned), so one code has one reading.
    pub fn parse(text: &str) -> Result<Self, PairingError> {
        let rest = text
            .strip_prefix(PAIRING_TAG)
            .ok_or(PairingError::NotACode)?;
        let bytes = base45::decode(rest).map_err(|_| PairingError::Damaged)?;
        let (&version, rest) = bytes.split_first().ok_or(PairingError::Damaged)?;
        if version != CODE_VERSION || rest.len() < super::IDENTITY_LEN {
            return Err(PairingError::Damaged);
        }
        let (identity, name) = rest.split_at(super::IDENTITY_LEN);
        let identity = PublicIdentity::parse(identity).map_err(|err| match err {
            IdentityError::Length => PairingError::Damaged,
            IdentityError::Signature => PairingError::Identity,
            IdentityError::AgreementKey => PairingError::Agreement,
        })?;
        if name.len() > MAX_NAME_BYTES {
            return Err(PairingError::Name);
        }
        let name = core::str::from_utf8(name).map_err(|_| PairingError::Name)?;
        if clean_name(name) != name {
            return Err(PairingError::Name);
        }
        Ok(Self {
            identity,
            name: name.to_owned(),
        })
    }
}

/// The key two paired identities share, from the X25519 result `shared` of one's `xk` with
/// the other's, and their two identity keys (in either order).
pub fn pair_key(
    shared: &[u8; 32],
    a: &SigningPublic,
    b: &SigningPublic,
) -> Result<ContactKey, PairingError> {
    if a == b {
        return Err(PairingError::Own);
    }
    if shared.iter().all(|&byte| byte == 0) {
        return Err(PairingError::Agreement);
    }
    let (low, high) = if a < b { (a, b) } else { (b, a) };
    let info = [low.as_slice(), high.as_slice()].concat();
    Ok(ContactKey::from_bytes(*hkdf::<32>(
        PAIR_LABEL, shared, &info,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{IdentityKeys, IdentitySigner};

    #[test]
    fn both_sides_derive_the_same_key() {
        let alice = IdentityKeys::from_seeds(&[1; 32], &[2; 32]);
        let bob = IdentityKeys::from_seeds(&[3; 32], &[4; 32]);
        let (a, b) = (alice.public(), bob.public());
        let at_alice = pair_key(&alice.agree(b.xk()).unwrap(), a.ik(), b.ik()).unwrap();
        let at_bob = pair_key(&bob.agree(a.xk()).unwrap(), b.ik(), a.ik()).unwrap();
        assert_eq!(at_alice, at_bob);
        assert_eq!(
            pair_key(&alice.agree(a.xk()).unwrap(), a.ik(), a.ik()),
            Err(PairingError::Own)
        );
        assert_eq!(
            pair_key(&[0; 32], a.ik(), b.ik()),
            Err(PairingError::Agreement)
        );
    }

    #[test]
    fn a_code_reads_back_and_damage_is_refused() {
        let alice = IdentityKeys::from_seeds(&[1; 32], &[2; 32]);
        let code = PairingCode {
            identity: alice.public(),
            name: "Alice".into(),
        };
        assert_eq!(PairingCode::parse(&code.text()), Ok(code.clone()));
        let unnamed = PairingCode {
            name: String::new(),
            ..code
        };
        assert_eq!(PairingCode::parse(&unnamed.text()), Ok(unnamed));
        assert_eq!(PairingCode::parse("CT2V00"), Err(PairingError::NotACode));
        assert_eq!(PairingCode::parse("CT2P00"), Err(PairingError::Damaged));
    }
}
