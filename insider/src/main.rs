//! `insider`: a member who holds a room's invite, speaks the protocol through the real relay,
//! and tries to pass as another member (docs/SECURITY.md, "A holder of the invite"). The
//! browser tests start it next to real people and then check what those people's screens show.
//!
//! It joins as an ordinary member under the target's name with an identity of its own, learns
//! the target's session from the room, and then, from its one connection:
//!
//! 1. **own**: says something as itself, under the target's name;
//! 2. **squat**: opens a session under the target's sender id (the room keys come with the
//!    invite), certified by its own identity, under a name that looks like the target's and
//!    sorts right after it, and says something from it;
//! 3. **borrowed**: opens a session whose certificate names the target's identity (its public
//!    bytes are on the wire) but is signed by its own key, and says something from it.
//!
//! Each step prints one JSON line (`{"step": …}`); it leaves after `--seconds`. Without the
//! relay's help none of this may show a message as the target's, nor list anyone under the
//! target's key but the target.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use protocol::body::{Body, Chat, Presence};
use protocol::conversation::Conversation;
use protocol::entropy::SystemEntropy;
use protocol::envelope::{Kind, SealedEnvelope};
use protocol::identity::session::{
    Certificate, PresenceMessage, PresenceType, SessionFacts, SessionKey, session_statement,
};
use protocol::identity::{IdentityKeys, IdentitySigner, PublicIdentity};
use protocol::ids::{Challenge, DeviceId, MsgId, SenderId};
use protocol::invite::parse_invite_fragment;
use protocol::keys::RoomKeys;
use protocol::replay::ReplayWindow;
use protocol::session::SenderSession;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use wire::{ClientFrame, MemberId, RelayFrame};

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

/// A session the insider opens besides its honest one, under a sender id and a certificate of
/// its choosing; it answers the Heres its Join brings.
struct Forged {
    what: &'static str,
    session: SenderSession,
    sender: SenderId,
    sk: SessionKey,
    cert: Vec<u8>,
    challenge: Challenge,
    name: String,
    device: DeviceId,
    acked: Vec<MemberId>,
    said: bool,
}

impl Forged {
    /// A session under `sender`, its certificate naming `shown` and signed by `signer`.
    fn new(
        what: &'static str,
        keys: &RoomKeys,
        sender: SenderId,
        name: &str,
        shown: PublicIdentity,
        signer: &IdentityKeys,
    ) -> anyhow::Result<Self> {
        let mut session = SenderSession::with_sender(keys, sender);
        // Past anything the target's own session has sent, so no replay window refuses it.
        session.skip_to(1 << 20);
        let sk = SessionKey::generate(&mut SystemEntropy);
        let device = DeviceId::random(&mut SystemEntropy);
        let facts = SessionFacts {
            room_id: keys.room_id(),
            sender,
            device_id: device,
            name,
        };
        let statement = session_statement(&facts, &sk.public()).context("statement")?;
        let cert = Certificate::assemble(shown, sk.public(), signer.sign(&statement))
            .to_bytes()
            .to_vec();
        Ok(Self {
            what,
            session,
            sender,
            sk,
            cert,
            challenge: Challenge::random(&mut SystemEntropy),
            name: name.to_owned(),
            device,
            acked: Vec::new(),
            said: false,
        })
    }

    fn sign(
        &self,
        keys: &RoomKeys,
        kind: PresenceType,
        member: MemberId,
        first: Challenge,
        second: Challenge,
    ) -> Vec<u8> {
        self.sk
            .sign_presence(&PresenceMessage {
                kind,
                room_id: keys.room_id(),
                sender: self.sender,
                member,
                first,
                second,
            })
            .to_vec()
    }

