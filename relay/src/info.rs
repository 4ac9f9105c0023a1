//! `GET /relay-info` (PROTOCOL.md A): where this relay can be reached, HTTPS first, its CA's
//! fingerprint and the CA it recently replaced, its version, and the largest file the app should
//! offer. The app builds invite links from the first origin, so an invite
//! made on the relay's own laptop (opened at 127.0.0.1) still works on a phone.

use serde::Serialize;

use crate::tls::EarlierCa;

/// How long after a CA was replaced the app says so, in days: phones that installed the earlier
/// CA fail on HTTPS until they install the new one, and people who come to the relay now and
/// then need to be told when they next open it over plain HTTP.
pub const CA_REPLACED_NOTICE_DAYS: i64 = 90;

/// The body of `/relay-info`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RelayInfo {
    /// Origins people on the LAN can open, HTTPS first.
    pub origins: Vec<String>,
    /// SHA-256 of the CA certificate (DER), as colon-separated upper-case hex; `None` when the
    /// relay serves no HTTPS.
    pub ca_sha256: Option<String>,
    /// The CA the current one replaced within [`CA_REPLACED_NOTICE_DAYS`], if any: phones
    /// that installed it must install the current one.
    pub ca_replaced: Option<EarlierCa>,
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
            ca_replaced: None,
            version: env!("CARGO_PKG_VERSION"),
            max_file_size,
        }
    }

    /// Says that the current CA replaced `earlier`, if that happened within
    /// [`CA_REPLACED_NOTICE_DAYS`] before `now` (Unix seconds).
    pub fn with_earlier_ca(mut self, earlier: Option<EarlierCa>, now: i64) -> Self {
        self.ca_replaced =
            earlier.filter(|ca| now - ca.replaced_at <= CA_REPLACED_NOTICE_DAYS * 86_400);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_ca_is_told_for_ninety_days() {
        let earlier = |replaced_at| {
            Some(EarlierCa {
                name: "Cutout local CA 0000abcd".to_owned(),
                replaced_at,
            })
        };
        let info = |earlier, now| RelayInfo::new(Vec::new(), None, 1).with_earlier_ca(earlier, now);
        let day = 86_400;
        assert_eq!(info(earlier(0), 90 * day).ca_replaced, earlier(0));
        assert_eq!(info(earlier(0), 90 * day + 1).ca_replaced, None);
        assert_eq!(info(None, 0).ca_replaced, None);
    }
}
