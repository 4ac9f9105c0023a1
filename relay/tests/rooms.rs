//! Rooms over WebSocket (PROTOCOL.md A), against a real relay on 127.0.0.1: the happy path, every
//! ERROR code, and the limits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::*;
use futures_util::SinkExt;
use relay::Limits;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use wire::{ClientFrame, ErrorCode, MemberId, RelayFrame};

#[tokio::test]
async fn two_members_exchange_broadcast_and_send_to() {
    let relay = TestRelay::start(limits()).await;
    let mut a = connect(&relay).await;
    let mut b = connect(&relay).await;
    let (a_id, others) = join(&mut a, room(1)).await;
    assert!(others.is_empty());
    let (b_id, others) = join(&mut b, room(1)).await;
    assert_eq!(others, vec![a_id]);
    assert_eq!(frame(&mut a).await, RelayFrame::Joined(b_id));

    send(
        &mut a,
        ClientFrame::Broadcast {
            payload: b"to everyone",
        },
    )
    .await;
    assert_eq!(
        frame(&mut b).await,
        RelayFrame::Deliver {
            from: a_id,
            payload: b"to everyone"
        }
    );
    send(
        &mut b,
        ClientFrame::SendTo {
            to: a_id,
            payload: b"just you",
        },
    )
    .await;
    assert_eq!(
        frame(&mut a).await,
        RelayFrame::Deliver {
            from: b_id,
            payload: b"just you"
        }
    );
    // An unknown recipient is dropped without an error; the connection stays usable.
    let nobody = MemberId(a_id.0 ^ b_id.0 ^ 0x5a5a_5a5a);
    send(
        &mut b,
        ClientFrame::SendTo {
            to: nobody,
            payload: b"lost",
        },
    )
    .await;
    ping(&mut b, 42).await;

    b.close(None).await.unwrap();
    assert_eq!(frame(&mut a).await, RelayFrame::Left(b_id));
    relay.stop().await;
}

#[tokio::test]
async fn rooms_are_separate_and_broadcast_skips_the_sender() {
    let relay = TestRelay::start(limits()).await;
    let mut a = connect(&relay).await;
    let mut b = connect(&relay).await;
    let mut other = connect(&relay).await;
    let (a_id, _) = join(&mut a, room(1)).await;
    join(&mut b, room(1)).await;
    join(&mut other, room(2)).await;
    assert!(matches!(frame(&mut a).await, RelayFrame::Joined(_)));
    send(&mut a, ClientFrame::Broadcast { payload: b"x" }).await;
    assert_eq!(
        frame(&mut b).await,
        RelayFrame::Deliver {
            from: a_id,
            payload: b"x"
        }
    );
    // Neither the sender nor another room's member gets it: their next frame is their PONG.
    ping(&mut a, 1).await;
    send(&mut other, ClientFrame::Ping { nonce: 2 }).await;
    assert_eq!(frame(&mut other).await, RelayFrame::Pong { nonce: 2 });
    relay.stop().await;
}

#[tokio::test]
async fn error_1_for_a_frame_before_join() {
    let relay = TestRelay::start(limits()).await;
    let mut s = connect(&relay).await;
    send(&mut s, ClientFrame::Broadcast { payload: b"early" }).await;
    expect_error(&mut s, ErrorCode::Malformed).await;
    relay.stop().await;
}

#[tokio::test]
async fn error_1_for_a_second_join() {
    let relay = TestRelay::start(limits()).await;
    let mut s = connect(&relay).await;
    join(&mut s, room(1)).await;
    send(
        &mut s,
        ClientFrame::Join {
            version: 1,
            room: room(1),
        },
    )
    .await;
    expect_error(&mut s, ErrorCode::Malformed).await;
    relay.stop().await;
}

#[tokio::test]
async fn error_1_for_unknown_types_and_truncated_frames() {
    let relay = TestRelay::start(limits()).await;
    for bad in [
        vec![0x09, 1, 2, 3],
        vec![0x01, 0x01, 0xaa],
        vec![],
        vec![0x04, 0, 0],
    ] {
        let mut s = connect(&relay).await;
        send_raw(&mut s, bad.clone()).await;
        expect_error(&mut s, ErrorCode::Malformed).await;
    }
    // The same after JOIN: a truncated SEND_TO and an unknown type.
    for bad in [vec![0x03, 0, 0], vec![0x7f]] {
        let mut s = connect(&relay).await;
        join(&mut s, room(3)).await;
        send_raw(&mut s, bad).await;
        expect_error(&mut s, ErrorCode::Malformed).await;
    }
    relay.stop().await;
}