    fn join(&mut self, keys: &RoomKeys, me: MemberId) -> anyhow::Result<Vec<u8>> {
        let body = Presence::SignedJoin {
            challenge: self.challenge,
            name: self.name.clone(),
            device_id: self.device,
            ts_ms: now_ms(),
            member_id: me.0,
            cert: self.cert.clone(),
            signature: self.sign(
                keys,
                PresenceType::Join,
                me,
                self.challenge,
                Challenge([0; 16]),
            ),
        };
        self.seal(Kind::Presence, &body.encode()?)
    }

    fn ack(&mut self, keys: &RoomKeys, me: MemberId, echo: Challenge) -> anyhow::Result<Vec<u8>> {
        let body = Presence::SignedAck {
            echo,
            signature: self.sign(keys, PresenceType::Ack, me, self.challenge, echo),
        };
        self.seal(Kind::Presence, &body.encode()?)
    }

    /// Says what it is, once.
    fn say_once(&mut self, unanswered: bool) -> anyhow::Result<Option<Message>> {
        if self.said {
            return Ok(None);
        }
        self.said = true;
        let text = format!("insider: from the {} session", self.what);
        let chat = broadcast(&self.chat(&text)?);
        say(
            "said",
            json!({ "session": self.what, "text": text, "unanswered": unanswered }),
        );
        Ok(Some(chat))
    }

    fn chat(&mut self, text: &str) -> anyhow::Result<Vec<u8>> {
        let chat = Chat {
            msg_id: MsgId::random(&mut SystemEntropy),
            sent_at_ms: now_ms(),
            text: text.to_owned(),
        };
        self.seal(Kind::Chat, &chat.encode()?)
    }

    fn seal(&mut self, kind: Kind, body: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.session
            .seal(kind, body)
            .map_err(|err| anyhow::anyhow!("sealing: {err:?}"))
    }
}

fn broadcast(payload: &[u8]) -> Message {
    Message::Binary(Bytes::from(ClientFrame::Broadcast { payload }.encode()))
}

fn send_to(to: MemberId, payload: &[u8]) -> Message {
    Message::Binary(Bytes::from(ClientFrame::SendTo { to, payload }.encode()))
}

