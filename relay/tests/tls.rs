//! HTTPS and WSS with the relay's own local CA (PRODUCT.md journey 1).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use wire::RelayFrame;

fn connector(roots: rustls::RootCertStore) -> TlsConnector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

fn trusting(ca_pem: &str) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    connector(roots)
}

async fn https_get(connector: &TlsConnector, addr: std::net::SocketAddr, path: &str) -> String {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tls.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn websocket_over_tls_is_verified_against_the_generated_ca() {
    let data = tempfile::tempdir().unwrap();
    let relay = TestRelay::start_tls(limits(), data.path()).await;
    let https = relay.https.unwrap();
    let ca_pem = std::fs::read_to_string(data.path().join("ca.crt.pem")).unwrap();

    let tcp = TcpStream::connect(https).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = trusting(&ca_pem).connect(name, tcp).await.unwrap();
    let mut request = format!("wss://{https}/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", format!("https://{https}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::client_async(request, tls).await.unwrap();
    let join = wire::ClientFrame::Join {
        version: 1,
        room: room(1),
    }
    .encode();
    socket.send(Message::Binary(join.into())).await.unwrap();
    let Some(Ok(Message::Binary(welcome))) = socket.next().await else {
        panic!("expected WELCOME over WSS");
    };
    assert!(matches!(
        RelayFrame::decode(&welcome),
        Ok(RelayFrame::Welcome { .. })
    ));

    // A client that does not trust the CA refuses the certificate.
    let tcp = TcpStream::connect(https).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let untrusted = connector(rustls::RootCertStore::empty());
    assert!(untrusted.connect(name, tcp).await.is_err());
    relay.stop().await;
}

#[tokio::test]
async fn ca_certificate_and_relay_info_are_served_and_the_ca_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let relay = TestRelay::start_tls(limits(), data.path()).await;
    let https = relay.https.unwrap();
    let ca_pem = std::fs::read_to_string(data.path().join("ca.crt.pem")).unwrap();
    let connector = trusting(&ca_pem);

    let ca = https_get(&connector, https, "/ca.crt").await;
    assert!(ca.starts_with("HTTP/1.1 200"), "{ca}");
    assert!(
        ca.to_ascii_lowercase()
            .contains("content-type: application/x-x509-ca-cert")
    );
    assert!(ca.ends_with(&ca_pem));

    let info = https_get(&connector, https, "/relay-info").await;
    let der = CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap();
    let fingerprint = relay::tls::fingerprint(&der);
    assert!(
        info.contains(&format!("\"ca_sha256\":\"{fingerprint}\"")),
        "{info}"
    );
    assert!(
        info.contains(&format!(
            "\"origins\":[\"https://{https}\",\"http://{}\"]",
            relay.addr
        )),
        "HTTPS first: {info}"
    );
    relay.stop().await;

    let again = TestRelay::start_tls(limits(), data.path()).await;
    let reread = std::fs::read_to_string(data.path().join("ca.crt.pem")).unwrap();
    assert_eq!(reread, ca_pem, "a restart reuses the CA");
    let ok = https_get(&connector, again.https.unwrap(), "/healthz").await;
    assert!(ok.ends_with("ok"));
    again.stop().await;
}

#[tokio::test]
async fn a_stalled_tls_handshake_is_dropped_at_the_deadline() {
    let data = tempfile::tempdir().unwrap();
    let relay = TestRelay::start_tls(limits(), data.path()).await;
    let mut tcp = TcpStream::connect(relay.https.unwrap()).await.unwrap();
    // Say nothing; the relay closes the socket after its (test-short) deadline.
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(PATIENCE, tcp.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    relay.stop().await;
}

fn pem_der(path: &std::path::Path) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(std::fs::read_to_string(path).unwrap().as_bytes()).unwrap()
}

/// What a client that enforces name constraints (rustls's webpki) says of `leaf` for `name`,
/// with `ca` as the only trusted root.
fn verify(
    ca: &CertificateDer<'_>,
    leaf: &CertificateDer<'_>,
    name: &str,
) -> Result<(), webpki::Error> {
    let anchor = webpki::anchor_from_trusted_cert(ca)?;
    let leaf = webpki::EndEntityCert::try_from(leaf)?;
    let algs = rustls::crypto::ring::default_provider()
        .signature_verification_algorithms
        .all;
    leaf.verify_for_usage(
        algs,
        &[anchor],
        &[],
        rustls::pki_types::UnixTime::now(),
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )?;
    leaf.verify_is_valid_for_subject_name(&ServerName::try_from(name).unwrap())
}

/// A server certificate for `name`, signed with the CA key in `dir`: what anyone who copied
/// that key could make.
fn sign_with_stored_ca(dir: &std::path::Path, name: &str) -> CertificateDer<'static> {
    let ca_key = std::fs::read_to_string(dir.join("ca.key.pem")).unwrap();
    let ca_key = rcgen::KeyPair::from_pem(&ca_key).unwrap();
    let ca_pem = std::fs::read_to_string(dir.join("ca.crt.pem")).unwrap();
    let issuer = rcgen::Issuer::from_ca_cert_pem(&ca_pem, ca_key).unwrap();
    let mut params = rcgen::CertificateParams::new(vec![name.to_owned()]).unwrap();
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().unwrap();
    params.signed_by(&key, &issuer).unwrap().der().clone()
}

#[test]
fn the_ca_vouches_for_lan_names_and_refuses_public_ones() {
    let data = tempfile::tempdir().unwrap();
    let names = vec![
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        "192.168.1.5".to_owned(),
    ];
    relay::tls::load_or_create(data.path(), &names).unwrap();
    let ca = pem_der(&data.path().join("ca.crt.pem"));
    let own = pem_der(&data.path().join("server.crt.pem"));
    for name in &names {
        assert_eq!(
            verify(&ca, &own, name),
            Ok(()),
            "the relay's own leaf for {name}"
        );
    }
    for name in ["10.0.0.9", "laptop.local", "nas.home.arpa", "fe80::1"] {
        let leaf = sign_with_stored_ca(data.path(), name);
        assert_eq!(verify(&ca, &leaf, name), Ok(()), "a LAN leaf for {name}");
    }
    for name in [
        "example.com",
        "8.8.8.8",
        "2001:4860:4860::8888",
        "localhost.example.com",
    ] {
        let leaf = sign_with_stored_ca(data.path(), name);
        assert_eq!(
            verify(&ca, &leaf, name),
            Err(webpki::Error::NameConstraintViolation),
            "a leaf for {name} signed with the stored key"
        );
    }
}

#[test]
fn the_ca_lives_at_most_825_days_and_the_server_certificate_no_longer() {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let data = tempfile::tempdir().unwrap();
    relay::tls::load_or_create(data.path(), &["127.0.0.1".to_owned()]).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let ca_der = pem_der(&data.path().join("ca.crt.pem"));
    let (_, ca) = X509Certificate::from_der(&ca_der).unwrap();
    let ca_end = ca.validity().not_after.to_datetime();
    assert!(ca_end <= now + time::Duration::days(825), "{ca_end}");
    let constraints = ca.name_constraints().unwrap().expect("name constraints");
    assert!(constraints.critical, "RFC 5280 §4.2.1.10: critical");
    assert!(constraints.value.excluded_subtrees.is_none());
    let leaf_der = pem_der(&data.path().join("server.crt.pem"));
    let (_, leaf) = X509Certificate::from_der(&leaf_der).unwrap();
    assert!(leaf.validity().not_after <= ca.validity().not_after);
    assert!(leaf.validity().not_after.to_datetime() <= now + time::Duration::days(397));
}

/// Material as the relay wrote it before CAs carried name constraints: a ten-year CA, a server
/// certificate it signed, and a tls.json without the CA's expiry or hosts.
fn write_unconstrained_material(dir: &std::path::Path, names: &[String]) -> String {
    let now = time::OffsetDateTime::now_utc();
    let ca_name = "Cutout local CA 0ld0ca00".to_owned();
    let mut ca = rcgen::CertificateParams::default();
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, &ca_name);
    ca.distinguished_name
        .push(rcgen::DnType::OrganizationName, "Cutout");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    ca.not_after = now + time::Duration::days(3650);
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(names.to_vec()).unwrap();
    let issuer = rcgen::Issuer::new(ca, &ca_key);
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();
    let write = |file: &str, text: String| std::fs::write(dir.join(file), text).unwrap();
    write("ca.key.pem", ca_key.serialize_pem());
    write("ca.crt.pem", ca_cert.pem());
    write("server.key.pem", server_key.serialize_pem());
    write("server.crt.pem", server_cert.pem());
    let meta = serde_json::json!({
        "ca_name": ca_name,
        "server_names": names,
        "server_not_after": (now + time::Duration::days(396)).unix_timestamp(),
    });
    write("tls.json", meta.to_string());
    ca_name
}