#[tokio::test]
async fn error_1_when_no_join_arrives_before_the_deadline() {
    let relay = TestRelay::start(limits()).await;
    let mut s = connect(&relay).await;
    // Say nothing: the relay gives up at its (test-short) deadline.
    expect_error(&mut s, ErrorCode::Malformed).await;
    relay.stop().await;
}

#[tokio::test]
async fn error_2_when_the_room_is_full() {
    let relay = TestRelay::start(Limits {
        max_members: 2,
        ..limits()
    })
    .await;
    let mut a = connect(&relay).await;
    let mut b = connect(&relay).await;
    let mut c = connect(&relay).await;
    join(&mut a, room(1)).await;
    join(&mut b, room(1)).await;
    send(
        &mut c,
        ClientFrame::Join {
            version: 1,
            room: room(1),
        },
    )
    .await;
    expect_error(&mut c, ErrorCode::RoomFull).await;
    // Another room still works.
    let mut d = connect(&relay).await;
    join(&mut d, room(2)).await;
    relay.stop().await;
}

#[tokio::test]
async fn error_3_for_an_oversized_payload() {
    let relay = TestRelay::start(Limits {
        max_payload: 1_000,
        ..limits()
    })
    .await;
    let mut a = connect(&relay).await;
    join(&mut a, room(1)).await;
    send(
        &mut a,
        ClientFrame::Broadcast {
            payload: &[7; 1_000],
        },
    )
    .await;
    ping(&mut a, 1).await;
    send(
        &mut a,
        ClientFrame::Broadcast {
            payload: &[7; 1_001],
        },
    )
    .await;
    expect_error(&mut a, ErrorCode::PayloadTooLarge).await;

    let mut b = connect(&relay).await;
    join(&mut b, room(1)).await;
    let to = MemberId(1);
    send(
        &mut b,
        ClientFrame::SendTo {
            to,
            payload: &[7; 1_001],
        },
    )
    .await;
    expect_error(&mut b, ErrorCode::PayloadTooLarge).await;
    relay.stop().await;
}

#[tokio::test]
async fn error_5_past_the_per_address_cap_and_the_room_cap() {
    let relay = TestRelay::start(Limits {
        max_per_ip: Some(2),
        max_rooms: 1,
        ..limits()
    })
    .await;
    let mut a = connect(&relay).await;
    join(&mut a, room(1)).await;
    let mut b = connect(&relay).await;
    send(
        &mut b,
        ClientFrame::Join {
            version: 1,
            room: room(2),
        },
    )
    .await;
    expect_error(&mut b, ErrorCode::AtCapacity).await;
    drop(b);
    // Give the relay a moment to count b's connection as closed, then fill the address cap.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _b = connect(&relay).await;
    let mut c = connect(&relay).await;
    expect_error(&mut c, ErrorCode::AtCapacity).await;
    // The member already in is unaffected.
    ping(&mut a, 9).await;
    relay.stop().await;
}

#[tokio::test]
async fn error_6_for_an_unknown_wire_version() {
    let relay = TestRelay::start(limits()).await;
    let mut s = connect(&relay).await;
    send(
        &mut s,
        ClientFrame::Join {
            version: 2,
            room: room(1),
        },
    )
    .await;
    expect_error(&mut s, ErrorCode::UnsupportedVersion).await;
    relay.stop().await;
}

#[tokio::test]
async fn text_frames_close_with_1003() {
    let relay = TestRelay::start(limits()).await;
    let mut s = connect(&relay).await;
    join(&mut s, room(1)).await;
    s.send(Message::text("hello")).await.unwrap();
    assert_eq!(
        next(&mut s).await,
        Got::Closed(Some(CloseCode::Unsupported))
    );
    relay.stop().await;
}

#[tokio::test]
async fn shutdown_closes_members_with_1001() {
    let relay = TestRelay::start(limits()).await;
    let mut s = connect(&relay).await;
    join(&mut s, room(1)).await;
    let stopping = tokio::spawn(relay.stop());
    assert_eq!(next(&mut s).await, Got::Closed(Some(CloseCode::Away)));
    stopping.await.unwrap();
}

