//! The relay's frame handling (PROTOCOL.md A): four members run `relay::member::serve` over
//! in-memory sockets with the relay's own WebSocket settings and a paused clock, so deadlines,
//! rate-limit pauses and pings cost no real time. Three members speak WebSocket through a client
//! stream; the fourth writes whatever bytes the fuzzer gives it, framing included.
//!
//! Input: operations until the input ends. One header byte: bits 0–1 the member, bits 2–4 the
//! kind; kinds that carry bytes take a u16 little-endian length (cut to what is left) and then
//! those bytes.
//!
//! | kind | what the member does |
//! |---|---|
//! | 0, 1 | sends a binary message |
//! | 2 | sends a text message |
//! | 3 | sends SEND_TO member `bytes[0] & 3` (its id once WELCOME told it) with `bytes[1..]` |
//! | 4 | closes its side |
//! | 5 | waits `bytes[0]` × 250 ms (no bytes: 30 s) |
//! | 6 | sends JOIN for the shared room (no bytes) |
//! | 7 | sends PING with the nonce `bytes[0..4]` |
//!
//! Member 3 writes every operation's bytes raw (kinds 4 and 5 as above). Member ids come from
//! `fastrand`, seeded the same for every run so that a crash replays.
//!
//! Checked at the end, once every member has closed its side:
//! - every member task ends (pings are out of the way: it must notice its socket's end) and
//!   the room table is empty;
//! - everything the relay sent a WebSocket member decodes as a `RelayFrame`; the first is
//!   WELCOME or ERROR, WELCOME comes only once, nothing follows an ERROR; every DELIVER comes
//!   from a member (the raw member's id is read from the WELCOME it was sent, or, when that
//!   never reached it, is the one unknown sender there may be);
//! - the payloads from one WebSocket member arrive in the order it sent them, each one a
//!   BROADCAST from another member or a SEND_TO naming the receiver (none made up, none
//!   duplicated, none meant for someone else, no BROADCAST back to its sender);
//! - every PONG answers a PING of that member, in order.

#![no_main]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use libfuzzer_sys::fuzz_target;
use relay::capacity::{Admission, Capacity};
use relay::rooms::Rooms;
use relay::{Limits, Shared};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;
use wire::{ClientFrame, MemberId, RelayFrame, RoomId, WIRE_VERSION};

const ROOM: RoomId = RoomId([7; 16]);
const WEBSOCKET_MEMBERS: usize = 3;
const RAW_MEMBER: usize = 3;
/// Longer than any rate-limit pause the input can cause, shorter than the ping interval.
const SETTLE: Duration = Duration::from_secs(10);

/// Small limits, so oversized payloads, full queues and rate-limit pauses are a few bytes away.
fn limits() -> Limits {
    Limits {
        max_payload: 512,
        max_members: 3,
        max_rooms: 4,
        queue_frames: 4,
        queue_bytes: 2048,
        rate_frames: 20,
        rate_bytes: 4096,
        // Pings out of the way: a member task must end because its socket did, not because a
        // ping went unanswered.
        ping_interval: Duration::from_secs(24 * 3600),
        ..Limits::default()
    }
}

/// How long, after every socket is closed, a member task may take to end: more than any
/// rate-limit pause the input can cause (a few thousand frames at 20 a second), far less than
/// the ping interval.
const PATIENCE: Duration = Duration::from_secs(600);

/// What one WebSocket member sent that the relay may forward, in order: each payload with its
/// addressee (`None` for every member).
type Sent = Vec<(Option<MemberId>, Vec<u8>)>;

/// The id WELCOME gave a WebSocket member, once its reader saw it.
type Welcomed = Arc<Mutex<Option<MemberId>>>;

#[derive(Default)]
struct Member {
    sent: Sent,
    pings: Vec<u32>,
}

fuzz_target!(|data: &[u8]| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    fastrand::seed(0x5eed);
    runtime.block_on(session(data));
});

