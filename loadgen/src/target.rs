//! The relay under test and how to talk to it: Cutout's wire protocol (JOIN a room, BROADCAST,
//! DELIVER; PROTOCOL.md A) or plain room-by-URL broadcast, where the room is the URL's path and a
//! message is the payload itself.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use wire::{ClientFrame, MemberId, RelayFrame, RoomId, WIRE_VERSION};

/// How a relay groups connections into rooms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// Cutout's relay: `/ws`, then JOIN with a room id.
    Cutout,
    /// One room per URL path; every message goes to the path's other connections (or to all of
    /// them, the sender included, for relays that mirror).
    Url,
}

/// A byte stream a WebSocket can run over: TCP, or TLS over TCP.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One connection to the relay.
pub type Socket = WebSocketStream<Box<dyn Io>>;

/// The relay to load.
#[derive(Clone)]
pub struct Target {
    /// Its protocol.
    pub protocol: Protocol,
    /// Where it listens.
    pub addr: SocketAddr,
    /// TLS settings, trusting the relay's CA, for `wss://`.
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Target {
    /// A target over plain TCP, or over TLS trusting the PEM certificate(s) in `ca_pem`.
    pub fn new(
        protocol: Protocol,
        addr: SocketAddr,
        ca_pem: Option<&[u8]>,
    ) -> anyhow::Result<Self> {
        let tls = match ca_pem {
            None => None,
            Some(pem) => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in CertificateDer::pem_slice_iter(pem) {
                    roots
                        .add(cert.context("reading the CA certificate")?)
                        .context("trusting the CA certificate")?;
                }
                if roots.is_empty() {
                    bail!("no certificate in the CA file");
                }
                let provider = Arc::new(rustls::crypto::ring::default_provider());
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .context("TLS versions")?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                Some(Arc::new(config))
            }
        };
        Ok(Self {
            protocol,
            addr,
            tls,
        })
    }

    /// Opens a WebSocket into room `room` and joins it. For Cutout's relay this waits for
    /// WELCOME and returns the member id it gave.
    pub async fn connect(&self, room: u32) -> anyhow::Result<(Socket, Option<MemberId>)> {
        let tcp = TcpStream::connect(self.addr).await.context("connecting")?;
        tcp.set_nodelay(true).context("TCP_NODELAY")?;
        let host = self.addr.to_string();
        let (io, scheme): (Box<dyn Io>, &str) = match &self.tls {
            Some(config) => {
                let name = ServerName::IpAddress(self.addr.ip().into());
                let connector = tokio_rustls::TlsConnector::from(config.clone());
                let tls = connector
                    .connect(name, tcp)
                    .await
                    .context("TLS handshake")?;
                (Box::new(tls), "wss")
            }
            None => (Box::new(tcp), "ws"),
        };
        let path = match self.protocol {
            Protocol::Cutout => "/ws".to_owned(),
            Protocol::Url => format!("/room-{room}"),
        };
        let mut request = format!("{scheme}://{host}{path}").into_client_request()?;
        let http = if scheme == "wss" { "https" } else { "http" };
        // Cutout's relay accepts only pages it served itself (same-origin).
        request.headers_mut().insert(
            "origin",
            HeaderValue::from_str(&format!("{http}://{host}"))?,
        );
        let (mut socket, _) = tokio_tungstenite::client_async(request, io)
            .await
            .context("WebSocket handshake")?;
        let id = match self.protocol {
            Protocol::Url => None,
            Protocol::Cutout => Some(join(&mut socket, room).await?),
        };
        Ok((socket, id))
    }

    /// The message that sends `payload` to the rest of the room.
    pub fn broadcast(&self, payload: &[u8]) -> Message {
        match self.protocol {
            Protocol::Cutout => {
                Message::Binary(Bytes::from(ClientFrame::Broadcast { payload }.encode()))
            }
            Protocol::Url => Message::Binary(Bytes::copy_from_slice(payload)),
        }
    }

    /// The payload another member sent, from a message the relay delivered; `None` for
    /// anything else (presence, pongs, control frames).
    pub fn delivered<'m>(&self, message: &'m Message) -> Option<&'m [u8]> {
        let Message::Binary(data) = message else {
            return None;
        };
        match self.protocol {
            Protocol::Url => Some(data),
            Protocol::Cutout => match RelayFrame::decode(data) {
                Ok(RelayFrame::Deliver { payload, .. }) => Some(payload),
                _ => None,
            },
        }
    }
}

/// Cutout's room id for room number `room`.
pub fn room_id(room: u32) -> RoomId {
    let mut id = [0x5a; 16];
    id[..4].copy_from_slice(&room.to_le_bytes());
    RoomId(id)
}

async fn join(socket: &mut Socket, room: u32) -> anyhow::Result<MemberId> {
    let join = ClientFrame::Join {
        version: WIRE_VERSION,
        room: room_id(room),
    };
    socket
        .send(Message::Binary(Bytes::from(join.encode())))
        .await?;
    while let Some(message) = socket.next().await {
        if let Message::Binary(data) = message? {
            match RelayFrame::decode(&data) {
                Ok(RelayFrame::Welcome { your_id, .. }) => return Ok(your_id),
                Ok(RelayFrame::Error(code)) => bail!("the relay refused JOIN: {code:?}"),
                _ => {}
            }
        }
    }
    bail!("the relay closed before WELCOME")
}