fn read_all(dir: &std::path::Path) -> Vec<Vec<u8>> {
    [
        "ca.key.pem",
        "ca.crt.pem",
        "server.key.pem",
        "server.crt.pem",
        "tls.json",
    ]
    .iter()
    .map(|f| std::fs::read(dir.join(f)).unwrap())
    .collect()
}

#[test]
fn an_unconstrained_ca_is_replaced_once_and_the_new_one_kept() {
    let data = tempfile::tempdir().unwrap();
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    let old_name = write_unconstrained_material(data.path(), &names);
    let old_key = std::fs::read(data.path().join("ca.key.pem")).unwrap();
    let old_fingerprint = relay::tls::fingerprint(&pem_der(&data.path().join("ca.crt.pem")));

    let first = relay::tls::load_or_create(data.path(), &names).unwrap();
    assert_eq!(
        first.replaced_ca,
        Some(relay::tls::ReplacedCa {
            name: old_name,
            reason: relay::ca::Replaced::Unconstrained,
        })
    );
    assert!(first.created_ca);
    assert_ne!(first.ca_fingerprint, old_fingerprint);
    assert_ne!(
        std::fs::read(data.path().join("ca.key.pem")).unwrap(),
        old_key,
        "the old key is gone"
    );
    let ca = pem_der(&data.path().join("ca.crt.pem"));
    assert!(
        webpki::anchor_from_trusted_cert(&ca)
            .unwrap()
            .name_constraints
            .is_some()
    );
    let leaf = pem_der(&data.path().join("server.crt.pem"));
    assert_eq!(
        verify(&ca, &leaf, "127.0.0.1"),
        Ok(()),
        "the server certificate was reissued"
    );

    let files = read_all(data.path());
    let second = relay::tls::load_or_create(data.path(), &names).unwrap();
    assert_eq!(second.replaced_ca, None);
    assert!(!second.created_ca);
    assert_eq!(second.ca_fingerprint, first.ca_fingerprint);
    assert_eq!(
        read_all(data.path()),
        files,
        "the second start writes nothing"
    );
}

