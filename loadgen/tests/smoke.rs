//! The generator against a real relay on 127.0.0.1, with a few messages: every scenario runs,
//! counts what it should and reads the relay's usage. No timing is asserted.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Duration;

use loadgen::target::{Protocol, Target};
use loadgen::{fanout, idle, slow};
use relay::{Config, Limits, Listeners};
use tokio::net::TcpListener;

struct Relay {
    http: SocketAddr,
    https: SocketAddr,
    ca_pem: Vec<u8>,
    _dir: tempfile::TempDir,
}

async fn relay(limits: Limits) -> Relay {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<title>t</title>").unwrap();
    let names = vec!["127.0.0.1".to_owned()];
    let tls = relay::tls::load_or_create(dir.path(), &names).unwrap();
    let ca_pem = tls.ca_pem.clone().into_bytes();
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let https = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http_addr, https_addr) = (http.local_addr().unwrap(), https.local_addr().unwrap());
    let config = Config {
        dist: dir.path().to_path_buf(),
        data_dir: dir.path().to_path_buf(),
        advertise: Vec::new(),
        limits,
        max_file_size: wire::limits::MAX_FILE_SIZE,
    };
    let listeners = Listeners {
        http,
        https: Some((https, tls)),
    };
    tokio::spawn(relay::run(listeners, config, std::future::pending()));
    Relay {
        http: http_addr,
        https: https_addr,
        ca_pem,
        _dir: dir,
    }
}

fn small_fanout() -> fanout::Spec {
    fanout::Spec {
        rooms: 2,
        members: 3,
        senders: 2,
        rate: 40.0,
        size: 256,
        warmup: Duration::from_millis(200),
        duration: Duration::from_secs(1),
        // Generous: the last messages must arrive within it on a busy machine.
        drain: Duration::from_secs(3),
        server_pid: Some(std::process::id()),
    }
}

fn check_fanout(report: &fanout::Report, spec: &fanout::Spec) {
    let senders = u64::from(spec.rooms * spec.senders);
    // 40 a second for one second each, give or take the window's edges.
    assert!(
        (senders * 38..=senders * 42).contains(&report.sent),
        "{report:?}"
    );
    assert_eq!(report.send_errors, 0, "{report:?}");
    assert_eq!(report.expected, report.sent * u64::from(spec.members - 1));
    assert_eq!(
        report.delivered, report.expected,
        "the relay lost messages: {report:?}"
    );
    assert!(report.latency_us.p50 > 0 && report.latency_us.max >= report.latency_us.p99);
    let server = report.server.expect("the process's usage was read");
    assert!(server.rss_kib_end > 0, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_counts_every_delivery_with_and_without_tls() {
    let relay = relay(Limits::default()).await;
    let spec = small_fanout();
    let plain = Target::new(Protocol::Cutout, relay.http, None).unwrap();
    check_fanout(&fanout::run(&plain, &spec).await.unwrap(), &spec);
    let tls = Target::new(Protocol::Cutout, relay.https, Some(&relay.ca_pem)).unwrap();
    check_fanout(&fanout::run(&tls, &spec).await.unwrap(), &spec);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_held_and_refusals_counted() {
    let limits = Limits {
        max_per_ip: Some(30),
        ..Limits::default()
    };
    let relay = relay(limits.clone()).await;
    let target = Target::new(Protocol::Cutout, relay.http, None).unwrap();
    let mut spec = idle::Spec {
        connections: 24,
        room_size: 4,
        settle: Duration::from_millis(200),
        server_pid: Some(std::process::id()),
    };
    let report = idle::run(&target, &spec).await.unwrap();
    assert_eq!((report.held, report.failed), (24, 0), "{report:?}");
    assert!(report.bytes_per_connection.is_some(), "{report:?}");
    // A fresh relay, so no connection of the first run still counts: 40 pass its cap of 30.
    let relay = self::relay(limits).await;
    let target = Target::new(Protocol::Cutout, relay.http, None).unwrap();
    spec.connections = 40;
    let report = idle::run(&target, &spec).await.unwrap();
    assert_eq!(report.held, 30, "{report:?}");
    assert_eq!(report.failed, 10, "{report:?}");
    assert!(report.first_error.is_some(), "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_receiver_is_cut_off_while_the_other_gets_everything() {
    let limits = Limits {
        queue_bytes: 256 * 1024,
        ..Limits::default()
    };
    let relay = relay(limits).await;
    let target = Target::new(Protocol::Cutout, relay.http, None).unwrap();
    let spec = slow::Spec {
        bytes_per_s: 4 * 1024 * 1024,
        size: 64 * 1024,
        duration: Duration::from_secs(2),
        server_pid: Some(std::process::id()),
    };
    let report = slow::run(&target, &spec).await.unwrap();
    assert_eq!(report.sent, 128, "{report:?}");
    assert_eq!(report.healthy_delivered, report.sent, "{report:?}");
    assert_eq!(report.slow_receiver, "cut off", "{report:?}");
    assert!(!report.rss_kib.is_empty(), "{report:?}");
}
