//! Test helpers shared by the integration tests: deterministic randomness (SplitMix64, seeded
//! per test) and a key derivation that counts its runs.

#![allow(dead_code, unreachable_pub)]

pub mod json;

use std::rc::Rc;

use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;
pub mod convo_relay;
pub mod group_adversary;
pub mod group_relay;
pub mod room_relay;
pub mod squatter;

use protocol::entropy::Entropy;
use protocol::kdf::{Argon2Params, Argon2id, KdfError, PasswordKdf};
use zeroize::Zeroizing;

/// A seeded, reproducible [`Entropy`].
pub struct SeededEntropy(u64);

impl SeededEntropy {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_be_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// Argon2id that counts its calls, to show when a key derivation runs and when it must not
/// (hostile headers never reach it; opening tries the passphrase as typed only when it must).
#[derive(Default)]
pub struct CountingKdf {
    pub calls: usize,
}

impl PasswordKdf for CountingKdf {
    fn derive(
        &mut self,
        password: &[u8],
        salt: &[u8; 16],
        params: Argon2Params,
    ) -> Result<Zeroizing<[u8; 32]>, KdfError> {
        self.calls += 1;
        Argon2id.derive(password, salt, params)
    }
}

/// A test member's identity, made from its device id, so that one device keeps one identity
/// across reconnects and different devices have different ones.
pub fn identity(device: DeviceId) -> Rc<dyn IdentitySigner> {
    let mut ik = [0u8; 32];
    ik[..16].copy_from_slice(&device.0);
    ik[16..].copy_from_slice(b"test identity ik");
    let mut xk = ik;
    xk[16..].copy_from_slice(b"test identity xk");
    Rc::new(IdentityKeys::from_seeds(&ik, &xk))
}
