//! Contact keys (PROTOCOL.md C.2): 32 random bytes two devices exchange by QR (`CT1K`) and both
//! save, with a check code both show:
//! `HKDF(salt = "cutout/v1 contact", IKM = contact_key, info = "cutout/v1 check", L = 4)`.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::check_code::CheckCode;
use crate::entropy::Entropy;
use crate::keys::hkdf;

/// A 32-byte contact key. Zeroized on drop; its `Debug` prints no bytes.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ContactKey([u8; 32]);

impl ContactKey {
    /// A fresh random key for a new pairing.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut bytes = [0u8; 32];
        entropy.fill(&mut bytes);
        Self(bytes)
    }

    /// A key from its bytes (a scanned `CT1K` or storage).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The four raw check bytes.
    pub fn check_bytes(&self) -> [u8; 4] {
        *hkdf::<4>(b"cutout/v1 contact", &self.0, b"cutout/v1 check")
    }

    /// The check code both devices show, "NNNN NNNN".
    pub fn check_code(&self) -> CheckCode {
        CheckCode::from_bytes(self.check_bytes())
    }
}

impl PartialEq for ContactKey {
    /// Compares without an early exit, so timing does not reveal where two keys differ.
    fn eq(&self, other: &Self) -> bool {
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl Eq for ContactKey {}

impl fmt::Debug for ContactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ContactKey(..)")
    }
}
