//! Where randomness comes from. Everything in this crate that needs random bytes takes an
//! [`Entropy`], so tests inject a deterministic source and the app passes [`SystemEntropy`].

/// A source of random bytes.
pub trait Entropy {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]);

    /// A uniformly distributed value in `0..bound` (`0` when `bound` is 0).
    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            return 0;
        }
        // Rejection sampling keeps the heartbeat jitter unbiased; the loop ends with
        // probability 1 and almost always on the first draw.
        let zone = u64::MAX - (u64::MAX % bound);
        loop {
            let mut bytes = [0u8; 8];
            self.fill(&mut bytes);
            let value = u64::from_be_bytes(bytes);
            if value < zone {
                return value % bound;
            }
        }
    }
}

/// The operating system's (or browser's `crypto.getRandomValues`) generator, via `getrandom`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        if getrandom::fill(dest).is_err() {
            // Sender ids, salts and room secrets must never be predictable: carrying on with
            // zeros would repeat (key, nonce) pairs (PROTOCOL.md B.1). Stopping is the only safe
            // answer, and a browser without a CSPRNG cannot run Cutout anyway.
            std::process::abort();
        }
    }
}