async fn session(data: &[u8]) {
    let limits = limits();
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let shared = Arc::new(Shared {
        rooms: Rooms::new(limits.max_rooms, limits.max_members),
        capacity: Capacity::new(limits.max_connections, limits.max_per_ip),
        shutdown,
        limits,
    });

    let mut servers = Vec::new();
    let mut sinks = Vec::new();
    let mut readers = Vec::new();
    let welcomed: Vec<Welcomed> = (0..WEBSOCKET_MEMBERS)
        .map(|_| Welcomed::default())
        .collect();
    for slot in &welcomed {
        let (client, server) = connect(&shared).await;
        servers.push(server);
        let client = WebSocketStream::from_raw_socket(client, Role::Client, None).await;
        let (sink, stream) = client.split();
        sinks.push(Some(sink));
        readers.push(tokio::spawn(received(stream, slot.clone())));
    }
    let (raw_client, server) = connect(&shared).await;
    servers.push(server);
    let (mut raw_read, raw_write) = tokio::io::split(raw_client);
    let mut raw_write = Some(raw_write);
    // What the relay sent the raw member, for its WELCOME (server frames are unmasked).
    let raw_reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = raw_read.read(&mut buf).await {
            if got.len() < 4096 {
                got.extend_from_slice(&buf[..n]);
            }
        }
        got
    });

    let mut members: Vec<Member> = (0..WEBSOCKET_MEMBERS).map(|_| Member::default()).collect();
    let mut rest = data;
    while let Some((&header, tail)) = rest.split_first() {
        rest = tail;
        let member = usize::from(header & 3);
        let kind = (header >> 2) & 7;
        let bytes = if matches!(kind, 4 | 6) {
            &[][..]
        } else {
            let (bytes, tail) = take(rest);
            rest = tail;
            bytes
        };
        match kind {
            4 if member == RAW_MEMBER => {
                if let Some(mut w) = raw_write.take() {
                    let _ = w.shutdown().await;
                }
            }
            4 => {
                if let Some(mut sink) = sinks[member].take() {
                    let _ = sink.close().await;
                }
            }
            5 => {
                let wait = bytes.first().map_or(30_000, |&b| u64::from(b) * 250);
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            _ if member == RAW_MEMBER => {
                if let Some(w) = raw_write.as_mut() {
                    let _ = w.write_all(bytes).await;
                }
            }
            _ => {
                let message = match kind {
                    2 => Message::Text(String::from_utf8_lossy(bytes).into_owned().into()),
                    3 => {
                        let (to, payload) = bytes.split_first().unwrap_or((&0, &[]));
                        let to = welcomed
                            .get(usize::from(to & 3))
                            .and_then(|w| *w.lock().expect("not poisoned"))
                            .unwrap_or(MemberId(0));
                        Message::Binary(Bytes::from(ClientFrame::SendTo { to, payload }.encode()))
                    }
                    6 => Message::Binary(join_frame()),
                    7 => {
                        let mut nonce = [0u8; 4];
                        let n = bytes.len().min(4);
                        nonce[..n].copy_from_slice(&bytes[..n]);
                        let ping = ClientFrame::Ping {
                            nonce: u32::from_be_bytes(nonce),
                        };
                        Message::Binary(Bytes::from(ping.encode()))
                    }
                    _ => Message::Binary(Bytes::copy_from_slice(bytes)),
                };
                if let Message::Binary(frame) = &message {
                    record(&mut members[member], frame);
                }
                if let Some(sink) = sinks[member].as_mut() {
                    if sink.send(message).await.is_err() {
                        sinks[member] = None;
                    }
                }
            }
        }
    }

    // What is under way is delivered first (the paused clock moves only once every task waits;
    // a member that leaves gets nothing more). Then everyone leaves, and every member task must
    // end.
    tokio::time::sleep(SETTLE).await;
    for sink in sinks.iter_mut().filter_map(Option::as_mut) {
        let _ = sink.close().await;
    }
    if let Some(mut w) = raw_write.take() {
        let _ = w.shutdown().await;
    }
    for server in servers {
        tokio::time::timeout(PATIENCE, server)
            .await
            .expect("a member task outlived its socket")
            .expect("a member task panicked");
    }
    assert_eq!(shared.rooms.len(), 0, "rooms left behind");
    let raw_welcome = raw_reader.await.ok().and_then(|got| first_welcome(&got));

    let mut frames = Vec::new();
    for reader in readers {
        frames.push(reader.await.expect("a client reader"));
    }
    check(&members, &frames, raw_welcome);
}

/// The member id in the first binary WebSocket frame of `bytes`, if it is a WELCOME. Control
/// frames before it (a pong for the raw member's ping) are skipped.
fn first_welcome(mut bytes: &[u8]) -> Option<MemberId> {
    loop {
        let (&[first, second], rest) = bytes.split_first_chunk::<2>()?;
        let (len, rest) = match second & 0x7f {
            126 => {
                let (len, rest) = rest.split_first_chunk::<2>()?;
                (usize::from(u16::from_be_bytes(*len)), rest)
            }
            127 => return None,
            n => (usize::from(n), rest),
        };
        if second & 0x80 != 0 {
            return None;
        }
        let payload = rest.get(..len)?;
        match first & 0x0f {
            2 => {
                return match RelayFrame::decode(payload) {
                    Ok(RelayFrame::Welcome { your_id, .. }) => Some(your_id),
                    _ => None,
                };
            }
            0x8..=0xf => bytes = &rest[len..],
            _ => return None,
        }
    }
}

/// A member's socket: the client's end, and the relay's member task serving the other end with
/// the relay's own WebSocket settings.
async fn connect(shared: &Arc<Shared>) -> (tokio::io::DuplexStream, tokio::task::JoinHandle<()>) {
    let (client, server) = tokio::io::duplex(16 * 1024);
    let config = relay::socket::socket_config(shared.limits.max_payload);
    let server = WebSocketStream::from_raw_socket(server, Role::Server, Some(config)).await;
    let task = tokio::spawn(relay::member::serve(
        server,
        shared.clone(),
        Admission::Admitted,
    ));
    (client, task)
}

