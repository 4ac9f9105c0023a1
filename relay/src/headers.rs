//! Security headers for the app's files: a Content-Security-Policy without `unsafe-inline`
//! (trunk's one inline loader script is allowed by its hash, computed at start), caching that
//! keeps hashed assets forever and `index.html` never, and the opener policy where browsers
//! honour it.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// `Cross-Origin-Opener-Policy: same-origin`, so a page that opened the app (or that the app
/// opens) holds no handle to steer its tab — for responses to a potentially trustworthy origin
/// only (HTTPS, or a loopback host over HTTP): elsewhere browsers ignore the header and log an
/// error in the page's console for every response.
pub fn opener_policy(secure: bool, host: Option<&str>) -> Option<&'static str> {
    let loopback = host.is_some_and(|host| {
        let name = host
            .rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host, |(name, _)| name);
        name.eq_ignore_ascii_case("localhost")
            || name.to_ascii_lowercase().ends_with(".localhost")
            || name == "[::1]"
            || name
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    });
    (secure || loopback).then_some("same-origin")
}

/// The parts of the policy known at start; `connect-src` is completed per request.
#[derive(Clone, Debug)]
pub struct Csp {
    script_hashes: Vec<String>,
}

impl Csp {
    /// Reads `index.html` in `dist` and hashes its inline scripts.
    pub fn for_dist(dist: &Path) -> Self {
        let html = std::fs::read_to_string(dist.join("index.html")).unwrap_or_default();
        Self {
            script_hashes: inline_scripts(&html)
                .map(|body| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(body))))
                .collect(),
        }
    }

    /// The policy for a page served to `host` (the request's Host header, if usable).
    ///
    /// `connect-src` names the ws/wss origin of this host explicitly: older Safari does not
    /// count `ws:` as `'self'`.
    pub fn header(&self, host: Option<&str>) -> String {
        let connect = match host.filter(|h| is_plain_host(h)) {
            Some(host) => format!("'self' ws://{host} wss://{host}"),
            None => "'self'".to_owned(),
        };
        format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; \
             style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
             worker-src 'self' blob:; connect-src {connect}; frame-ancestors 'none'; \
             object-src 'none'; base-uri 'none'; form-action 'none'",
            scripts = self.script_hashes.join(" "),
        )
    }
}

/// A Host value safe to echo into a policy: a name or address and a port, nothing else.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attrs, rest) = rest.split_once('>')?;
        if attrs.contains("src=") {
            return None;
        }
        rest.split_once("</script>").map(|(body, _)| body)
    })
}

/// Shortest content hash taken for one: trunk prints its 64-bit hash in hex without leading
/// zeros, so one name in 16 has 15 digits (`frontend-4ae3fde4670f4cb.js`), fewer ever rarer.
const MIN_HASH_DIGITS: usize = 12;

/// Whether `path`'s file name carries trunk's content hash (`name-0123456789abcdef.ext`).
/// `frontend/sw.js` uses the same rule to serve such files from its copy.
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.split('.').next().unwrap_or(name);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (MIN_HASH_DIGITS..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_opener_policy_goes_only_where_browsers_honour_it() {
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:80",
            "a.localhost",
        ] {
            assert_eq!(
                opener_policy(false, Some(host)),
                Some("same-origin"),
                "{host}"
            );
        }
        for host in ["10.0.0.2:8080", "cutout.test:8080", "127.0.0.1.example:80"] {
            assert_eq!(opener_policy(false, Some(host)), None, "{host}");
            assert_eq!(
                opener_policy(true, Some(host)),
                Some("same-origin"),
                "{host}"
            );
        }
        assert_eq!(opener_policy(false, None), None);
    }

    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<script src=\"/a.js\"></script><script type=\"module\">boot()</script>",
        )
        .unwrap();
        let csp = Csp::for_dist(dir.path());
        let expected = STANDARD.encode(Sha256::digest(b"boot()"));
        assert_eq!(csp.script_hashes, vec![format!("'sha256-{expected}'")]);
        let header = csp.header(Some("127.0.0.1:8080"));
        assert!(header.contains("connect-src 'self' ws://127.0.0.1:8080 wss://127.0.0.1:8080;"));
        assert!(!header.contains("unsafe-inline"));
    }

    #[test]
    fn hostile_host_is_not_echoed() {
        let csp = Csp {
            script_hashes: Vec::new(),
        };
        let header = csp.header(Some("evil; script-src *"));
        assert!(header.contains("connect-src 'self';"));
    }

    #[test]
    fn hashed_assets_are_recognised() {
        assert!(is_hashed_asset("/frontend-af1b8b57fbe8cca1.js"));
        assert!(is_hashed_asset("/frontend-af1b8b57fbe8cca1_bg.wasm"));
        assert!(is_hashed_asset("/style-946b8e361a25f2a1.css"));
        // A hash with a leading zero, as trunk names it.
        assert!(is_hashed_asset("/frontend-4ae3fde4670f4cb_bg.wasm"));
        assert!(!is_hashed_asset("/qr_worker_bg.wasm"));
        assert!(!is_hashed_asset("/icon-da551e.svg"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/"));
    }
}
