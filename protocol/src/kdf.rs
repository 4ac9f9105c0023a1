//! Argon2id for passphrase blobs (PROTOCOL.md C.1), behind a trait so the app can run it in a
//! Web Worker and tests can prove it is never reached for a hostile header.

use core::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use thiserror::Error;
use zeroize::Zeroizing;

/// Validated Argon2id cost parameters of a passphrase blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Params {
    m_log2: u8,
    t: u8,
    p: u8,
}

/// Why cost parameters are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("Argon2 parameters out of bounds")]
pub struct ParamsError;

impl Argon2Params {
    /// The sender's default profile: 64 MiB, 3 passes, 1 lane (PROTOCOL.md C.1).
    pub const DEFAULT: Self = Self {
        m_log2: 16,
        t: 3,
        p: 1,
    };
    /// The light profile for weak devices: 32 MiB, 3 passes, 1 lane (PROTOCOL.md C.1).
    pub const LIGHT: Self = Self {
        m_log2: 15,
        t: 3,
        p: 1,
    };

    /// Parameters within the bounds a receiver accepts: `m_log2 ∈ [14, 17]`, `t ∈ [1, 4]`,
    /// `p ∈ [1, 4]` and `2^m_log2 · t ≤ 2^18` (PROTOCOL.md C.1). These bounds are what keeps a
    /// hostile QR code from freezing a phone, so nothing constructs parameters around them.
    pub fn new(m_log2: u8, t: u8, p: u8) -> Result<Self, ParamsError> {
        let within = (14..=17).contains(&m_log2)
            && (1..=4).contains(&t)
            && (1..=4).contains(&p)
            && (1u32 << m_log2) * u32::from(t) <= 1 << 18;
        if within {
            Ok(Self { m_log2, t, p })
        } else {
            Err(ParamsError)
        }
    }

    /// log2 of the memory cost in KiB.
    pub fn m_log2(self) -> u8 {
        self.m_log2
    }

    /// Passes.
    pub fn t(self) -> u8 {
        self.t
    }

    /// Lanes.
    pub fn p(self) -> u8 {
        self.p
    }

    /// Memory cost in KiB.
    pub fn m_kib(self) -> u32 {
        1 << self.m_log2
    }
}

/// Why the KDF failed (only on resource exhaustion or an implementation limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("key derivation failed")]
pub struct KdfError;

/// Argon2id v0x13 with a 32-byte output, no secret and no associated data.
pub trait PasswordKdf {
    /// Derives 32 bytes from `password` (already NFC-normalised UTF-8) and `salt`.
    fn derive(
        &mut self,
        password: &[u8],
        salt: &[u8; 16],
        params: Argon2Params,
    ) -> Result<Zeroizing<[u8; 32]>, KdfError>;
}

/// The RustCrypto `argon2` implementation.
#[derive(Clone, Copy, Default)]
pub struct Argon2id;

impl fmt::Debug for Argon2id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Argon2id")
    }
}

impl PasswordKdf for Argon2id {
    fn derive(
        &mut self,
        password: &[u8],
        salt: &[u8; 16],
        params: Argon2Params,
    ) -> Result<Zeroizing<[u8; 32]>, KdfError> {
        let params = Params::new(
            params.m_kib(),
            u32::from(params.t),
            u32::from(params.p),
            Some(32),
        )
        .map_err(|_| KdfError)?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = Zeroizing::new([0u8; 32]);
        argon2
            .hash_password_into(password, salt, out.as_mut())
            .map_err(|_| KdfError)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_enforced() {
        assert!(Argon2Params::new(14, 1, 1).is_ok());
        assert!(Argon2Params::new(17, 2, 4).is_ok());
        assert!(Argon2Params::new(16, 4, 1).is_ok());
        for (m, t, p) in [
            (13, 1, 1),
            (18, 1, 1),
            (14, 0, 1),
            (14, 5, 1),
            (14, 1, 0),
            (14, 1, 5),
            (17, 3, 1),
        ] {
            assert_eq!(Argon2Params::new(m, t, p), Err(ParamsError), "{m} {t} {p}");
        }
    }

    #[test]
    fn profiles_are_within_bounds() {
        for profile in [Argon2Params::DEFAULT, Argon2Params::LIGHT] {
            assert_eq!(
                Argon2Params::new(profile.m_log2, profile.t, profile.p),
                Ok(profile)
            );
        }
    }
}
