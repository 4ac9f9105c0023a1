//! Identities (docs/PROTOCOL.md I.1): one per browser profile, an Ed25519 signing key `IK` and
//! an X25519 key-agreement key `XK`, published together as
//!
//! ```text
//! identity = ik(32) ‖ xk(32) ‖ Sign_IK("cutout/v2 identity" ‖ xk)      128 bytes
//! ```
//!
//! Verification is strict everywhere ([`verify`]): keys and signature points of small order, and
//! non-canonical encodings, are refused, so one signature has one meaning.
//!
//! Signing happens where the private key lives. [`IdentityKeys`] holds it in memory (the app's
//! fallback where the browser's WebCrypto has no Ed25519); with WebCrypto the app signs the
//! statements built here itself and hands back the signature.

use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use thiserror::Error;
use x25519_dalek::{PublicKey as XPublic, StaticSecret};
use zeroize::Zeroizing;

use crate::entropy::Entropy;

pub mod pairing;
pub mod safety;
pub mod session;

/// Length of an Ed25519 or X25519 public key.
pub const KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a published identity: `ik ‖ xk ‖ binding`.
pub const IDENTITY_LEN: usize = 2 * KEY_LEN + SIGNATURE_LEN;

const IDENTITY_LABEL: &[u8] = b"cutout/v2 identity";

/// An Ed25519 public key (the identity key `ik`, or a session key `sk`).
pub type SigningPublic = [u8; KEY_LEN];

/// Why an identity, certificate or signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum IdentityError {
    /// Not the length the format fixes.
    #[error("wrong length")]
    Length,
    /// A signature that does not verify (or a key that cannot verify anything).
    #[error("signature does not verify")]
    Signature,
    /// A key-agreement key of small order, with which every X25519 result is all zeros.
    #[error("key-agreement key of small order")]
    AgreementKey,
}

/// Strict Ed25519 verification (docs/PROTOCOL.md I): refuses a public key that is not the
/// canonical encoding of a point, a key or `R` of small order, and a non-canonical `S`.
pub fn verify(public: &SigningPublic, message: &[u8], signature: &[u8; SIGNATURE_LEN]) -> bool {
    let canonical = CompressedEdwardsY(*public)
        .decompress()
        .is_some_and(|point| point.compress().to_bytes() == *public);
    if !canonical {
        return false;
    }
    let Ok(key) = VerifyingKey::from_bytes(public) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(signature))
        .is_ok()
}

/// A published identity whose binding has been checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublicIdentity {
    ik: SigningPublic,
    xk: [u8; KEY_LEN],
    binding: [u8; SIGNATURE_LEN],
}

impl PublicIdentity {
    /// Reads a 128-byte identity; refuses it unless `binding` verifies under `ik` and `xk` is
    /// not of small order (every X25519 result with such a key is all zeros, so anyone could
    /// compute a key "shared" with it).
    pub fn parse(bytes: &[u8]) -> Result<Self, IdentityError> {
        let bytes: &[u8; IDENTITY_LEN] = bytes.try_into().map_err(|_| IdentityError::Length)?;
        let (ik, rest) = bytes.split_at(KEY_LEN);
        let (xk, binding) = rest.split_at(KEY_LEN);
        let identity = Self {
            ik: ik.try_into().map_err(|_| IdentityError::Length)?,
            xk: xk.try_into().map_err(|_| IdentityError::Length)?,
            binding: binding.try_into().map_err(|_| IdentityError::Length)?,
        };
        if !verify(
            &identity.ik,
            &binding_statement(&identity.xk),
            &identity.binding,
        ) {
            return Err(IdentityError::Signature);
        }
        if small_order(&identity.xk) {
            return Err(IdentityError::AgreementKey);
        }
        Ok(identity)
    }

    /// The identity key people know each other by.
    pub fn ik(&self) -> &SigningPublic {
        &self.ik
    }

    /// The key-agreement key.
    pub fn xk(&self) -> &[u8; KEY_LEN] {
        &self.xk
    }

    /// The 128 published bytes.
    pub fn to_bytes(&self) -> [u8; IDENTITY_LEN] {
        let mut out = [0; IDENTITY_LEN];
        out[..KEY_LEN].copy_from_slice(&self.ik);
        out[KEY_LEN..2 * KEY_LEN].copy_from_slice(&self.xk);
        out[2 * KEY_LEN..].copy_from_slice(&self.binding);
        out
    }
}

/// What `ik` signs to bind `xk` to itself.
pub fn binding_statement(xk: &[u8; KEY_LEN]) -> Vec<u8> {
    [IDENTITY_LABEL, xk.as_slice()].concat()
}

/// Whether an X25519 public key is of small order: its product with a clamped scalar (a
/// multiple of the cofactor) is then all zeros, whichever scalar.
fn small_order(xk: &[u8; KEY_LEN]) -> bool {
    x25519_dalek::x25519([0x09; 32], *xk) == [0; 32]
}

/// An identity that signs at once: keys in memory ([`IdentityKeys`]). Where the app's keys are
/// WebCrypto's, which sign only asynchronously, it signs the statements built here itself and
/// hands the signatures back (a session's certificate: [`crate::room::Room::certify`]).
pub trait IdentitySigner {
    /// The published identity.
    fn public(&self) -> PublicIdentity;
    /// Signs `message` with the identity key.
    fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN];
}