/// A Here answering one of `forged`'s Joins: (who sent it, which session it answers, its
/// challenge).
fn here_for(keys: &RoomKeys, payload: &[u8], forged: &[Forged]) -> Option<(usize, Challenge)> {
    let sealed = SealedEnvelope::parse(payload).ok()?;
    let sender = sealed.header().sender;
    let body = sealed
        .open(
            &keys.room_id(),
            &keys.message_key(sender),
            &mut ReplayWindow::default(),
        )
        .ok()?;
    let Ok(Presence::SignedHere {
        echo, challenge, ..
    }) = Presence::decode(&body)
    else {
        return None;
    };
    let at = forged.iter().position(|f| f.challenge == echo)?;
    Some((at, challenge))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.relay.ip().is_loopback() {
        bail!("the insider talks to a relay on this machine's loopback address only");
    }
    let fragment = args
        .invite
        .find('#')
        .map(|at| &args.invite[at..])
        .context("the invite has no fragment")?;
    let secret = parse_invite_fragment(fragment).map_err(|err| anyhow::anyhow!("{err}"))?;
    let keys = RoomKeys::derive(&secret);
    let identity = IdentityKeys::generate(&mut SystemEntropy);
    let device = DeviceId::random(&mut SystemEntropy);
    let mut convo =
        Conversation::with_signer(&secret, &args.target, device, &identity, &mut SystemEntropy)
            .map_err(|err| anyhow::anyhow!("{err:?}"))?;

    let host = args.relay.to_string();
    let mut request = format!("ws://{host}/ws").into_client_request()?;
    request
        .headers_mut()
        .insert("origin", HeaderValue::from_str(&format!("http://{host}"))?);
    let tcp = tokio::net::TcpStream::connect(args.relay).await?;
    let (mut socket, _) = tokio_tungstenite::client_async(request, tcp).await?;
    let join = convo.join_frame().context("the session is not certified")?;
    socket.send(Message::Binary(Bytes::from(join))).await?;

    let end = Instant::now() + Duration::from_secs(args.seconds);
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    let mut me = None::<MemberId>;
    let mut forged: Vec<Forged> = Vec::new();
    let mut target = None::<protocol::room_io::Member>;
    let mut forge_at = None::<Instant>;
    while Instant::now() < end {
        let mut out = Vec::new();
        tokio::select! {
            message = socket.next() => {
                let Some(message) = message else { bail!("the relay closed the connection") };
                let Message::Binary(data) = message? else { continue };
                let Ok(frame) = RelayFrame::decode(&data) else { continue };
                if let RelayFrame::Welcome { your_id, .. } = frame {
                    me = Some(your_id);
                    say("joined", json!({ "member": your_id.0 }));
                }
                if let (RelayFrame::Deliver { from, payload }, Some(me)) = (&frame, me)
                    && let Some((at, echo)) = here_for(&keys, payload, &forged)
                    && !forged[at].acked.contains(from)
                {
                    let ack = forged[at].ack(&keys, me, echo)?;
                    forged[at].acked.push(*from);
                    out.push(send_to(*from, &ack));
                    say("acked", json!({ "session": forged[at].what, "to": from.0 }));
                }
                let changes = convo.receive(frame, now_ms(), &mut SystemEntropy);
                out.extend(changes.frames.iter().map(|f| Message::Binary(Bytes::copy_from_slice(f))));
            }
            _ = ticker.tick() => {
                let changes = convo.tick(now_ms(), &mut SystemEntropy);
                out.extend(changes.frames.iter().map(|f| Message::Binary(Bytes::copy_from_slice(f))));
            }
        }
        // Once the target is met: first its own message; then, once the room has had time to
        // meet this session (a member keeps two sessions a connection at most, dropping one not
        // met yet for a newer one), the two forged sessions.
        if me.is_some() && target.is_none() {
            target = convo
                .members()
                .into_iter()
                .find(|m| !m.is_self && m.online && m.name == args.target);
            if let Some(target) = &target {
                say(
                    "target",
                    json!({ "sender": protocol::hex::encode(target.sender.as_bytes()) }),
                );
                let changes = convo
                    .send("insider: under my own key", now_ms(), &mut SystemEntropy)
                    .map_err(|err| anyhow::anyhow!("{err:?}"))?;
                out.extend(
                    changes
                        .frames
                        .iter()
                        .map(|f| Message::Binary(Bytes::copy_from_slice(f))),
                );
                forge_at = Some(Instant::now() + Duration::from_secs(3));
            }
        }
        if let (Some(me), Some(target), Some(at)) = (me, &target, forge_at)
            && Instant::now() >= at
        {
            forge_at = None;
            // Under a name that looks like the target's and sorts right after it: an app that
            // found a line's author by sender id alone would find the target's entry first.
            forged.push(Forged::new(
                "squat",
                &keys,
                target.sender,
                &format!("{}\u{200b}", args.target),
                identity.public(),
                &identity,
            )?);
            forged.push(Forged::new(
                "borrowed",
                &keys,
                SenderId::random(&mut SystemEntropy),
                &args.target,
                target.published,
                &identity,
            )?);
            for session in &mut forged {
                out.push(broadcast(&session.join(&keys, me)?));
                say("joined-as", json!({ "session": session.what }));
            }
        }
        // A session someone answered says something at once.
        for session in forged.iter_mut().filter(|f| !f.acked.is_empty()) {
            out.extend(session.say_once(false)?);
        }
        for message in out {
            socket.send(message).await?;
        }
    }
    // A session nobody answered says something anyway, then the insider stays a moment so it
    // is delivered before it leaves.
    for session in &mut forged {
        if let Some(chat) = session.say_once(true)? {
            socket.send(chat).await?;
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    if let Some(leave) = convo.leave_frame() {
        socket.send(Message::Binary(Bytes::from(leave))).await?;
    }
    say("done", json!({}));
    Ok(())
}
