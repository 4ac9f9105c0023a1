//! A real relay on 127.0.0.1:0, in this process, and a minimal Cutout wire client for it.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use relay::{Config, Limits, Listeners};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use wire::{ClientFrame, ErrorCode, MemberId, RelayFrame, RoomId};

/// How long a test waits for something that should happen at once. Generous: a correctness
/// bound on a shared machine, not a timing.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct TestRelay {
    pub addr: SocketAddr,
    /// The HTTPS listener, when started with TLS.
    pub https: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _dist: Option<tempfile::TempDir>,
}

impl TestRelay {
    pub async fn start(limits: Limits) -> Self {
        Self::start_with(limits, None).await
    }

    /// A relay serving HTTPS too, with TLS material in `data_dir` (created on first use).
    pub async fn start_tls(limits: Limits, data_dir: &std::path::Path) -> Self {
        Self::start_with(limits, Some(data_dir)).await
    }

    async fn start_with(limits: Limits, data_dir: Option<&std::path::Path>) -> Self {
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<title>t</title>").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            dist: dist.path().to_path_buf(),
            data_dir: dist.path().to_path_buf(),
            advertise: Vec::new(),
            limits,
            max_file_size: wire::limits::MAX_FILE_SIZE,
        };
        let https = match data_dir {
            Some(dir) => {
                let names = vec!["127.0.0.1".to_owned(), "localhost".to_owned()];
                let tls = relay::tls::load_or_create(dir, &names).unwrap();
                Some((TcpListener::bind("127.0.0.1:0").await.unwrap(), tls))
            }
            None => None,
        };
        let https_addr = https.as_ref().map(|(l, _)| l.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(relay::run(
            Listeners {
                http: listener,
                https,
            },
            config,
            async move {
                let _ = stopped.await;
            },
        ));
        Self {
            addr,
            https: https_addr,
            stop: Some(stop),
            task: Some(task),
            _dist: Some(dist),
        }
    }

    /// A relay running in another process, at `addr`.
    pub fn external(addr: SocketAddr) -> Self {
        Self {
            addr,
            https: None,
            stop: None,
            task: None,
            _dist: None,
        }
    }

    /// Signals shutdown and waits for `run` to return.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(PATIENCE, task)
                .await
                .expect("relay stops")
                .unwrap();
        }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }
}

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A WebSocket to the relay with a matching Origin, as a browser page would open it.
pub async fn connect(relay: &TestRelay) -> Socket {
    let mut request = relay.url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("origin", format!("http://{}", relay.addr).parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    socket
}

pub async fn send(socket: &mut Socket, frame: ClientFrame<'_>) {
    socket
        .send(Message::Binary(frame.encode().into()))
        .await
        .unwrap();
}

pub async fn send_raw(socket: &mut Socket, bytes: Vec<u8>) {
    socket.send(Message::Binary(bytes.into())).await.unwrap();
}

/// What the relay sent next: a frame's bytes, or the close.
#[derive(Debug, PartialEq)]
pub enum Got {
    Frame(Vec<u8>),
    Closed(Option<CloseCode>),
}

pub async fn next(socket: &mut Socket) -> Got {
    loop {
        let message = tokio::time::timeout(PATIENCE, socket.next())
            .await
            .expect("the relay answers in time");
        match message {
            Some(Ok(Message::Binary(bytes))) => return Got::Frame(bytes.to_vec()),
            Some(Ok(Message::Close(frame))) => return Got::Closed(frame.map(|f| f.code)),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(other)) => panic!("unexpected message {other:?}"),
            Some(Err(_)) | None => return Got::Closed(None),
        }
    }
}

/// The next frame, decoded; panics on a close.
pub async fn frame(socket: &mut Socket) -> RelayFrame<'static> {
    match next(socket).await {
        Got::Frame(bytes) => {
            let leaked: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            RelayFrame::decode(leaked).unwrap()
        }
        Got::Closed(code) => panic!("closed ({code:?}) while a frame was expected"),
    }
}

/// Joins `room` and returns this member's id and the others from WELCOME.
pub async fn join(socket: &mut Socket, room: RoomId) -> (MemberId, Vec<MemberId>) {
    send(
        socket,
        ClientFrame::Join {
            version: wire::WIRE_VERSION,
            room,
        },
    )
    .await;
    match frame(socket).await {
        RelayFrame::Welcome {
            your_id, members, ..
        } => (your_id, members.into_owned()),
        other => panic!("expected WELCOME, got {other:?}"),
    }
}

/// Expects ERROR `code` and then the close.
pub async fn expect_error(socket: &mut Socket, code: ErrorCode) {
    assert_eq!(frame(socket).await, RelayFrame::Error(code));
    assert!(matches!(next(socket).await, Got::Closed(_)));
}

/// A relay answers PING with PONG: a well-behaved client's health check.
pub async fn ping(socket: &mut Socket, nonce: u32) {
    send(socket, ClientFrame::Ping { nonce }).await;
    loop {
        match frame(socket).await {
            RelayFrame::Pong { nonce: n } if n == nonce => return,
            RelayFrame::Deliver { .. } | RelayFrame::Joined(_) | RelayFrame::Left(_) => continue,
            other => panic!("expected PONG, got {other:?}"),
        }
    }
}

pub fn room(n: u8) -> RoomId {
    RoomId([n; 16])
}

/// Test limits: the defaults with short deadlines.
pub fn limits() -> Limits {
    Limits {
        deadline: Duration::from_millis(500),
        ..Limits::default()
    }
}

/// A relay binary running as its own process (so its memory can be measured).
pub struct RelayProcess {
    pub child: std::process::Child,
    pub http: SocketAddr,
    pub https: Option<SocketAddr>,
    pub data_dir: tempfile::TempDir,
    _dist: tempfile::TempDir,
    // Kept open: the relay's stdout stays connected.
    _stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl RelayProcess {
    /// Starts `relay` on 127.0.0.1:0 (and HTTPS on 127.0.0.1:0 when `tls`), with `args`.
    pub fn spawn(tls: bool, args: &[&str]) -> Self {
        use std::io::BufRead;
        let dist = tempfile::tempdir().unwrap();
        let data_dir = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<title>t</title>").unwrap();
        let https = if tls { "127.0.0.1:0" } else { "off" };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_relay"))
            .args(["--http", "127.0.0.1:0", "--https", https])
            .args(args)
            .arg("--dist")
            .arg(dist.path())
            .arg("--data-dir")
            .arg(data_dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut address = |prefix: &str| -> SocketAddr {
            let line = lines.next().unwrap().unwrap();
            line.strip_prefix(prefix).expect(&line).parse().unwrap()
        };
        let http = address("listening http ");
        let https = tls.then(|| address("listening https "));
        Self {
            child,
            http,
            https,
            data_dir,
            _dist: dist,
            _stdout: lines,
        }
    }

    /// Resident memory of the relay process, in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