fn raw_upgrade(addr: std::net::SocketAddr, origin: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /ws HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"
    )
    .unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf).unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn origin_must_match_host_and_compression_is_never_negotiated() {
    let relay = TestRelay::start(limits()).await;
    let addr = relay.addr;
    let forbidden = tokio::task::spawn_blocking(move || raw_upgrade(addr, "http://evil.example"))
        .await
        .unwrap();
    assert!(forbidden.starts_with("HTTP/1.1 403"), "{forbidden}");
    let origin = format!("http://{addr}");
    let accepted = tokio::task::spawn_blocking(move || raw_upgrade(addr, &origin))
        .await
        .unwrap();
    assert!(accepted.starts_with("HTTP/1.1 101"), "{accepted}");
    assert!(
        accepted.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        "RFC 6455 accept key"
    );
    assert!(!accepted.to_ascii_lowercase().contains("permessage-deflate"));
    relay.stop().await;
}

#[tokio::test]
async fn relay_info_on_a_loopback_relay_lists_the_loopback_origin() {
    let relay = TestRelay::start(limits()).await;
    let addr = relay.addr;
    let body = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET /relay-info HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    })
    .await
    .unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    let json = body.split("\r\n\r\n").nth(1).unwrap();
    assert!(
        json.contains(&format!("\"origins\":[\"http://{addr}\"]")),
        "{json}"
    );
    assert!(json.contains("\"max_file_size\":4294967296"), "{json}");
    relay.stop().await;
}

#[tokio::test]
async fn a_request_head_that_never_completes_is_dropped_at_the_deadline() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let relay = TestRelay::start(limits()).await;
    let mut tcp = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x").await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the relay closed the slowloris connection");
    relay.stop().await;
}

#[tokio::test]
async fn a_member_that_stops_answering_pings_is_closed_and_others_see_it_leave() {
    let relay = TestRelay::start(Limits {
        ping_interval: Duration::from_millis(200),
        ..limits()
    })
    .await;
    let mut quiet = connect(&relay).await;
    let mut watcher = connect(&relay).await;
    let (quiet_id, _) = join(&mut quiet, room(1)).await;
    join(&mut watcher, room(1)).await;
    // The watcher answers pings (it is being read); the quiet one is not read, so its pongs
    // never go out, and after an unanswered ping the relay gives up on it.
    let left = async {
        loop {
            if let RelayFrame::Left(id) = frame(&mut watcher).await {
                return id;
            }
        }
    };
    assert_eq!(left.await, quiet_id);
    while let Got::Frame(_) = next(&mut quiet).await {}
    relay.stop().await;
}

#[tokio::test]
async fn rate_limit_slows_a_flood_down_without_closing_it() {
    let relay = TestRelay::start(Limits {
        rate_frames: 20,
        ..limits()
    })
    .await;
    let mut s = connect(&relay).await;
    join(&mut s, room(1)).await;
    let started = std::time::Instant::now();
    // 40 frames against a 20/s bucket holding 40 (2 s burst) pass at once; the next 20 take a
    // second to be read, which is backpressure, not an error.
    for nonce in 0..60 {
        send(&mut s, ClientFrame::Ping { nonce }).await;
    }
    for nonce in 0..60 {
        assert_eq!(frame(&mut s).await, RelayFrame::Pong { nonce });
    }
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "the relay read the flood faster than its rate: {:?}",
        started.elapsed()
    );
    relay.stop().await;
}

#[tokio::test]
async fn a_connection_that_never_sends_a_byte_is_dropped_at_the_deadline() {
    use tokio::io::AsyncReadExt;
    let relay = TestRelay::start(limits()).await;
    let mut tcp = tokio::net::TcpStream::connect(relay.addr).await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(PATIENCE, tcp.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the relay closed the silent connection");
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_is_always_the_first_frame_even_while_the_room_is_busy() {
    let relay = TestRelay::start(limits()).await;
    let mut busy = connect(&relay).await;
    join(&mut busy, room(1)).await;
    let flooding = tokio::spawn(async move {
        for _ in 0..2_000 {
            send(
                &mut busy,
                ClientFrame::Broadcast {
                    payload: b"traffic",
                },
            )
            .await;
        }
        busy
    });
    for _ in 0..20 {
        let mut newcomer = connect(&relay).await;
        send(
            &mut newcomer,
            ClientFrame::Join {
                version: 1,
                room: room(1),
            },
        )
        .await;
        assert!(
            matches!(frame(&mut newcomer).await, RelayFrame::Welcome { .. }),
            "nothing may overtake WELCOME"
        );
    }
    flooding.await.unwrap();
    relay.stop().await;
}