#[tokio::test]
async fn relay_info_names_a_replaced_ca_across_restarts_and_forgets_it_after_ninety_days() {
    let data = tempfile::tempdir().unwrap();
    let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
    let old_name = write_unconstrained_material(data.path(), &names);
    let info = |relay: &TestRelay| {
        let ca_pem = std::fs::read_to_string(data.path().join("ca.crt.pem")).unwrap();
        let https = relay.https.unwrap();
        async move { https_get(&trusting(&ca_pem), https, "/relay-info").await }
    };
    let before = time::OffsetDateTime::now_utc().unix_timestamp();

    // The start that replaces it, and a later one: both say so, with the earlier CA's name.
    for _ in 0..2 {
        let relay = TestRelay::start_tls(limits(), data.path()).await;
        let body = info(&relay).await;
        let json: serde_json::Value =
            serde_json::from_str(&body[body.find("\r\n\r\n").unwrap() + 4..]).unwrap();
        assert_eq!(json["ca_replaced"]["name"], old_name.as_str(), "{body}");
        let at = json["ca_replaced"]["replaced_at"].as_i64().unwrap();
        assert!(at >= before && at <= before + 60, "{body}");
        relay.stop().await;
    }

    // Ninety days and more after the replacement the app is no longer told.
    let path = data.path().join("tls.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    meta["earlier_ca"]["replaced_at"] = (before - 91 * 86_400).into();
    std::fs::write(&path, meta.to_string()).unwrap();
    let relay = TestRelay::start_tls(limits(), data.path()).await;
    let body = info(&relay).await;
    assert!(body.contains("\"ca_replaced\":null"), "{body}");
    relay.stop().await;
}

#[test]
fn a_ca_near_its_end_is_replaced_once() {
    let data = tempfile::tempdir().unwrap();
    let names = vec!["127.0.0.1".to_owned()];
    let first = relay::tls::load_or_create(data.path(), &names).unwrap();
    // The same CA, recorded as expiring in ten days.
    let path = data.path().join("tls.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let soon = time::OffsetDateTime::now_utc() + time::Duration::days(10);
    meta["ca_not_after"] = soon.unix_timestamp().into();
    std::fs::write(&path, meta.to_string()).unwrap();

    let replaced = relay::tls::load_or_create(data.path(), &names).unwrap();
    assert_eq!(
        replaced.replaced_ca.map(|old| old.reason),
        Some(relay::ca::Replaced::Expiring)
    );
    assert_ne!(replaced.ca_fingerprint, first.ca_fingerprint);
    let kept = relay::tls::load_or_create(data.path(), &names).unwrap();
    assert_eq!(kept.replaced_ca, None);
    assert_eq!(kept.ca_fingerprint, replaced.ca_fingerprint);
}

#[test]
fn an_advertised_host_outside_the_lan_gets_a_ca_that_permits_it() {
    let data = tempfile::tempdir().unwrap();
    let lan = vec!["127.0.0.1".to_owned()];
    relay::tls::load_or_create(data.path(), &lan).unwrap();
    let mut advertised = lan.clone();
    advertised.push("chat.example.org".to_owned());

    let replaced = relay::tls::load_or_create(data.path(), &advertised).unwrap();
    assert_eq!(
        replaced.replaced_ca.map(|old| old.reason),
        Some(relay::ca::Replaced::Outside("chat.example.org".to_owned()))
    );
    let ca = pem_der(&data.path().join("ca.crt.pem"));
    let leaf = pem_der(&data.path().join("server.crt.pem"));
    assert_eq!(verify(&ca, &leaf, "chat.example.org"), Ok(()));
    // Only that host: the new CA still refuses the rest of the world.
    let other = sign_with_stored_ca(data.path(), "example.com");
    assert_eq!(
        verify(&ca, &other, "example.com"),
        Err(webpki::Error::NameConstraintViolation)
    );
    let kept = relay::tls::load_or_create(data.path(), &advertised).unwrap();
    assert_eq!(kept.replaced_ca, None);
    assert_eq!(kept.ca_fingerprint, replaced.ca_fingerprint);
}
