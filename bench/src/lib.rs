//! Benchmarks of `protocol`'s hot paths, the same code natively and in wasm: envelope seal and
//! open (a chat message), the file STREAM (64 KiB chunks), the Argon2id default profile, and the
//! identities' Ed25519 signatures (a newcomer meeting a full room among them). In the browser,
//! WebCrypto's AES-256-GCM on the same data sizes, and its Ed25519 where it has one, are the
//! baselines.
//!
//! Every figure is the median of several samples, each long enough that the clock's resolution
//! does not matter, after one calibration run that doubles as warm-up. Results leave as one
//! line per figure, [`figure::PREFIX`] followed by JSON, which `cargo xtask bench protocol`
//! collects from the native binary and from the browser test's output.

#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
pub mod browser;
pub mod cases;
pub mod figure;
pub mod identity;
pub mod measurement;
pub mod room;
pub mod sampler;
pub mod staged;
#[cfg(target_arch = "wasm32")]
pub mod webcrypto;

use thiserror::Error;

/// Why a benchmark could not produce its figure. Each is a bug or a broken environment: the
/// benchmarks check that what they time actually worked.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BenchError {
    /// Sealing an envelope or a chunk failed.
    #[error("sealing failed in `{0}`")]
    Seal(&'static str),
    /// Opening failed or returned other bytes than were sealed.
    #[error("opening failed or gave other bytes in `{0}`")]
    Open(&'static str),
    /// A signature that should verify did not, or one that should not did.
    #[error("a signature check gave the wrong answer in `{0}`")]
    Verify(&'static str),
    /// The Argon2id key derivation failed.
    #[error("Argon2id failed")]
    Kdf,
    /// A browser API failed (WebCrypto, `performance`).
    #[error("browser: {0}")]
    Browser(String),
}