/// An identity whose private keys are in memory.
pub struct IdentityKeys {
    ik: SigningKey,
    xk: StaticSecret,
    public: PublicIdentity,
}

impl IdentitySigner for IdentityKeys {
    fn public(&self) -> PublicIdentity {
        self.public
    }

    fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.ik.sign(message).to_bytes()
    }
}

impl IdentityKeys {
    /// A new identity from fresh randomness.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut ik = Zeroizing::new([0u8; 32]);
        let mut xk = Zeroizing::new([0u8; 32]);
        entropy.fill(ik.as_mut_slice());
        entropy.fill(xk.as_mut_slice());
        Self::from_seeds(&ik, &xk)
    }

    /// The identity of two 32-byte seeds (the Ed25519 secret key and the X25519 scalar, as
    /// stored).
    pub fn from_seeds(ik_seed: &[u8; 32], xk_seed: &[u8; 32]) -> Self {
        let ik = SigningKey::from_bytes(ik_seed);
        let xk = StaticSecret::from(*xk_seed);
        let xk_public = XPublic::from(&xk).to_bytes();
        let public = PublicIdentity {
            ik: ik.verifying_key().to_bytes(),
            xk: xk_public,
            binding: ik.sign(&binding_statement(&xk_public)).to_bytes(),
        };
        Self { ik, xk, public }
    }

    /// X25519 with this identity's key-agreement key and `their_xk`; `None` when the result is
    /// all zeros (a key of small order, which would make the shared secret public).
    pub fn agree(&self, their_xk: &[u8; KEY_LEN]) -> Option<Zeroizing<[u8; 32]>> {
        let shared = self.xk.diffie_hellman(&XPublic::from(*their_xk));
        shared
            .was_contributory()
            .then(|| Zeroizing::new(shared.to_bytes()))
    }

    /// The seeds, to store.
    pub fn seeds(&self) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
        (
            Zeroizing::new(self.ik.to_bytes()),
            Zeroizing::new(self.xk.to_bytes()),
        )
    }

    /// The form the app stores where the browser has no WebCrypto Ed25519: the two seeds in hex,
    /// a space between.
    pub fn stored_text(&self) -> Zeroizing<String> {
        let (ik, xk) = self.seeds();
        Zeroizing::new(format!(
            "{} {}",
            crate::hex::encode(ik.as_slice()),
            crate::hex::encode(xk.as_slice())
        ))
    }

    /// Reads [`Self::stored_text`]; `None` for anything else.
    pub fn from_stored_text(text: &str) -> Option<Self> {
        let (ik, xk) = text.trim().split_once(' ')?;
        let ik = Zeroizing::new(crate::hex::decode::<32>(ik).ok()?);
        let xk = Zeroizing::new(crate::hex::decode::<32>(xk).ok()?);
        Some(Self::from_seeds(&ik, &xk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_checks_and_a_changed_byte_does_not() {
        let keys = IdentityKeys::from_seeds(&[1; 32], &[2; 32]);
        let bytes = keys.public().to_bytes();
        assert_eq!(PublicIdentity::parse(&bytes), Ok(keys.public()));
        for at in [0, 31, 32, 63, 64, 127] {
            let mut bad = bytes;
            bad[at] ^= 0x01;
            assert!(PublicIdentity::parse(&bad).is_err(), "byte {at}");
        }
        assert_eq!(
            PublicIdentity::parse(&bytes[..127]),
            Err(IdentityError::Length)
        );
    }

    #[test]
    fn seeds_give_back_the_same_identity() {
        let keys = IdentityKeys::from_seeds(&[7; 32], &[8; 32]);
        let (ik, xk) = keys.seeds();
        assert_eq!(IdentityKeys::from_seeds(&ik, &xk).public(), keys.public());
    }

    #[test]
    fn the_stored_text_reads_back_and_nothing_else_does() {
        let keys = IdentityKeys::from_seeds(&[7; 32], &[8; 32]);
        let text = keys.stored_text();
        let back = IdentityKeys::from_stored_text(&text).unwrap();
        assert_eq!(back.public(), keys.public());
        for bad in ["", "00", &text[..text.len() - 1], &text.replace(' ', "")] {
            assert!(IdentityKeys::from_stored_text(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn an_identity_with_a_small_order_agreement_key_is_refused() {
        // A real signature over a small-order xk (the point of order 4 encoded as 1): only the
        // order check can refuse it.
        let keys = IdentityKeys::from_seeds(&[1; 32], &[2; 32]);
        let mut xk = [0u8; 32];
        xk[0] = 1;
        let mut bytes = [0u8; IDENTITY_LEN];
        bytes[..KEY_LEN].copy_from_slice(keys.public().ik());
        bytes[KEY_LEN..2 * KEY_LEN].copy_from_slice(&xk);
        bytes[2 * KEY_LEN..].copy_from_slice(&keys.sign(&binding_statement(&xk)));
        assert_eq!(
            PublicIdentity::parse(&bytes),
            Err(IdentityError::AgreementKey)
        );
    }

    #[test]
    fn a_small_order_key_verifies_nothing() {
        // The identity point: every signature with R = identity and S = 0 "verifies" under a
        // lax check.
        let mut identity_point = [0u8; 32];
        identity_point[0] = 1;
        let mut signature = [0u8; 64];
        signature[0] = 1;
        assert!(!verify(&identity_point, b"anything", &signature));
    }
}
