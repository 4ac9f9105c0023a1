//! `GET /relay-info` (PROTOCOL.md A): where this relay can be reached, HTTPS first, its CA's
//! fingerprint, its version, and the largest file the app should offer. The app builds invite links from the first origin, so an invite
//! made on the relay's own laptop (opened at 127.0.0.1) still works on a phone.

use serde::Serialize;

/// The body of `/relay-info`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RelayInfo {
    /// Origins people on the LAN can open, HTTPS first.
    pub origins: Vec<String>,
    /// SHA-256 of the CA certificate (DER), as colon-separated upper-case hex; `None` when the
    /// relay serves no HTTPS.
    pub ca_sha256: Option<String>,
    /// The relay's version.
    pub version: &'static str,
    /// Largest file, in bytes, the app should offer or accept (`--max-file-size`).
    pub max_file_size: u64,
}

impl RelayInfo {
    /// Info for these origins, CA fingerprint and file size limit.
    pub fn new(origins: Vec<String>, ca_sha256: Option<String>, max_file_size: u64) -> Self {
        Self {
            origins,
            ca_sha256,
            version: env!("CARGO_PKG_VERSION"),
            max_file_size,
        }
    }
}
