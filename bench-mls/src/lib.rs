//! mls-rs and openmls side by side, natively and in wasm: the measurements that choose the
//! MLS library of protocol v2 part 2 (issue 22, "Choose by measurement").
//!
//! For groups of 8, 32 and 64 ([`scenario::SIZES`]), each library: a newcomer joins (the
//! committer's Add commit and Welcome, the newcomer's join with the ratchet tree inside the
//! Welcome, an existing member processing the commit), one member is removed (the commit,
//! processing it), a 1 KiB application message (encrypt, decrypt), an exporter secret; and
//! the bytes of KeyPackage, Welcome, commits and the message. Results are `bench::figure`
//! lines (measure `<library>/n<N>/<step>`, unit `ms` or `B`).
//!
//! Run it:
//!
//! ```text
//! cargo xtask bench mls                          # both halves, then docs/BENCHMARKS.md "## MLS"
//! cargo run --release -p bench-mls               # native only
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test --release -p bench-mls --target wasm32-unknown-unknown --test browser -- --nocapture
//! ```
//!
//! (the browser half needs `CHROMEDRIVER` and, for headless Chromium, a webdriver.json as
//! `cargo xtask bench protocol` writes one.) The wasm size of each library is measured by the
//! `size-*` binaries (`src/bin/`), built by `cargo xtask bench mls`.
//!
//! Not a default member, and nothing that `cargo xtask test` builds depends on it: both MLS
//! libraries cost minutes of compile time.

#![forbid(unsafe_code)]

pub mod library;
pub mod mls_rs_lib;
pub mod openmls_lib;
pub mod scenario;
pub mod size;

use thiserror::Error;

/// A step that failed: a bug or a library refusing what it should accept. The benchmarks
/// check that what they time worked.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct Failure(String);

impl Failure {
    /// A failure described by `what`.
    pub fn new(what: &str) -> Self {
        Self(what.to_owned())
    }
}

/// Maps a library's error into a [`Failure`] naming the step.
pub fn fail<E: core::fmt::Debug>(step: &'static str) -> impl Fn(E) -> Failure {
    move |e| Failure(format!("{step}: {e:?}"))
}
