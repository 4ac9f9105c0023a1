//! The room secret and the key schedule derived from it (PROTOCOL.md B.1):
//!
//! ```text
//! PRK     = HKDF-Extract(salt = "cutout/v1 room", IKM = S)
//! room_id = HKDF-Expand(PRK, "cutout/v1 room-id", 16)
//! K_msg   = HKDF-Expand(PRK, "cutout/v1 msg-key"  ‖ sender_id, 32)
//! K_file  = HKDF-Expand(PRK, "cutout/v1 file-key" ‖ sender_id ‖ file_id, 32)
//! check   = HKDF-Expand(PRK, "cutout/v1 check", 4)
//! ```

use core::fmt;

use hkdf::Hkdf;
use sha2::Sha256;
use wire::RoomId;
use zeroize::Zeroizing;

// Re-exported so the key schedule's outputs keep their name here; the cipher itself is
// `aead`'s alone.
pub use crate::aead::AeadKey;
use crate::check_code::CheckCode;
use crate::ids::{FileId, SenderId};
use crate::secret::{RoomPurpose, Secret};

const ROOM_SALT: &[u8] = b"cutout/v1 room";
const ROOM_ID_LABEL: &[u8] = b"cutout/v1 room-id";
const MSG_KEY_LABEL: &[u8] = b"cutout/v1 msg-key";
const FILE_KEY_LABEL: &[u8] = b"cutout/v1 file-key";
const CHECK_LABEL: &[u8] = b"cutout/v1 check";

/// The 32-byte room secret `S` that an invite carries (PROTOCOL.md B.1). Zeroized on drop;
/// its `Debug` prints no bytes (see [`Secret`]).
pub type RoomSecret = Secret<RoomPurpose>;

/// Everything derived from a room secret: the room id, the check code, and the per-sender and
/// per-file AEAD keys. Holds the HKDF PRK, zeroized on drop.
#[derive(Clone)]
pub struct RoomKeys {
    prk: Zeroizing<[u8; 32]>,
    room_id: RoomId,
}

impl RoomKeys {
    /// Runs HKDF-Extract over the secret and derives the room id.
    pub fn derive(secret: &RoomSecret) -> Self {
        let (prk, _) = Hkdf::<Sha256>::extract(Some(ROOM_SALT), secret.as_bytes());
        let mut keys = Self {
            prk: Zeroizing::new(prk.into()),
            room_id: RoomId([0; 16]),
        };
        keys.room_id = RoomId(keys.expand(&[ROOM_ID_LABEL]));
        keys
    }

    /// The room id the relay sees in JOIN.
    pub fn room_id(&self) -> RoomId {
        self.room_id
    }

    /// The four raw check bytes.
    pub fn check_bytes(&self) -> [u8; 4] {
        self.expand(&[CHECK_LABEL])
    }

    /// The room's check code, "NNNN NNNN".
    pub fn check_code(&self) -> CheckCode {
        CheckCode::from_bytes(self.check_bytes())
    }

    /// `K_msg(sender_id)`, the envelope key of one sender session.
    pub fn message_key(&self, sender: SenderId) -> AeadKey {
        AeadKey::new(self.expand(&[MSG_KEY_LABEL, sender.as_bytes()]))
    }

    /// `K_file(sender_id, file_id)`, the STREAM key of one file (PROTOCOL.md B.4).
    pub fn file_key(&self, sender: SenderId, file: FileId) -> AeadKey {
        AeadKey::new(self.expand(&[FILE_KEY_LABEL, sender.as_bytes(), file.as_bytes()]))
    }

    /// The raw `K_msg` bytes, exposed only so the known-answer vectors can be checked.
    #[doc(hidden)]
    pub fn message_key_bytes(&self, sender: SenderId) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.expand(&[MSG_KEY_LABEL, sender.as_bytes()]))
    }

    /// The raw `K_file` bytes: for the known-answer vectors, and to import into the browser's
    /// WebCrypto, which seals and opens chunks with the CPU's AES instructions (PROTOCOL.md
    /// B.4). Zeroized on drop; import it as a non-extractable key and let it go.
    pub fn file_key_bytes(&self, sender: SenderId, file: FileId) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.expand(&[FILE_KEY_LABEL, sender.as_bytes(), file.as_bytes()]))
    }

    /// A 32-byte secret of the room's own under `label` (v2: `K_join`, docs/PROTOCOL.md R.4).
    pub(crate) fn expand_secret(&self, label: &[u8]) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.expand(&[label]))
    }

    fn expand<const N: usize>(&self, info: &[&[u8]]) -> [u8; N] {
        hkdf_expand(&self.prk, info)
    }
}

impl fmt::Debug for RoomKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoomKeys(..)")
    }
}

/// HKDF-Expand for outputs of at most 32 bytes from a 32-byte PRK.
///
/// Both HKDF failure cases are impossible here: a 32-byte PRK is at least HashLen, and
/// `N ≤ 32` is far below 255·HashLen (RFC 5869 §2.3). The const assertion makes the second a
/// compile-time fact rather than a runtime hope.
pub(crate) fn hkdf_expand<const N: usize>(prk: &[u8; 32], info: &[&[u8]]) -> [u8; N] {
    const { assert!(N <= 32) };
    let mut out = [0u8; N];
    if let Ok(hkdf) = Hkdf::<Sha256>::from_prk(prk) {
        let expanded = hkdf.expand_multi_info(info, &mut out);
        debug_assert!(expanded.is_ok());
    }
    out
}

/// One-step HKDF (extract then expand) as used by offline blobs and contact check codes
/// (PROTOCOL.md C.1, C.2).
pub(crate) fn hkdf<const N: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> Zeroizing<[u8; N]> {
    let (prk, _) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    let prk: Zeroizing<[u8; 32]> = Zeroizing::new(prk.into());
    Zeroizing::new(hkdf_expand(&prk, &[info]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_prints_no_bytes() {
        let secret = RoomSecret::from_bytes([0x42; 32]);
        assert_eq!(format!("{secret:?}"), "RoomSecret(..)");
        assert_eq!(format!("{:?}", RoomKeys::derive(&secret)), "RoomKeys(..)");
    }

    #[test]
    fn different_senders_get_different_keys() {
        let keys = RoomKeys::derive(&RoomSecret::from_bytes([1; 32]));
        let a = keys.message_key_bytes(SenderId([1; 16]));
        let b = keys.message_key_bytes(SenderId([2; 16]));
        assert_ne!(*a, *b);
    }
}