/// The next length-prefixed run of bytes, and what follows it.
fn take(rest: &[u8]) -> (&[u8], &[u8]) {
    let (len, rest) = match rest {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (rest.len(), &[][..]),
    };
    rest.split_at(len.min(rest.len()))
}

fn join_frame() -> Bytes {
    let join = ClientFrame::Join {
        version: WIRE_VERSION,
        room: ROOM,
    };
    Bytes::from(join.encode())
}

/// Notes what a member's binary message asks the relay to forward or answer.
fn record(member: &mut Member, frame: &[u8]) {
    match ClientFrame::decode(frame) {
        Ok(ClientFrame::Broadcast { payload }) => member.sent.push((None, payload.to_vec())),
        Ok(ClientFrame::SendTo { to, payload }) => member.sent.push((Some(to), payload.to_vec())),
        Ok(ClientFrame::Ping { nonce }) => member.pings.push(nonce),
        Ok(ClientFrame::Join { .. }) | Err(_) => {}
    }
}

/// Every binary message the relay sent one WebSocket member, until its socket ends.
async fn received<S>(mut stream: S, welcomed: Welcomed) -> Vec<Bytes>
where
    S: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let mut frames = Vec::new();
    while let Some(Ok(message)) = stream.next().await {
        if let Message::Binary(frame) = message {
            if let Ok(RelayFrame::Welcome { your_id, .. }) = RelayFrame::decode(&frame) {
                *welcomed.lock().expect("not poisoned") = Some(your_id);
            }
            frames.push(frame);
        }
    }
    frames
}

fn check(members: &[Member], frames: &[Vec<Bytes>], raw: Option<MemberId>) {
    let mut ids: HashMap<MemberId, usize> = HashMap::new();
    for (i, got) in frames.iter().enumerate() {
        if let Some(Ok(RelayFrame::Welcome { your_id, .. })) =
            got.first().map(|f| RelayFrame::decode(f))
        {
            assert!(
                ids.insert(your_id, i).is_none(),
                "member id {your_id:?} given twice"
            );
        }
    }
    let mut raw_sender = raw;
    for (i, got) in frames.iter().enumerate() {
        let mut next_sent = vec![0usize; members.len()];
        let mut next_ping = 0;
        let me = ids.iter().find(|(_, m)| **m == i).map(|(id, _)| *id);
        if let Some(first) = got.first() {
            let opening = RelayFrame::decode(first);
            assert!(
                matches!(
                    opening,
                    Ok(RelayFrame::Welcome { .. } | RelayFrame::Error(_))
                ),
                "member {i} first got {opening:?}, not WELCOME or ERROR"
            );
        }
        for (n, frame) in got.iter().enumerate() {
            let decoded = RelayFrame::decode(frame)
                .unwrap_or_else(|e| panic!("member {i} got an undecodable frame {frame:?}: {e}"));
            match decoded {
                RelayFrame::Welcome { .. } => assert_eq!(n, 0, "member {i}: a second WELCOME"),
                RelayFrame::Error(_) => {
                    assert_eq!(n + 1, got.len(), "member {i}: frames after ERROR");
                }
                RelayFrame::Deliver { from, payload } => {
                    // Payloads from the raw member are not tracked; no one else may send. Its
                    // WELCOME may never reach it (a socket shut at once), so then its id is the
                    // one unknown sender there may be.
                    let Some(&sender) = ids.get(&from) else {
                        let raw_id = *raw_sender.get_or_insert(raw.unwrap_or(from));
                        assert_eq!(
                            from, raw_id,
                            "member {i} got DELIVER from {from:?}, no member"
                        );
                        continue;
                    };
                    let sent = &members[sender].sent;
                    let cursor = &mut next_sent[sender];
                    // BROADCAST goes to the others; SEND_TO to the member named, the sender too.
                    let for_me = |to: &Option<MemberId>| *to == me || (to.is_none() && sender != i);
                    let found = sent[*cursor..]
                        .iter()
                        .position(|(to, p)| p == payload && for_me(to));
                    match found {
                        Some(at) => *cursor += at + 1,
                        None => panic!(
                            "member {i} got {payload:?} from member {sender}, which did not send \
                             it to {i} after what was delivered before"
                        ),
                    }
                }
                RelayFrame::Pong { nonce } => {
                    let pings = &members[i].pings;
                    match pings[next_ping..].iter().position(|&p| p == nonce) {
                        Some(at) => next_ping += at + 1,
                        None => panic!("member {i} got PONG {nonce} it did not ask for"),
                    }
                }
                RelayFrame::Joined(_) | RelayFrame::Left(_) => {}
            }
        }
    }
}
