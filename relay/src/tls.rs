//! The relay's own TLS material (PROTOCOL.md A, PRODUCT.md journey 1): a local certificate
//! authority created on first start and kept in the data directory, and a server certificate it
//! signs for every address people may type. The CA is what phones install (`/ca.crt`, again
//! only when a CA is replaced); iOS refuses `wss://` to an untrusted certificate even after the page warning.
//!
//! These files are the only ones the relay ever writes, each with 0600 permissions, and only when
//! they are missing, the server certificate must be reissued (its names changed, or it expires
//! within [`RENEW_BEFORE_DAYS`]), or the CA must be replaced ([`ca::check`]: one made before CAs
//! carried name constraints, one about to expire, or one that may not vouch for a name the
//! server certificate needs). What the CA may vouch for and how long it lives is [`ca`]'s.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use tokio_rustls::TlsAcceptor;

use crate::ca::{self, Replaced};

/// Browsers reject server certificates valid for more than 397 days (CA/Browser Forum).
const SERVER_VALIDITY_DAYS: i64 = 397;
/// A server certificate this close to expiry is reissued at start, and a CA this close to expiry
/// replaced.
pub const RENEW_BEFORE_DAYS: i64 = 30;

const CA_KEY: &str = "ca.key.pem";
const CA_CERT: &str = "ca.crt.pem";
const SERVER_KEY: &str = "server.key.pem";
const SERVER_CERT: &str = "server.crt.pem";
const META: &str = "tls.json";

/// What is remembered about the material, to know when to reissue.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Meta {
    /// The CA's common name (random per CA, so two relays' CAs are told apart).
    ca_name: String,
    /// When the CA expires (Unix seconds); absent (0) in material made before CAs expired.
    #[serde(default)]
    ca_not_after: i64,
    /// Hosts outside the LAN ranges the CA may vouch for ([`ca::permits`]).
    #[serde(default)]
    ca_hosts: Vec<String>,
    /// The CA this one replaced, remembered so the app can tell people who installed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    earlier_ca: Option<EarlierCa>,
    /// The names in the current server certificate.
    server_names: Vec<String>,
    /// When the server certificate expires (Unix seconds).
    server_not_after: i64,
}

/// Loaded TLS material, ready to serve.
pub struct Tls {
    /// The acceptor for the HTTPS listener.
    pub acceptor: TlsAcceptor,
    /// The CA certificate in PEM, served at `/ca.crt`.
    pub ca_pem: String,
    /// SHA-256 of the CA certificate's DER, `AB:CD:…`.
    pub ca_fingerprint: String,
    /// Whether this start created the CA (first start, or a replacement) — worth telling the
    /// operator.
    pub created_ca: bool,
    /// The CA this start replaced, which phones must now give up for the new one.
    pub replaced_ca: Option<ReplacedCa>,
    /// The CA the current one replaced, whether at this start or an earlier one.
    pub earlier_ca: Option<EarlierCa>,
}

/// A CA the current one replaced, as the app tells people (`/relay-info`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlierCa {
    /// Its common name, as phones list it among installed certificates.
    pub name: String,
    /// When it was replaced (Unix seconds).
    pub replaced_at: i64,
}

/// A CA that gave way to a new one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplacedCa {
    /// Its common name, as phones list it among installed certificates.
    pub name: String,
    /// Why it was replaced.
    pub reason: Replaced,
}

/// Why TLS material could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading or writing a file in the data directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Generating or signing a certificate failed.
    #[error("cannot make a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// The stored material is unreadable.
    #[error(
        "stored TLS material is damaged ({0}); move the data directory's *.pem aside to start over"
    )]
    Damaged(String),
    /// rustls refused the certificate or key.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TlsError + '_ {
    move |source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The names a server certificate should carry: every LAN address, loopback, and the host's
