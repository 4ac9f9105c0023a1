//! The relay under load and abuse: many connections at once, and a receiver that never reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use relay::Limits;
use wire::{ClientFrame, RelayFrame};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_concurrent_connections_in_500_rooms() {
    const CONNECTIONS: usize = 2_000;
    const ROOM_SIZE: usize = 4;
    let relay = TestRelay::start(Limits {
        max_per_ip: None,
        ..limits()
    })
    .await;
    let mut sockets = Vec::with_capacity(CONNECTIONS);
    for i in 0..CONNECTIONS {
        let mut s = connect(&relay).await;
        let room_no = (i / ROOM_SIZE) as u32;
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&room_no.to_be_bytes());
        join(&mut s, wire::RoomId(id)).await;
        sockets.push(s);
    }
    // The first member of every room broadcasts; each of the other three gets it after the
    // JOINED notices of those who came after it.
    for room in sockets.chunks_mut(ROOM_SIZE) {
        send(
            &mut room[0],
            ClientFrame::Broadcast {
                payload: b"hello room",
            },
        )
        .await;
    }
    for room in sockets.chunks_mut(ROOM_SIZE) {
        for member in &mut room[1..] {
            loop {
                match frame(member).await {
                    RelayFrame::Joined(_) => continue,
                    RelayFrame::Deliver { payload, .. } => {
                        assert_eq!(payload, b"hello room");
                        break;
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
    }
    relay.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_receiver_is_cut_off_while_others_keep_receiving_and_memory_stays_flat() {
    const CHUNK: usize = 60 * 1024;
    const FRAMES: usize = 1_500; // about 88 MiB through the relay
    let process = RelayProcess::spawn(false, &["--queue-frames", "64", "--queue-bytes", "1048576"]);
    let relay = TestRelay::external(process.http);

    let mut sender = connect(&relay).await;
    let mut slow = connect(&relay).await;
    let mut reader = connect(&relay).await;
    join(&mut sender, room(1)).await;
    let (slow_id, _) = join(&mut slow, room(1)).await;
    join(&mut reader, room(1)).await;
    // Drain the JOINED notices so the sender's socket stays clear.
    assert!(matches!(frame(&mut sender).await, RelayFrame::Joined(_)));
    assert!(matches!(frame(&mut sender).await, RelayFrame::Joined(_)));

    let before = process.rss_kib();
    let payload = vec![0xabu8; CHUNK];
    // The sender stays at most WINDOW frames ahead of the reading member (as file transfers do
    // with their acks), so only the member that never reads falls behind.
    const WINDOW: usize = 8;
    let window = std::sync::Arc::new(tokio::sync::Semaphore::new(WINDOW));
    let credit = window.clone();
    let reading = tokio::spawn(async move {
        let (mut delivered, mut saw_slow_leave) = (0, false);
        while delivered < FRAMES || !saw_slow_leave {
            match frame(&mut reader).await {
                RelayFrame::Deliver { payload, .. } => {
                    assert_eq!(payload.len(), CHUNK);
                    delivered += 1;
                    credit.add_permits(1);
                }
                RelayFrame::Left(id) if id == slow_id => saw_slow_leave = true,
                other => panic!("unexpected {other:?}"),
            }
        }
        delivered
    });
    let mut peak = before;
    for i in 0..FRAMES {
        window.acquire().await.unwrap().forget();
        send(&mut sender, ClientFrame::Broadcast { payload: &payload }).await;
        if i % 100 == 0 {
            peak = peak.max(process.rss_kib());
        }
    }
    assert_eq!(
        reading.await.unwrap(),
        FRAMES,
        "the reading member got everything"
    );
    // The sender was never cut off: it still gets its PONG.
    ping(&mut sender, 7).await;
    // The slow member's connection was closed by the relay; what it had buffered ends in a close.
    while let Got::Frame(_) = next(&mut slow).await {}
    let growth = peak.saturating_sub(before);
    eprintln!("relay RSS: {before} KiB before, {peak} KiB peak");
    assert!(
        growth < 32 * 1024,
        "relay RSS grew by {growth} KiB while ~{} MiB went through",
        (FRAMES * CHUNK) >> 20
    );
}

/// Opens `n` idle members (rooms of four) and returns the relay's RSS growth per connection.
async fn idle_cost_kib(
    process: &RelayProcess,
    n: usize,
    tls: Option<&tokio_rustls::TlsConnector>,
) -> f64 {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let before = process.rss_kib();
    let mut plain = Vec::new();
    let mut secure = Vec::new();
    for i in 0..n {
        let mut id = [0u8; 16];
        id[..8].copy_from_slice(&((i / 4) as u64).to_be_bytes());
        let room = wire::RoomId(id);
        let join = ClientFrame::Join { version: 1, room }.encode();
        match tls {
            None => {
                let mut s = connect(&TestRelay::external(process.http)).await;
                send_raw(&mut s, join).await;
                plain.push(s);
            }
            Some(connector) => {
                use futures_util::SinkExt;
                let addr = process.https.unwrap();
                let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
                let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
                let stream = connector.connect(name, tcp).await.unwrap();
                let mut request = format!("wss://{addr}/ws").into_client_request().unwrap();
                request
                    .headers_mut()
                    .insert("origin", format!("https://{addr}").parse().unwrap());
                let (mut s, _) = tokio_tungstenite::client_async(request, stream)
                    .await
                    .unwrap();
                s.send(tokio_tungstenite::tungstenite::Message::Binary(join.into()))
                    .await
                    .unwrap();
                secure.push(s);
            }
        }
    }
    // Let the relay settle: every JOIN handled, every WELCOME written.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after = process.rss_kib();
    after.saturating_sub(before) as f64 / n as f64
}

fn trusting(dir: &std::path::Path) -> tokio_rustls::TlsConnector {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let pem = std::fs::read(dir.join("ca.crt.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(&pem).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
}

/// PROTOCOL.md A: an idle connection's memory stays small. Measured as the relay process's RSS
/// growth over 1,000 idle members; the bounds are the design targets (8 KiB plain, 16 KiB TLS).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_stay_small() {
    const N: usize = 1_000;
    let plain = RelayProcess::spawn(false, &["--max-per-ip", "0"]);
    // Warm up allocator arenas and the runtime before measuring.
    let _ = idle_cost_kib(&plain, 50, None).await;
    let per_plain = idle_cost_kib(&plain, N, None).await;

    let tls = RelayProcess::spawn(true, &["--max-per-ip", "0"]);
    let connector = trusting(tls.data_dir.path());
    let _ = idle_cost_kib(&tls, 50, Some(&connector)).await;
    let per_tls = idle_cost_kib(&tls, N, Some(&connector)).await;
    eprintln!("idle memory per connection: {per_plain:.1} KiB plain, {per_tls:.1} KiB TLS");
    assert!(per_plain <= 8.0, "{per_plain:.1} KiB per plain connection");
    assert!(per_tls <= 16.0, "{per_tls:.1} KiB per TLS connection");
}

/// ERROR 7: a receiver that stops reading is cut off once its queue overflows, and if it reads
/// again soon enough it learns why before the close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_7_tells_a_briefly_slow_receiver_why_it_was_cut_off() {
    let relay = TestRelay::start(Limits {
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
    // Flood until the relay reports the slow member gone (the sender reads its own socket).
    let payload = vec![1u8; 16 * 1024];
    let mut sent = 0;
    'flood: loop {
        for _ in 0..64 {
            send(&mut sender, ClientFrame::Broadcast { payload: &payload }).await;
            sent += 1;
        }
        send(&mut sender, ClientFrame::Ping { nonce: sent }).await;
        // The sender gets nothing but its PONG, or the slow member's LEFT before it.
        match frame(&mut sender).await {
            RelayFrame::Left(id) if id == slow_id => break 'flood,
            RelayFrame::Pong { nonce } if nonce == sent => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(sent < 100_000, "the slow receiver was never cut off");
    }
    // Now read: what the kernel buffered, then ERROR 7, then the close.
    let mut last = None;
    while let Got::Frame(bytes) = next(&mut slow).await {
        last = Some(bytes);
    }
    let last = last.expect("frames before the close");
    assert_eq!(
        RelayFrame::decode(&last).unwrap(),
        RelayFrame::Error(wire::ErrorCode::TooSlow)
    );
    relay.stop().await;
}

/// A receiver that keeps up and then stalls mid-stream: every frame it reads is the next one,
/// whether the sender's task wrote it straight to the socket (while the receiver kept up) or the
/// receiver's writer did (once it fell behind), until ERROR 7 and the close. Never a gap in a
/// stream that goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_stalls_mid_stream_gets_every_frame_in_order_then_error_7() {
    let relay = TestRelay::start(Limits {
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
    let numbered = |n: u32| {
        let mut payload = vec![0u8; 16 * 1024];
        payload[..4].copy_from_slice(&n.to_be_bytes());
        payload
    };
    let number = |bytes: &[u8]| match RelayFrame::decode(bytes).unwrap() {
        RelayFrame::Deliver { payload, .. } => {
            Some(u32::from_be_bytes(payload[..4].try_into().unwrap()))
        }
        RelayFrame::Error(wire::ErrorCode::TooSlow) => None,
        other => panic!("unexpected {other:?}"),
    };
    // Keeping up: each frame is read before the next is sent.
    const KEPT_UP: u32 = 200;
    for n in 0..KEPT_UP {
        send(
            &mut sender,
            ClientFrame::Broadcast {
                payload: &numbered(n),
            },
        )
        .await;
        let Got::Frame(bytes) = next(&mut slow).await else {
            panic!("closed while keeping up")
        };
        assert_eq!(number(&bytes), Some(n));
    }
    // Stalled: the sender floods until the relay reports the slow member gone.
    let mut sent = KEPT_UP;
    'flood: loop {
        for _ in 0..64 {
            send(
                &mut sender,
                ClientFrame::Broadcast {
                    payload: &numbered(sent),
                },
            )
            .await;
            sent += 1;
        }
        send(&mut sender, ClientFrame::Ping { nonce: sent }).await;
        match frame(&mut sender).await {
            RelayFrame::Left(id) if id == slow_id => break 'flood,
            RelayFrame::Pong { nonce } if nonce == sent => {}
            other => panic!("unexpected {other:?}"),
        }
        assert!(sent < 100_000, "the slow receiver was never cut off");
    }
    // Reading again: the frames that got through, each the next, then ERROR 7, then the close.
    let mut expected = KEPT_UP;
    loop {
        let Got::Frame(bytes) = next(&mut slow).await else {
            panic!("closed before ERROR 7, after frame {expected}")
        };
        match number(&bytes) {
            Some(n) => {
                assert_eq!(n, expected, "a gap in the stream");
                expected += 1;
            }
            None => break,
        }
    }
    assert!(expected < sent, "cut off, so some frames never came");
    assert!(matches!(next(&mut slow).await, Got::Closed(_)));
    relay.stop().await;
}
