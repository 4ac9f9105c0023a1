//! What each chunk of an offer was sealed to, so that no chunk is ever sealed to anything else.
//!
//! A chunk's nonce is fixed by its index (PROTOCOL.md B.4). A chunk frame no longer kept (see
//! `SEALED_KEPT`) is sealed again from a fresh read of the person's file when a receiver accepts
//! late or falls behind. Had the file changed on disk in between, and the browser returned the
//! new bytes instead of failing the read, one (key, nonce) would seal two plaintexts: with
//! AES-GCM that gives away the XOR of the two and lets whoever holds both frames (the relay)
//! recover the authentication key and forge chunks of that file. So the sender remembers a
//! digest of every chunk frame it released and releases no different frame for that index.
//!
//! The digest is of the sealed frame, not of the plaintext:
//! - AES-GCM is deterministic, so under one key, nonce and associated data two frames are equal
//!   exactly when their plaintexts are;
//! - the frame is what both sealing paths hand to `FileSender::keep` (sealed here, or in
//!   WebCrypto from `FileSender::plan`), so one check at that one door covers both, and the
//!   plaintext need not come back from the WebCrypto side;
//! - a frame depends on a key that whoever changes the file does not hold, so nobody can aim
//!   for a collision of the truncated digest; only chance is left, at 2^-128 a re-seal.
//!
//! Memory: 17 bytes per chunk index sealed, grown as chunks are first sealed and never beyond
//! the offer's chunk count. At the app's 64 KiB chunks and the relay's 4 GiB file limit that is
//! at most 65 536 entries, about 1.1 MiB for a 4 GiB file (0.03 % of it), with at most 8
//! offers open at once: kept for the offer's life, since a late receiver may start from
//! chunk 0 at any time.

use sha2::{Digest, Sha256};

/// Bytes of SHA-256 kept per chunk.
const DIGEST_LEN: usize = 16;

/// The digest of every chunk frame released so far, by chunk index.
#[derive(Debug, Default)]
pub(super) struct ChunkDigests {
    by_index: Vec<Option<[u8; DIGEST_LEN]>>,
}

impl ChunkDigests {
    /// Whether `frame` may be released as chunk `index`: it is the first frame of that index
    /// (remembered from now on), or equal to the first. The caller has checked that `index` is
    /// below the offer's chunk count, which bounds what this holds.
    pub(super) fn admit(&mut self, index: u32, frame: &[u8]) -> bool {
        let Ok(at) = usize::try_from(index) else {
            return false;
        };
        let digest = Sha256::digest(frame);
        let mut short = [0u8; DIGEST_LEN];
        short.copy_from_slice(&digest[..DIGEST_LEN]);
        if self.by_index.len() <= at {
            self.by_index.resize(at + 1, None);
        }
        match self.by_index.get_mut(at) {
            Some(Some(first)) => *first == short,
            Some(empty) => {
                *empty = Some(short);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_admitted_again_only_if_it_is_the_same() {
        let mut digests = ChunkDigests::default();
        assert!(digests.admit(3, b"frame three"));
        assert!(digests.admit(3, b"frame three"));
        assert!(!digests.admit(3, b"frame three, changed"));
        assert!(digests.admit(3, b"frame three"), "the first stays the rule");
        assert!(digests.admit(0, b"another index"));
        assert_eq!(digests.by_index.len(), 4);
    }
}
