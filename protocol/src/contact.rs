//! Contact keys (PROTOCOL.md C.2): 32 random bytes two devices exchange by QR (`CT1K`) and both
//! save, with a check code both show:
//! `HKDF(salt = "cutout/v1 contact", IKM = contact_key, info = "cutout/v1 check", L = 4)`.

use crate::check_code::CheckCode;
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
