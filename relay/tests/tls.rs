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
