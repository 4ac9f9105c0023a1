//! The adversarial catalogue: each attack on a real relay at 127.0.0.1 with its expected
//! outcome, and, while the attack is under way, a well-behaved member of another room whose PING
//! must get its PONG (bounded generously by `PATIENCE`: a correctness check, not a timing). The
//! round trips are printed: `cargo test -p relay --test catalogue -- --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use futures_util::SinkExt;
use relay::Limits;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use wire::{ClientFrame, ErrorCode, MemberId, RelayFrame};

/// A member of its own room that checks the relay still answers it.
struct Probe {
    socket: Socket,
    nonce: u32,
}

impl Probe {
    async fn join(relay: &TestRelay) -> Self {
        let mut socket = connect(relay).await;
        join(&mut socket, room(250)).await;
        Self { socket, nonce: 0 }
    }

    /// PING → PONG during `attack`; prints the round trip.
    async fn answered(&mut self, attack: &str) {
        self.nonce += 1;
        let started = Instant::now();
        ping(&mut self.socket, self.nonce).await;
        println!("{attack}: PING→PONG in {:?}", started.elapsed());
    }
}

/// A relay and a probe already in its room.
async fn relay_with_probe(limits: Limits) -> (TestRelay, Probe) {
    let relay = TestRelay::start(limits).await;
    let probe = Probe::join(&relay).await;
    (relay, probe)
}

#[tokio::test]
async fn malformed_frames_are_refused_and_others_are_served_meanwhile() {
    let (relay, mut probe) = relay_with_probe(Limits {
        max_payload: 1_000,
        ..limits()
    })
    .await;
    // (attack, bytes after JOIN or not, expected error)
    let attacks: [(&str, bool, Vec<u8>, ErrorCode); 6] = [
        (
            "no JOIN",
            false,
            ClientFrame::Broadcast { payload: b"hi" }.encode(),
            ErrorCode::Malformed,
        ),
        ("unknown type", true, vec![0x7f, 1, 2], ErrorCode::Malformed),
        (
            "truncated JOIN",
            false,
            vec![0x01, 0x01, 0xaa],
            ErrorCode::Malformed,
        ),
        (
            "truncated SEND_TO",
            true,
            vec![0x03, 0, 0],
            ErrorCode::Malformed,
        ),
        (
            "wrong wire version",
            false,
            ClientFrame::Join {
                version: 99,
                room: room(1),
            }
            .encode(),
            ErrorCode::UnsupportedVersion,
        ),
        (
            "oversized frame",
            true,
            ClientFrame::Broadcast {
                payload: &[7; 1_001],
            }
            .encode(),
            ErrorCode::PayloadTooLarge,
        ),
    ];
    for (attack, joined, bytes, code) in attacks {
        let mut s = connect(&relay).await;
        if joined {
            join(&mut s, room(1)).await;
        }
        send_raw(&mut s, bytes).await;
        probe.answered(attack).await;
        expect_error(&mut s, code).await;
    }
    relay.stop().await;
}

#[tokio::test]
async fn a_second_join_and_a_text_frame_close_the_connection() {
    let (relay, mut probe) = relay_with_probe(limits()).await;
    let mut s = connect(&relay).await;
    join(&mut s, room(1)).await;
    send(
        &mut s,
        ClientFrame::Join {
            version: wire::WIRE_VERSION,
            room: room(2),
        },
    )
    .await;
    probe.answered("double JOIN").await;
    expect_error(&mut s, ErrorCode::Malformed).await;

    let mut s = connect(&relay).await;
    join(&mut s, room(1)).await;
    s.send(Message::Text("hello".into())).await.unwrap();
    probe.answered("text frame").await;
    assert_eq!(
        next(&mut s).await,
        Got::Closed(Some(CloseCode::Unsupported))
    );
    relay.stop().await;
}

