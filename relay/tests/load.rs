//! The relay under load and abuse: many connections at once, and a receiver that never reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

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

/// The relay's resident memory, from /proc.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_receiver_is_cut_off_while_others_keep_receiving_and_memory_stays_flat() {
    const CHUNK: usize = 60 * 1024;
    const FRAMES: usize = 1_500; // about 88 MiB through the relay
    let dist = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<title>t</title>").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_relay"))
        .args([
            "--http",
            "127.0.0.1:0",
            "--https",
            "off",
            "--queue-frames",
            "64",
        ])
        .args(["--queue-bytes", &(1024 * 1024).to_string()])
        .arg("--dist")
        .arg(dist.path())
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let addr = first
        .strip_prefix("listening http ")
        .unwrap()
        .parse()
        .unwrap();
    let relay = TestRelay::external(addr);

    let mut sender = connect(&relay).await;
    let mut slow = connect(&relay).await;
    let mut reader = connect(&relay).await;
    join(&mut sender, room(1)).await;
    let (slow_id, _) = join(&mut slow, room(1)).await;
    join(&mut reader, room(1)).await;
    // Drain the JOINED notices so the sender's socket stays clear.
    assert!(matches!(frame(&mut sender).await, RelayFrame::Joined(_)));
    assert!(matches!(frame(&mut sender).await, RelayFrame::Joined(_)));

    let pid = child.id();
    let before = rss_kib(pid);
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
            peak = peak.max(rss_kib(pid));
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
    child.kill().unwrap();
    let _ = child.wait();
}
