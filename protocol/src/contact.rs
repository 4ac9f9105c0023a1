//! Contact keys (PROTOCOL.md C.2): 32 random bytes two devices exchange by QR (`CT1K`) and both
//! save, with a check code both show:
//! `HKDF(salt = "cutout/v1 contact", IKM = contact_key, info = "cutout/v1 check", L = 4)`;
//! and each device's [`Side`] of a pairing, which the codes it seals carry (docs/PROTOCOL.md).

use crate::check_code::CheckCode;
use crate::entropy::Entropy;
use crate::keys::hkdf;
use crate::secret::{ContactPurpose, Secret};

/// A 32-byte contact key. Zeroized on drop; its `Debug` prints no bytes (see [`Secret`]).
pub type ContactKey = Secret<ContactPurpose>;

/// What only a contact key does; everything it shares with the room secret is [`Secret`]'s.
impl Secret<ContactPurpose> {
    /// The four raw check bytes.
    pub fn check_bytes(&self) -> [u8; 4] {
        *hkdf::<4>(b"cutout/v1 contact", self.as_bytes(), b"cutout/v1 check")
    }

    /// The check code both devices show, "NNNN NNNN".
    pub fn check_code(&self) -> CheckCode {
        CheckCode::from_bytes(self.check_bytes())
    }
}

/// This device's side of one pairing (docs/PROTOCOL.md, "Contact codes that say who sealed
/// them"): 16 random bytes minted on this device for one contact and kept with it, never shown.
/// A code sealed for the contact carries its sealer's side inside the ciphertext, so a device
/// that opens a code carrying its own side knows it sealed that code itself, whoever shows it.
/// The two devices of a pairing mint their sides apart and never exchange them; contacts saved
/// before sides existed get one minted when first loaded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Side([u8; SIDE_LEN]);

/// Length of a [`Side`].
pub const SIDE_LEN: usize = 16;

impl Side {
    /// A fresh side.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut bytes = [0u8; SIDE_LEN];
        entropy.fill(&mut bytes);
        Self(bytes)
    }

    /// A side as stored.
    pub fn from_bytes(bytes: [u8; SIDE_LEN]) -> Self {
        Self(bytes)
    }

    /// The stored form.
    pub fn as_bytes(&self) -> &[u8; SIDE_LEN] {
        &self.0
    }
}

/// No bytes: a side would link the codes a device seals for one contact if it reached a log.
impl core::fmt::Debug for Side {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Side(..)")
    }
}