#[tokio::test]
async fn send_to_an_unknown_or_departed_member_is_dropped_and_the_sender_stays() {
    let (relay, mut probe) = relay_with_probe(limits()).await;
    let mut a = connect(&relay).await;
    join(&mut a, room(1)).await;
    let mut b = connect(&relay).await;
    let (b_id, _) = join(&mut b, room(1)).await;
    assert!(matches!(frame(&mut a).await, RelayFrame::Joined(id) if id == b_id));
    drop(b);
    assert!(matches!(frame(&mut a).await, RelayFrame::Left(id) if id == b_id));
    for to in [b_id, MemberId(u32::MAX)] {
        send(
            &mut a,
            ClientFrame::SendTo {
                to,
                payload: b"for nobody",
            },
        )
        .await;
    }
    probe.answered("SEND_TO unknown and departed members").await;
    // Dropped without an error: the sender is still served.
    ping(&mut a, 7).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_flood_past_the_rate_limit_is_slowed_while_others_are_served() {
    let (relay, mut probe) = relay_with_probe(Limits {
        rate_frames: 20,
        ..limits()
    })
    .await;
    let mut flood = connect(&relay).await;
    join(&mut flood, room(1)).await;
    for nonce in 0..200 {
        send(&mut flood, ClientFrame::Ping { nonce }).await;
    }
    probe.answered("flood of 200 frames against 20/s").await;
    // The flood is read at the bucket's pace, not refused: its first PONG still comes.
    assert_eq!(frame(&mut flood).await, RelayFrame::Pong { nonce: 0 });
    relay.stop().await;
}

#[tokio::test]
async fn a_thousand_connections_from_one_address_meet_the_cap_while_a_member_is_served() {
    // A long deadline, so that only the cap can close a connection that says nothing.
    let (relay, mut probe) = relay_with_probe(Limits {
        max_per_ip: Some(64),
        deadline: Duration::from_secs(60),
        ..limits()
    })
    .await;
    let mut open = Vec::new();
    let mut refused = 0;
    for _ in 0..1_000 {
        match tokio::net::TcpStream::connect(relay.addr).await {
            Ok(tcp) => open.push(tcp),
            Err(_) => refused += 1,
        }
    }
    probe.answered("1,000 connections from 127.0.0.1").await;
    // Just past the cap of 64 a connection is answered with a refusal once it speaks; far past
    // it, the relay drops it without a word.
    let mut closed = 0;
    for tcp in &mut open {
        let mut byte = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(20), tcp.read(&mut byte)).await
        {
            closed += 1;
        }
    }
    println!("1,000 connections: {closed} dropped at once, {refused} refused by the kernel");
    assert!(
        closed + refused >= 500,
        "{closed} dropped, {refused} refused"
    );
    drop(open);
    probe.answered("after the thousand").await;
    // Their places are given back: a newcomer from the same address gets in.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut newcomer = connect(&relay).await;
    join(&mut newcomer, room(2)).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_slowloris_and_a_silent_connection_are_dropped_at_the_deadline() {
    let (relay, mut probe) = relay_with_probe(limits()).await;
    let mut silent = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    let mut slow = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    // One byte of a request head at a time, slower than the (test-short) deadline allows.
    let head = b"GET /ws HTTP/1.1\r\nHost: x\r\n";
    let mut dropped = false;
    for byte in head {
        if slow.write_all(&[*byte]).await.is_err() {
            dropped = true;
            break;
        }
        probe.answered("slowloris, one byte at a time").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut buf = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(10), slow.read(&mut buf)).await
        {
            dropped = true;
            break;
        }
    }
    assert!(dropped, "the slowloris got through its whole head");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(PATIENCE, silent.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the silent connection was closed");
    probe.answered("after both were dropped").await;
    relay.stop().await;
}

#[tokio::test]
async fn a_full_room_refuses_the_next_member_and_keeps_serving() {
    let (relay, mut probe) = relay_with_probe(Limits {
        max_members: 2,
        ..limits()
    })
    .await;
    let mut members = Vec::new();
    for _ in 0..2 {
        let mut s = connect(&relay).await;
        join(&mut s, room(1)).await;
        members.push(s);
    }
    let mut extra = connect(&relay).await;
    send(
        &mut extra,
        ClientFrame::Join {
            version: wire::WIRE_VERSION,
            room: room(1),
        },
    )
    .await;
    probe.answered("a room at its member limit").await;
    expect_error(&mut extra, ErrorCode::RoomFull).await;
    ping(&mut members[0], 1).await;
    relay.stop().await;
}

#[tokio::test]
async fn a_slow_consumer_is_cut_off_while_others_are_served() {
    let (relay, mut probe) = relay_with_probe(Limits {
        queue_frames: 8,
        queue_bytes: 256 * 1024,
        ..limits()
    })
    .await;
    let mut sender = connect(&relay).await;
    let mut slow = connect(&relay).await;
    join(&mut sender, room(1)).await;
    let (slow_id, _) = join(&mut slow, room(1)).await;
    assert_eq!(frame(&mut sender).await, RelayFrame::Joined(slow_id));
    // The slow member never reads; the sender floods until the relay reports it gone.
    let payload = vec![1u8; 16 * 1024];
    for round in 0u32.. {
        for _ in 0..64 {
            send(&mut sender, ClientFrame::Broadcast { payload: &payload }).await;
        }
        probe.answered("a consumer that never reads").await;
        send(&mut sender, ClientFrame::Ping { nonce: round }).await;
        match frame(&mut sender).await {
            RelayFrame::Left(id) if id == slow_id => break,
            RelayFrame::Pong { nonce } if nonce == round => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(round < 1_000, "the slow consumer was never cut off");
    }
    probe.answered("after the slow consumer was cut off").await;
    relay.stop().await;
}

#[tokio::test]
async fn an_upgrade_from_another_origin_is_forbidden_while_others_are_served() {
    use std::io::{Read, Write};
    let (relay, mut probe) = relay_with_probe(limits()).await;
    let addr = relay.addr;
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /ws HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://evil.example\r\n\
             Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        .unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut buf = [0u8; 256];
        let n = stream.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    probe.answered("an upgrade from another Origin").await;
    let answer = answer.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    relay.stop().await;
}

#[tokio::test]
async fn a_tls_handshake_that_stalls_is_dropped_while_others_are_served() {
    let data = tempfile::tempdir().unwrap();
    let relay = TestRelay::start_tls(limits(), data.path()).await;
    // The probe speaks plain HTTP to the same relay; the attacker stalls on its HTTPS port.
    let mut probe = Probe::join(&relay).await;
    let mut tls = tokio::net::TcpStream::connect(relay.https.unwrap())
        .await
        .unwrap();
    // The first bytes of a ClientHello record, and then nothing.
    tls.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    probe.answered("a TLS handshake stalled mid-way").await;
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(PATIENCE, tls.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
    probe
        .answered("after the stalled handshake was dropped")
        .await;
    relay.stop().await;
}

/// Sends one fragment of a binary message: the first when `first`, the last when `last`.
async fn fragment(socket: &mut Socket, bytes: &[u8], first: bool, last: bool) {
    let opcode = OpCode::Data(if first { Data::Binary } else { Data::Continue });
    let frame = Frame::message(bytes.to_vec(), opcode, last);
    socket.send(Message::Frame(frame)).await.unwrap();
}

#[tokio::test]
async fn a_message_left_unfinished_is_refused_at_its_deadline_while_others_are_served() {
    // Pings every 500 ms and a deadline of 2 s: the attacker outlives several pings first.
    let limits = Limits {
        ping_interval: Duration::from_millis(500),
        message_deadline: Duration::from_secs(2),
        ..limits()
    };
    let (relay, mut probe) = relay_with_probe(limits.clone()).await;
    let mut attacker = connect(&relay).await;
    join(&mut attacker, room(1)).await;
    let broadcast = ClientFrame::Broadcast {
        payload: &[7; 60_000],
    }
    .encode();
    // The first half of a message, and then only the pongs tungstenite sends as it reads, in a
    // task of its own so that they are never late.
    fragment(&mut attacker, &broadcast[..30_000], true, false).await;
    let started = Instant::now();
    let mut attack = tokio::spawn(async move {
        let got = next(&mut attacker).await;
        (got, next(&mut attacker).await)
    });
    let (got, then) = loop {
        probe
            .answered("a message left unfinished, pings answered")
            .await;
        let done = tokio::time::timeout(Duration::from_millis(100), &mut attack).await;
        if let Ok(result) = done {
            break result.unwrap();
        }
        // The attacker's reads never time out on their own: the relay's pings keep arriving.
        assert!(started.elapsed() < PATIENCE, "the message was held open");
    };
    // ERROR 1, not the bare close of an unanswered ping: the deadline ended it.
    assert_eq!(
        got,
        Got::Frame(RelayFrame::Error(ErrorCode::Malformed).encode().unwrap())
    );
    assert!(matches!(then, Got::Closed(_)), "{then:?}");
    // Its clock started when the relay read the fragment, a little before `started`.
    assert!(started.elapsed() >= limits.message_deadline / 2);
    probe.answered("after the unfinished message").await;
    relay.stop().await;
}

#[tokio::test]
async fn fragmented_messages_finished_within_the_deadline_are_forwarded() {
    // Pings at the test default (20 s): these members do not read while they wait.
    let limits = Limits {
        message_deadline: Duration::from_secs(1),
        ..limits()
    };
    let relay = TestRelay::start(limits.clone()).await;
    let mut sender = connect(&relay).await;
    let mut receiver = connect(&relay).await;
    let (sender_id, _) = join(&mut sender, room(1)).await;
    join(&mut receiver, room(1)).await;
    // Two messages of three fragments, each taking 60 % of the deadline: together longer than
    // one deadline, so the clock must start again for the second.
    let pause = limits.message_deadline * 3 / 10;
    for round in 0..2u8 {
        let payload = vec![round; 3_000];
        let bytes = ClientFrame::Broadcast { payload: &payload }.encode();
        fragment(&mut sender, &bytes[..1_000], true, false).await;
        tokio::time::sleep(pause).await;
        fragment(&mut sender, &bytes[1_000..2_000], false, false).await;
        tokio::time::sleep(pause).await;
        fragment(&mut sender, &bytes[2_000..], false, true).await;
        match frame(&mut receiver).await {
            RelayFrame::Deliver { from, payload: got } => {
                assert_eq!(from, sender_id);
                assert_eq!(got, &payload[..]);
            }
            other => panic!("expected DELIVER, got {other:?}"),
        }
    }
    ping(&mut sender, 1).await;
    relay.stop().await;
}
