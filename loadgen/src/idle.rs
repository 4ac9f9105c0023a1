//! Connections that join a room and then say nothing: what each one costs the relay in memory.

use std::time::Duration;

use futures_util::StreamExt;
use serde::Serialize;
use tokio::time::Instant;

use crate::target::Target;
use crate::usage;

/// Connections opened at once.
const CONNECT_CONCURRENCY: usize = 128;

/// What to run.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Connections to open and hold.
    pub connections: u32,
    /// Members per room.
    pub room_size: u32,
    /// How long to wait, once all are open, before reading the relay's memory.
    pub settle: Duration,
    /// The relay's process.
    pub server_pid: Option<u32>,
}

/// What a run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Connections asked for.
    pub requested: u32,
    /// Connections open and joined when the memory was read.
    pub held: u32,
    /// Connections the relay refused or closed.
    pub failed: u32,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// Seconds to open them all.
    pub connect_s: f64,
    /// The relay's resident memory before the first connection.
    pub rss_kib_before: Option<u64>,
    /// And with all of them open.
    pub rss_kib_after: Option<u64>,
    /// The difference, per connection held.
    pub bytes_per_connection: Option<f64>,
}

/// Runs the scenario against `target`.
pub async fn run(target: &Target, spec: &Spec) -> anyhow::Result<Report> {
    anyhow::ensure!(spec.room_size >= 1, "rooms need members");
    let before = spec.server_pid.and_then(usage::sample);
    let started = Instant::now();
    let outcomes: Vec<_> = futures_util::stream::iter(0..spec.connections)
        .map(|index| {
            let target = target.clone();
            async move { target.connect(index / spec.room_size).await }
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .collect()
        .await;
    let connect_s = started.elapsed().as_secs_f64();
    let mut readers = Vec::new();
    let mut first_error = None;
    for outcome in outcomes {
        match outcome {
            // Reading keeps the relay's pings answered; nothing else arrives but presence.
            Ok((socket, _)) => readers.push(tokio::spawn(async move {
                let (_sink, mut stream) = socket.split();
                while let Some(Ok(_)) = stream.next().await {}
            })),
            Err(e) => {
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    tokio::time::sleep(spec.settle).await;
    let after = spec.server_pid.and_then(usage::sample);
    let held = readers.iter().filter(|r| !r.is_finished()).count();
    let held = u32::try_from(held).unwrap_or(u32::MAX);
    for reader in &readers {
        reader.abort();
    }
    let bytes_per_connection = before.zip(after).and_then(|(b, a)| {
        (held > 0).then(|| (a.rss_kib as f64 - b.rss_kib as f64) * 1024.0 / f64::from(held))
    });
    Ok(Report {
        requested: spec.connections,
        held,
        failed: spec.connections - held,
        first_error,
        connect_s,
        rss_kib_before: before.map(|s| s.rss_kib),
        rss_kib_after: after.map(|s| s.rss_kib),
        bytes_per_connection,
    })
}
