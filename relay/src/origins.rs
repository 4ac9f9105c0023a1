//! The origins at which people on the LAN can reach this relay (PROTOCOL.md A, `/relay-info`).
//!
//! A listener on an unspecified address (0.0.0.0) is reachable at every non-loopback interface
//! address; one on a specific address only there. A relay that listens only on loopback (as in
//! tests) advertises the loopback origin, so nothing ever points a test at the LAN.

use std::net::{IpAddr, SocketAddr};

/// The origins to advertise, HTTPS first, given the bound listeners and the `--advertise` list.
pub fn advertised(
    http: SocketAddr,
    https: Option<SocketAddr>,
    advertise: &[String],
) -> Vec<String> {
    if !advertise.is_empty() {
        return advertise.to_vec();
    }
    let interfaces = lan_addresses();
    let mut origins = Vec::new();
    for (scheme, bound) in https
        .map(|a| ("https", a))
        .into_iter()
        .chain([("http", http)])
    {
        for ip in reachable_ips(bound.ip(), &interfaces) {
            origins.push(origin(scheme, ip, bound.port()));
        }
    }
    origins
}

/// The hosts (without port or brackets) of the `https://` origins in `advertise`, which the
/// server certificate must name.
pub fn https_hosts(advertise: &[String]) -> Vec<String> {
    advertise
        .iter()
        .filter_map(|origin| origin.strip_prefix("https://"))
        .map(|authority| match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6).to_owned(),
            None => authority.split(':').next().unwrap_or(authority).to_owned(),
        })
        .filter(|host| !host.is_empty())
        .collect()
}

/// Non-loopback IPv4 addresses of this machine's interfaces, in interface order.
pub fn lan_addresses() -> Vec<IpAddr> {
    match if_addrs::get_if_addrs() {
        Ok(interfaces) => interfaces
            .into_iter()
            .map(|i| i.ip())
            .filter(|ip| ip.is_ipv4() && !ip.is_loopback())
            .collect(),
        Err(err) => {
            tracing::warn!(%err, "cannot list network interfaces");
            Vec::new()
        }
    }
}

/// The addresses a listener bound to `bound` is reachable at.
fn reachable_ips(bound: IpAddr, interfaces: &[IpAddr]) -> Vec<IpAddr> {
    if !bound.is_unspecified() {
        return vec![bound];
    }
    if interfaces.is_empty() {
        // No LAN at all: the relay is still usable from this machine.
        return vec![IpAddr::from([127, 0, 0, 1])];
    }
    interfaces.to_vec()
}

fn origin(scheme: &str, ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{scheme}://{v4}:{port}"),
        IpAddr::V6(v6) => format!("{scheme}://[{v6}]:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_listener_advertises_loopback_only() {
        let http = SocketAddr::from(([127, 0, 0, 1], 4000));
        assert_eq!(advertised(http, None, &[]), vec!["http://127.0.0.1:4000"]);
    }

    #[test]
    fn https_comes_first() {
        let http = SocketAddr::from(([127, 0, 0, 1], 80));
        let https = SocketAddr::from(([127, 0, 0, 1], 443));
        assert_eq!(
            advertised(http, Some(https), &[]),
            vec!["https://127.0.0.1:443", "http://127.0.0.1:80"]
        );
    }

    #[test]
    fn unspecified_listener_uses_interfaces() {
        let lan = [IpAddr::from([192, 168, 1, 5])];
        assert_eq!(
            reachable_ips(IpAddr::from([0, 0, 0, 0]), &lan),
            lan.to_vec()
        );
        assert_eq!(
            reachable_ips(IpAddr::from([0, 0, 0, 0]), &[]),
            vec![IpAddr::from([127, 0, 0, 1])]
        );
    }

    #[test]
    fn https_hosts_are_taken_from_advertised_origins() {
        let advertise = [
            "https://cutout.lan:8443".to_owned(),
            "http://plain.lan:8080".to_owned(),
            "https://[fd00::5]:8443".to_owned(),
            "https://10.1.2.3".to_owned(),
        ];
        assert_eq!(
            https_hosts(&advertise),
            ["cutout.lan", "fd00::5", "10.1.2.3"]
        );
    }

    #[test]
    fn advertise_overrides_detection() {
        let http = SocketAddr::from(([0, 0, 0, 0], 8080));
        let given = vec!["https://cutout.lan:8443".to_owned()];
        assert_eq!(advertised(http, None, &given), given);
    }
}
