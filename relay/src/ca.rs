//! The relay's local certificate authority: what it may vouch for, how long it lives, and when a
//! stored one must give way to a new one.
//!
//! A phone that installs the CA trusts whatever it signs, and its key sits in the data
//! directory. So the CA carries name constraints (RFC 5280 §4.2.1.10, marked critical): it may
//! vouch only for names of a LAN — private, link-local and loopback addresses, `localhost`,
//! `.local` and `.home.arpa` — and for the hosts the operator named outside them (`--advertise`,
//! an address given to `--https`). Whoever copies the key can then impersonate hosts of the LAN
//! to the phones that installed it, not every HTTPS site they visit.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType, GeneralSubtree,
    IsCa, KeyUsagePurpose, NameConstraints,
};
use rustls::pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

/// How long a CA lives: 825 days, the longest any TLS server certificate may live on Apple's
/// platforms (iOS 13 and macOS 10.15 refuse longer ones). Reinstalling the CA on every phone is
/// the costly, manual step, so it should not come yearly; but it should come, so a copied key
/// stops working by itself. The server certificate it signs never outlives it.
pub const VALIDITY_DAYS: i64 = 825;

/// IPv4 ranges a LAN uses: private (RFC 1918), link-local (RFC 3927) and loopback (RFC 1122).
const LAN_V4: [(Ipv4Addr, u8); 5] = [
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
];

/// IPv6 ranges a LAN uses: unique local (RFC 4193), link-local and loopback (RFC 4291).
const LAN_V6: [(Ipv6Addr, u8); 3] = [
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
    (Ipv6Addr::LOCALHOST, 128),
];

/// DNS names of a LAN, each with every name under it (RFC 5280 §4.2.1.10): `localhost`
/// (RFC 6761), multicast DNS's `.local` (RFC 6762) and `.home.arpa` (RFC 8375).
const LAN_DNS: [&str; 3] = ["localhost", "local", "home.arpa"];

/// Whether `name` (a DNS name or an IP address) lies in a LAN range the CA always permits.
pub fn is_lan(name: &str) -> bool {
    match name.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => LAN_V4.iter().any(|&(net, prefix)| {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }),
        Ok(IpAddr::V6(ip)) => LAN_V6.iter().any(|&(net, prefix)| {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }),
        Err(_) => LAN_DNS.iter().any(|zone| within(name, zone)),
    }
}

/// Whether the DNS name `name` is `zone` or a name under it, compared without case.
fn within(name: &str, zone: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == zone
        || name
            .strip_suffix(zone)
            .is_some_and(|head| head.ends_with('.'))
}

/// Whether a CA that also permits `hosts` may vouch for `name`.
pub fn permits(name: &str, hosts: &[String]) -> bool {
    is_lan(name)
        || hosts.iter().any(
            |host| match (name.parse::<IpAddr>(), host.parse::<IpAddr>()) {
                (Ok(a), Ok(b)) => a == b,
                (Err(_), Err(_)) => within(name, &host.to_ascii_lowercase()),
                _ => false,
            },
        )
}

/// The parameters of a CA named `name` that may vouch for the LAN and for `hosts`, valid from a
/// day before `now` (for clocks that run slow) until [`VALIDITY_DAYS`] after.
pub fn params(name: &str, hosts: &[String], now: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, name);
    dn.push(DnType::OrganizationName, "Cutout");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let mut permitted: Vec<GeneralSubtree> = LAN_V4
        .iter()
        .map(|&(net, prefix)| {
            GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix(net.octets(), prefix))
        })
        .chain(LAN_V6.iter().map(|&(net, prefix)| {
            GeneralSubtree::IpAddress(CidrSubnet::from_v6_prefix(net.octets(), prefix))
        }))
        .chain(
            LAN_DNS
                .iter()
                .map(|zone| GeneralSubtree::DnsName((*zone).to_owned())),
        )
        .collect();
    permitted.extend(hosts.iter().map(|host| match host.parse::<IpAddr>() {
        Ok(ip @ IpAddr::V4(_)) => GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(ip, 32)),
        Ok(ip @ IpAddr::V6(_)) => GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(ip, 128)),
        Err(_) => GeneralSubtree::DnsName(host.to_ascii_lowercase()),
    }));
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: permitted,
        excluded_subtrees: Vec::new(),
    });
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(VALIDITY_DAYS);
    params
}

/// Why a stored CA gave way to a new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// It was made before CAs carried name constraints, so it could vouch for any site.
    Unconstrained,
    /// It expires before the server certificate would need renewing again.
    Expiring,
    /// The server certificate must name this host, which it may not vouch for.
    Outside(String),
}

impl fmt::Display for Replaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unconstrained => f.write_str("it could vouch for any website"),
            Self::Expiring => f.write_str("it expires soon"),
            Self::Outside(host) => write!(f, "it may not vouch for {host}"),
        }
    }
}

/// Whether the stored CA (`der`, expiring at `not_after` in Unix seconds, permitting `hosts`
/// beyond the LAN) must be replaced to issue a server certificate for `names` that lasts until
/// at least `renew_at`. An unreadable certificate is an error.
pub fn check(
    der: &CertificateDer<'_>,
    not_after: i64,
    hosts: &[String],
    names: &[String],
    renew_at: OffsetDateTime,
) -> Result<Option<Replaced>, String> {
    let anchor = webpki::anchor_from_trusted_cert(der).map_err(|e| e.to_string())?;
    if anchor.name_constraints.is_none() {
        return Ok(Some(Replaced::Unconstrained));
    }
    if not_after < renew_at.unix_timestamp() {
        return Ok(Some(Replaced::Expiring));
    }
    Ok(names
        .iter()
        .find(|name| !permits(name, hosts))
        .map(|name| Replaced::Outside(name.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lan_names_are_told_from_the_rest() {
        let lan = [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.5",
            "169.254.10.10",
            "127.0.0.1",
            "fd12:3456::1",
            "fe80::1",
            "::1",
            "localhost",
            "laptop.local",
            "LAPTOP.LOCAL.",
            "printer.home.arpa",
        ];
        let outside = [
            "8.8.8.8",
            "172.32.0.1",
            "192.169.0.1",
            "11.0.0.1",
            "2001:db8::1",
            "::2",
            "example.com",
            "notlocal",
            "local.example.com",
            "evilhome.arpa",
        ];
        for name in lan {
            assert!(is_lan(name), "{name}");
        }
        for name in outside {
            assert!(!is_lan(name), "{name}");
        }
    }

    #[test]
    fn named_hosts_are_permitted_with_the_names_under_them() {
        let hosts = vec!["chat.example.org".to_owned(), "203.0.113.7".to_owned()];
        for name in [
            "chat.example.org",
            "a.chat.example.org",
            "203.0.113.7",
            "10.0.0.1",
        ] {
            assert!(permits(name, &hosts), "{name}");
        }
        for name in ["example.org", "xchat.example.org", "203.0.113.8"] {
            assert!(!permits(name, &hosts), "{name}");
        }
    }
}
