//! The one 32-byte secret type: the room secret `S` (PROTOCOL.md B.1) and the contact key
//! (PROTOCOL.md C.2) are both a [`Secret`], told apart by a zero-sized purpose marker.
//!
//! Everything that makes a value safe to hold as a secret lives here and only here: it is
//! zeroized on drop, it compares in constant time (via `subtle`, the comparison RustCrypto's
//! AEADs use for their tags), and its `Debug` names the purpose but prints no bytes. What a
//! secret is *for* (deriving room keys, contact check codes) stays with its purpose, in
//! [`crate::keys`] and [`crate::contact`].
//!
//! The marker keeps the purposes apart at compile time, so a contact key can never be passed
//! where a room secret belongs:
//!
//! ```compile_fail,E0308
//! use protocol::contact::ContactKey;
//! use protocol::keys::{RoomKeys, RoomSecret};
//!
//! let key = ContactKey::from_bytes([7; 32]);
//! let _ = RoomKeys::derive(&key); // expected `&RoomSecret`, found `&ContactKey`
//! ```

use core::fmt;
use core::marker::PhantomData;

use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::entropy::Entropy;

/// The length of every secret: an AES-256 key's worth (PROTOCOL.md B.1, C.2).
pub const SECRET_LEN: usize = 32;

/// What a [`Secret`] is for. Sealed: the purposes are the protocol's, not a caller's.
pub trait Purpose: sealed::Sealed {
    /// The name `Debug` prints in place of the bytes, e.g. `RoomSecret(..)`.
    const NAME: &'static str;
}

mod sealed {
    /// Only this module's markers implement [`super::Purpose`].
    pub trait Sealed {}
}

/// The purpose of a room secret `S` (PROTOCOL.md B.1); see [`crate::keys::RoomSecret`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoomPurpose {}

/// The purpose of a contact key (PROTOCOL.md C.2); see [`crate::contact::ContactKey`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactPurpose {}

impl sealed::Sealed for RoomPurpose {}
impl Purpose for RoomPurpose {
    const NAME: &'static str = "RoomSecret";
}

impl sealed::Sealed for ContactPurpose {}
impl Purpose for ContactPurpose {
    const NAME: &'static str = "ContactKey";
}

/// A 32-byte secret for purpose `P`. Zeroized on drop; equality is constant-time; its `Debug`
/// prints the purpose's name and no bytes.
pub struct Secret<P: Purpose> {
    bytes: [u8; SECRET_LEN],
    // `fn() -> P` rather than `P`: the marker is never stored, so it must not make the secret
    // lose `Send`, `Sync` or any other auto trait.
    purpose: PhantomData<fn() -> P>,
}

impl<P: Purpose> Secret<P> {
    /// A fresh random secret (a new room, a new pairing).
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        // Filled in place, so no copy of the fresh bytes is left on the stack.
        let mut secret = Self::from_bytes([0; SECRET_LEN]);
        entropy.fill(&mut secret.bytes);
        secret
    }

    /// A secret from its bytes (a decoded invite, a scanned `CT1K`, storage).
    pub fn from_bytes(bytes: [u8; SECRET_LEN]) -> Self {
        Self {
            bytes,
            purpose: PhantomData,
        }
    }

    /// The secret's bytes, for encoding it into an invite, a QR text or storage, or for key
    /// derivation.
    pub fn as_bytes(&self) -> &[u8; SECRET_LEN] {
        &self.bytes
    }
}

// Written out rather than derived: a derive would demand `P: Clone` (and so on) of markers
// that are never instantiated.
impl<P: Purpose> Clone for Secret<P> {
    fn clone(&self) -> Self {
        Self::from_bytes(self.bytes)
    }
}

impl<P: Purpose> ConstantTimeEq for Secret<P> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.bytes.as_slice().ct_eq(other.bytes.as_slice())
    }
}

impl<P: Purpose> PartialEq for Secret<P> {
    /// Compares without an early exit, so timing does not reveal where two secrets differ.
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl<P: Purpose> Eq for Secret<P> {}

impl<P: Purpose> fmt::Debug for Secret<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(..)", P::NAME)
    }
}

impl<P: Purpose> Zeroize for Secret<P> {
    fn zeroize(&mut self) {
        self.bytes.zeroize();
    }
}

impl<P: Purpose> Drop for Secret<P> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<P: Purpose> ZeroizeOnDrop for Secret<P> {}

#[cfg(test)]
mod tests {
    use super::*;

    type RoomSecret = Secret<RoomPurpose>;
    type ContactKey = Secret<ContactPurpose>;

    /// Counts up from a start byte, so a generated secret is predictable.
    struct Counter(u8);

    impl Entropy for Counter {
        fn fill(&mut self, dest: &mut [u8]) {
            for byte in dest {
                *byte = self.0;
                self.0 = self.0.wrapping_add(1);
            }
        }
    }

    fn with_byte_at(index: usize, value: u8) -> RoomSecret {
        let mut bytes = [0x5a; SECRET_LEN];
        bytes[index] = value;
        RoomSecret::from_bytes(bytes)
    }

    #[test]
    fn debug_names_the_purpose_and_prints_no_bytes() {
        let bytes = [0xab; SECRET_LEN];
        let room = format!("{:?}", RoomSecret::from_bytes(bytes));
        let contact = format!("{:#?}", ContactKey::from_bytes(bytes));
        assert_eq!(room, "RoomSecret(..)");
        assert_eq!(contact, "ContactKey(..)");
        for text in [room, contact] {
            assert!(!text.contains("ab") && !text.contains("171"), "{text}");
        }
    }

    #[test]
    fn equal_bytes_compare_equal() {
        let secret = with_byte_at(0, 1);
        assert_eq!(secret, with_byte_at(0, 1));
        assert_eq!(secret.clone(), secret);
        assert!(bool::from(secret.ct_eq(&secret.clone())));
    }

    #[test]
    fn secrets_differing_in_one_byte_compare_unequal() {
        let base = RoomSecret::from_bytes([0x5a; SECRET_LEN]);
        for index in [0, 1, SECRET_LEN / 2, SECRET_LEN - 2, SECRET_LEN - 1] {
            for value in [0x00, 0x5b, 0xff] {
                let other = with_byte_at(index, value);
                assert_ne!(base, other, "byte {index} = {value:#04x}");
                assert_ne!(other, base, "byte {index} = {value:#04x}");
                assert!(!bool::from(base.ct_eq(&other)));
            }
        }
    }

    #[test]
    fn generate_takes_every_byte_from_entropy() {
        let secret = ContactKey::generate(&mut Counter(1));
        let expected: [u8; SECRET_LEN] = core::array::from_fn(|i| i as u8 + 1);
        assert_eq!(secret.as_bytes(), &expected);
    }

    #[test]
    fn zeroize_clears_every_byte() {
        let mut secret = RoomSecret::from_bytes([0xff; SECRET_LEN]);
        secret.zeroize();
        assert_eq!(secret.as_bytes(), &[0; SECRET_LEN]);
    }

    #[test]
    fn secrets_are_zeroized_on_drop_and_shareable_across_threads() {
        fn assert_traits<T: ZeroizeOnDrop + Send + Sync + 'static>() {}
        assert_traits::<RoomSecret>();
        assert_traits::<ContactKey>();
    }
}
