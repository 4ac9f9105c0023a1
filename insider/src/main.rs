//! `insider`: a member who holds a room's invite, speaks the protocol through the real relay,
//! and tries to pass as another member (docs/SECURITY.md, "A holder of the invite"). The
//! browser tests start it next to real people and then check what those people's screens show.
//!
//! It holds an identity of its own and joins the room's group (docs/PROTOCOL.md part 2) the way
//! any member does, from two connections:
//!
//! 1. **own**: under the target's name, once the target is met, says something;
//! 2. **lookalike**: under a name that looks like the target's and sorts right after it (an
//!    invisible character added), says something too.
//!
//! A credential that names the target's identity but is signed by another key cannot be made
//! through the protocol's API at all (the member's own check refuses it); that the group refuses
//! one made by hand is tested in `protocol/tests/group_attacks.rs`.
//!
//! Each step prints one JSON line (`{"step": …}`); it leaves after `--seconds`. Without the
//! relay's help none of this may show a message as the target's, nor list anyone under the
//! target's key but the target.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::bail;
use bytes::Bytes;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use protocol::entropy::{Entropy, SystemEntropy};
use protocol::group::conversation::{GroupChanges, GroupConversation};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use wire::RelayFrame;

#[derive(Parser)]
#[command(about = "A member holding the invite who tries to pass as another member")]
struct Args {
    /// The relay's address (tests use 127.0.0.1 only).
    #[arg(long)]
    relay: SocketAddr,
    /// The room's invite link (the room secret is in its fragment).
    #[arg(long)]
    invite: String,
    /// The name of the member to pass as.
    #[arg(long)]
    target: String,
    /// How long to stay in the room.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn say(step: &str, detail: serde_json::Value) {
    println!("{}", json!({ "step": step, "detail": detail }));
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One connection of the insider's, a member of the room like any other.
struct Session {
    what: &'static str,
    convo: GroupConversation,
    socket: Socket,
    said: bool,
}

impl Session {
    async fn open(
        what: &'static str,
        relay: SocketAddr,
        secret: &RoomSecret,
        name: &str,
        identity: &IdentityKeys,
    ) -> anyhow::Result<Self> {
        let device = DeviceId::random(&mut SystemEntropy);
        let convo = GroupConversation::new(secret, name, device, identity.public());
        let host = relay.to_string();
        let mut request = format!("ws://{host}/ws").into_client_request()?;
        request
            .headers_mut()
            .insert("origin", HeaderValue::from_str(&format!("http://{host}"))?);
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
        socket
            .send(Message::Binary(Bytes::from(convo.join_frame())))
            .await?;
        say("joined-as", json!({ "session": what }));
        Ok(Self {
            what,
            convo,
            socket,
            said: false,
        })
    }

    /// Writes what the conversation asks to, signing what it asks to be signed.
    async fn apply(
        &mut self,
        mut changes: GroupChanges,
        identity: &IdentityKeys,
    ) -> anyhow::Result<()> {
        loop {
            for frame in std::mem::take(&mut changes.frames) {
                self.socket
                    .send(Message::Binary(Bytes::from(frame)))
                    .await?;
            }
            if !changes.sign {
                return Ok(());
            }
            changes = self
                .convo
                .certify_with(identity, now_ms(), &mut SystemEntropy);
        }
    }

    /// One frame from the relay, or a tick when none comes within 100 ms.
    async fn step(&mut self, identity: &IdentityKeys) -> anyhow::Result<()> {
        let next = tokio::time::timeout(Duration::from_millis(100), self.socket.next()).await;
        let changes = match next {
            Ok(Some(message)) => {
                let Message::Binary(data) = message? else {
                    return Ok(());
                };
                let Ok(frame) = RelayFrame::decode(&data) else {
                    return Ok(());
                };
                self.convo.receive(frame, now_ms(), &mut SystemEntropy)
            }
            Ok(None) => bail!("the relay closed the {} connection", self.what),
            Err(_) => self.convo.tick(now_ms(), &mut SystemEntropy),
        };
        self.apply(changes, identity).await
    }

    /// Says `text` to the room, once, as soon as it is in the group with someone to hear it.
    async fn say_once(&mut self, text: &str, identity: &IdentityKeys) -> anyhow::Result<()> {
        if self.said || !self.convo.machine().can_send() {
            return Ok(());
        }
        self.said = true;
        let changes = self
            .convo
            .send(text, now_ms(), &mut SystemEntropy)
            .map_err(|err| anyhow::anyhow!("{err:?}"))?;
        say("said", json!({ "session": self.what, "text": text }));
        self.apply(changes, identity).await
    }

    /// Offers a file to the room under its name (an offer nobody can accept to the end: the
    /// insider sends no chunks), to see how the room marks who shared it.
    async fn offer_file(&mut self, name: &str) -> anyhow::Result<()> {
        let mut key = [0u8; 32];
        SystemEntropy.fill(&mut key);
        let offer = protocol::body::FileOffer {
            file_id: protocol::ids::FileId::random(&mut SystemEntropy),
            name: name.to_owned(),
            mime: "application/pdf".to_owned(),
            size: 10,
            chunk_size: 65_536,
            n_chunks: 1,
        };
        let body = protocol::group::body::GroupBody::FileOffer {
            offer,
            key: protocol::group::body::FileKey(key),
        };
        for frame in self.convo.send_file(None, &body) {
            self.socket
                .send(Message::Binary(Bytes::from(frame)))
                .await?;
        }
        say("offered", json!({ "session": self.what, "name": name }));
        Ok(())
    }

    async fn leave(mut self) -> anyhow::Result<()> {
        if let Some(leave) = self.convo.leave_frame() {
            self.socket
                .send(Message::Binary(Bytes::from(leave)))
                .await?;
        }
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.relay.ip().is_loopback() {
        bail!("the insider talks to a relay on this machine's loopback address only");
    }
    let secret = insider::secret_of(&args.invite)?;
    let identity = IdentityKeys::generate(&mut SystemEntropy);

    let mut own = Session::open("own", args.relay, &secret, &args.target, &identity).await?;
    let end = Instant::now() + Duration::from_secs(args.seconds);
    let mut lookalike = None::<Session>;
    while Instant::now() < end {
        own.step(&identity).await?;
        if let Some(session) = &mut lookalike {
            session.step(&identity).await?;
            session
                .say_once("insider: from the lookalike session", &identity)
                .await?;
        }
        if own.said || !own.convo.machine().can_send() {
            continue;
        }
        // Once the target is met: its own message, then the lookalike joins.
        let target = own
            .convo
            .members()
            .into_iter()
            .find(|m| !m.is_self && m.online && m.name == args.target);
        if let Some(target) = target {
            say(
                "target",
                json!({ "identity": protocol::hex::encode(&target.identity) }),
            );
            own.say_once("insider: under my own key", &identity).await?;
            own.offer_file("from-the-insider.pdf").await?;
            // Under a name that looks like the target's and sorts right after it: an app that
            // found a line's author by name would find the target's entry first.
            let name = format!("{}\u{200b}", args.target);
            lookalike =
                Some(Session::open("lookalike", args.relay, &secret, &name, &identity).await?);
        }
    }
    own.leave().await?;
    if let Some(session) = lookalike {
        session.leave().await?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    say("done", json!({}));
    Ok(())
}