/// `.local` name. An interface address outside the LAN ranges is left out (with a warning): the
/// CA may not vouch for it unless the operator names it with `--advertise`.
pub fn server_names(lan: &[std::net::IpAddr]) -> Vec<String> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if let Some(host) = gethostname::gethostname().to_str() {
        let host = host.trim_end_matches(".local");
        if !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            names.push(format!("{host}.local"));
        }
    }
    for ip in lan.iter().map(|ip| ip.to_string()) {
        if ca::is_lan(&ip) {
            names.push(ip);
        } else {
            tracing::warn!(%ip, "outside the LAN ranges: not in the HTTPS certificate unless given to --advertise");
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Loads the material from `dir`, creating the CA on first start (or replacing it when
/// [`ca::check`] says so) and (re)issuing the server certificate when `names` changed or it is
/// about to expire. Names outside the LAN ranges are ones the operator chose; a new CA permits
/// them.
pub fn load_or_create(dir: &Path, names: &[String]) -> Result<Tls, TlsError> {
    create_private_dir(dir)?;
    let now = OffsetDateTime::now_utc();
    let renew_at = now + Duration::days(RENEW_BEFORE_DAYS);
    let (ca_key, mut meta, created_ca, replaced_ca) = match read_ca(dir)? {
        Some((key, meta)) => {
            let pem = read(&dir.join(CA_CERT))?;
            let der = CertificateDer::from_pem_slice(pem.as_bytes())
                .map_err(|e| TlsError::Damaged(format!("{CA_CERT}: {e}")))?;
            let verdict = ca::check(&der, meta.ca_not_after, &meta.ca_hosts, names, renew_at)
                .map_err(|e| TlsError::Damaged(format!("{CA_CERT}: {e}")))?;
            match verdict {
                None => (key, meta, false, None),
                Some(reason) => {
                    let (key, mut fresh) = create_ca(dir, names, now)?;
                    fresh.earlier_ca = Some(EarlierCa {
                        name: meta.ca_name.clone(),
                        replaced_at: now.unix_timestamp(),
                    });
                    let old = ReplacedCa {
                        name: meta.ca_name,
                        reason,
                    };
                    (key, fresh, true, Some(old))
                }
            }
        }
        None => {
            let (key, meta) = create_ca(dir, names, now)?;
            (key, meta, true, None)
        }
    };
    let ca_pem = read(&dir.join(CA_CERT))?;

    let server_files_exist = dir.join(SERVER_KEY).is_file() && dir.join(SERVER_CERT).is_file();
    if !server_files_exist
        || meta.server_names != names
        || meta.server_not_after < renew_at.unix_timestamp()
    {
        let ca_params = ca::params(&meta.ca_name, &meta.ca_hosts, now);
        let issuer = Issuer::new(ca_params, &ca_key);
        let key = KeyPair::generate()?;
        let ca_not_after = OffsetDateTime::from_unix_timestamp(meta.ca_not_after)
            .map_err(|e| TlsError::Damaged(format!("{META}: {e}")))?;
        let params = server_params(names, now, ca_not_after)?;
        let cert = params.signed_by(&key, &issuer)?;
        write_private(&dir.join(SERVER_KEY), &key.serialize_pem())?;
        write_private(&dir.join(SERVER_CERT), &cert.pem())?;
        meta.server_names = names.to_vec();
        meta.server_not_after = params.not_after.unix_timestamp();
        let json =
            serde_json::to_string_pretty(&meta).map_err(|e| TlsError::Damaged(e.to_string()))?;
        write_private(&dir.join(META), &json)?;
    }

    let ca_der = CertificateDer::from_pem_slice(ca_pem.as_bytes())
        .map_err(|e| TlsError::Damaged(format!("{CA_CERT}: {e}")))?;
    let server_der = CertificateDer::from_pem_slice(read(&dir.join(SERVER_CERT))?.as_bytes())
        .map_err(|e| TlsError::Damaged(format!("{SERVER_CERT}: {e}")))?;
    let server_key = PrivateKeyDer::from_pem_slice(read(&dir.join(SERVER_KEY))?.as_bytes())
        .map_err(|e| TlsError::Damaged(format!("{SERVER_KEY}: {e}")))?;
    let ca_fingerprint = fingerprint(&ca_der);

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![server_der, ca_der], server_key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        ca_pem,
        ca_fingerprint,
        created_ca,
        replaced_ca,
        earlier_ca: meta.earlier_ca,
    })
}

/// Makes a new CA permitting the LAN and whatever of `names` lies outside it, and writes its key
/// and certificate (over an old CA's: the old key must not outlive its replacement).
fn create_ca(
    dir: &Path,
    names: &[String],
    now: OffsetDateTime,
) -> Result<(KeyPair, Meta), TlsError> {
    let name = format!("Cutout local CA {:08x}", fastrand::u32(..));
    let hosts: Vec<String> = names.iter().filter(|n| !ca::is_lan(n)).cloned().collect();
    let key = KeyPair::generate()?;
    let params = ca::params(&name, &hosts, now);
    let cert = params.self_signed(&key)?;
    write_private(&dir.join(CA_KEY), &key.serialize_pem())?;
    write_private(&dir.join(CA_CERT), &cert.pem())?;
    // No server certificate yet: the caller issues one and writes this.
    let meta = Meta {
        ca_name: name,
        ca_not_after: params.not_after.unix_timestamp(),
        ca_hosts: hosts,
        earlier_ca: None,
        server_names: Vec::new(),
        server_not_after: 0,
    };
    Ok((key, meta))
}

/// SHA-256 of a certificate's DER as `AB:CD:…`, the form browsers and OS dialogs show.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A server certificate for `names`, never outliving its CA (which expires at `ca_not_after`).
fn server_params(
    names: &[String],
    now: OffsetDateTime,
    ca_not_after: OffsetDateTime,
) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::new(names.to_vec())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Cutout relay");
    params.distinguished_name = dn;
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    // Backdated a day for clocks that run slow; 397 days in all, or until the CA expires.
    params.not_before = now - Duration::days(1);
    params.not_after = (now + Duration::days(SERVER_VALIDITY_DAYS - 1)).min(ca_not_after);
    Ok(params)
}

fn read_ca(dir: &Path) -> Result<Option<(KeyPair, Meta)>, TlsError> {
    let key_path = dir.join(CA_KEY);
    if !key_path.is_file() {
        return Ok(None);
    }
    let key = KeyPair::from_pem(&read(&key_path)?)
        .map_err(|e| TlsError::Damaged(format!("{CA_KEY}: {e}")))?;
    let meta: Meta = serde_json::from_str(&read(&dir.join(META))?)
        .map_err(|e| TlsError::Damaged(format!("{META}: {e}")))?;
    Ok(Some((key, meta)))
}

fn read(path: &Path) -> Result<String, TlsError> {
    fs::read_to_string(path).map_err(io_err(path))
}

fn create_private_dir(dir: &Path) -> Result<(), TlsError> {
    if dir.is_dir() {
        // Not even a failing mkdir once the material exists: the relay touches no file then.
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(io_err(dir))
}

/// Writes `contents` to `path` readable by the owner only, through a temporary file and a rename
/// so a crash never leaves half a key.
fn write_private(path: &Path, contents: &str) -> Result<(), TlsError> {
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(io_err(&tmp))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io_err(&tmp))?;
    fs::rename(&tmp, path).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_start_creates_then_reuses_and_reissues_on_new_names() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
        let first = load_or_create(dir.path(), &names).unwrap();
        assert!(first.created_ca);
        let server = fs::read(dir.path().join(SERVER_CERT)).unwrap();

        let again = load_or_create(dir.path(), &names).unwrap();
        assert!(!again.created_ca);
        assert_eq!(
            again.ca_fingerprint, first.ca_fingerprint,
            "the CA is reused"
        );
        assert_eq!(fs::read(dir.path().join(SERVER_CERT)).unwrap(), server);

        let mut moved = names.clone();
        moved.push("192.168.7.7".to_owned());
        let reissued = load_or_create(dir.path(), &moved).unwrap();
        assert_eq!(reissued.ca_fingerprint, first.ca_fingerprint);
        assert_ne!(fs::read(dir.path().join(SERVER_CERT)).unwrap(), server);
    }

    #[cfg(unix)]
    #[test]
    fn material_is_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        load_or_create(&data, &["localhost".to_owned()]).unwrap();
        for file in [CA_KEY, CA_CERT, SERVER_KEY, SERVER_CERT, META] {
            let mode = fs::metadata(data.join(file)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        let mode = fs::metadata(&data).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[test]
    fn names_include_loopback_and_lan() {
        let names = server_names(&["192.168.1.5".parse().unwrap()]);
        for expected in ["localhost", "127.0.0.1", "192.168.1.5"] {
            assert!(names.iter().any(|n| n == expected), "{names:?}");
        }
    }
}
