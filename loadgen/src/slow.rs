//! A receiver that never reads while a sender pushes a steady byte rate into its room, next to a
//! receiver that reads: the relay's memory second by second, and what became of both receivers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::stamp::Stamp;
use crate::target::{Protocol, Socket, Target};
use crate::usage;

/// What to run.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Bytes per second the sender pushes.
    pub bytes_per_s: u64,
    /// Payload bytes per message.
    pub size: usize,
    /// How long it pushes.
    pub duration: Duration,
    /// The relay's process.
    pub server_pid: Option<u32>,
}

/// What a run measured.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Messages sent.
    pub sent: u64,
    /// Messages the reading receiver got.
    pub healthy_delivered: u64,
    /// The relay's resident memory once a second, from just before the first send.
    pub rss_kib: Vec<u64>,
    /// Largest minus first of `rss_kib`.
    pub growth_kib: u64,
    /// What happened to the receiver that never read: "cut off" (the relay closed it, with
    /// Cutout's ERROR 7 where it speaks Cutout's protocol) or "open".
    pub slow_receiver: String,
    /// Bytes waiting for the slow receiver when it finally read (socket buffers included).
    pub slow_backlog_bytes: u64,
}

/// Runs the scenario against `target`.
pub async fn run(target: &Target, spec: &Spec) -> anyhow::Result<Report> {
    anyhow::ensure!(
        spec.size >= crate::stamp::LEN && spec.bytes_per_s > 0,
        "a rate and a size"
    );
    let (slow, _) = target.connect(0).await?;
    let (healthy, _) = target.connect(0).await?;
    let (sender, _) = target.connect(0).await?;
    // The sender reads too: a relay that mirrors sends its messages back, and a sender that
    // never read them would be a second slow receiver.
    let (mut sender, mut echoes) = sender.split();
    let echo_reader = tokio::spawn(async move { while let Some(Ok(_)) = echoes.next().await {} });
    let delivered = Arc::new(AtomicU64::new(0));
    let healthy = tokio::spawn(count_delivered(target.clone(), healthy, delivered.clone()));
    let (stop, mut stopped) = watch::channel(false);
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = spec.server_pid;
    let started = Instant::now();
    let sampler = tokio::spawn(async move {
        let mut series = Vec::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stopped.wait_for(|s| *s) => break,
            }
            match pid.and_then(usage::sample) {
                Some(s) => series.push(s.rss_kib),
                None => break,
            }
        }
        series
    });
    let interval = Duration::from_secs_f64(spec.size as f64 / spec.bytes_per_s as f64);
    let mut sent = 0;
    for seq in 0.. {
        let at = started + interval.mul_f64(seq as f64);
        if at >= started + spec.duration {
            break;
        }
        tokio::time::sleep_until(at).await;
        let scheduled_ns = u64::try_from((at - started).as_nanos()).unwrap_or(u64::MAX);
        let stamp = Stamp {
            sender: 2,
            seq,
            scheduled_ns,
            origin_ns: scheduled_ns,
        };
        if sender
            .send(target.broadcast(&stamp.payload(spec.size)))
            .await
            .is_err()
        {
            break;
        }
        sent += 1;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _ = stop.send(true);
    let rss_kib = sampler.await.unwrap_or_default();
    let _ = sender.close().await;
    echo_reader.abort();
    let (slow_receiver, slow_backlog_bytes) = drain(target.protocol, slow).await;
    healthy.abort();
    let healthy_delivered = delivered.load(Ordering::Relaxed);
    let first = rss_kib.first().copied().unwrap_or(0);
    let growth_kib = rss_kib
        .iter()
        .max()
        .copied()
        .unwrap_or(0)
        .saturating_sub(first);
    Ok(Report {
        sent,
        healthy_delivered,
        rss_kib,
        growth_kib,
        slow_receiver,
        slow_backlog_bytes,
    })
}

async fn count_delivered(target: Target, mut socket: Socket, delivered: Arc<AtomicU64>) {
    while let Some(Ok(message)) = socket.next().await {
        if target.delivered(&message).and_then(Stamp::read).is_some() {
            delivered.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Reads what waited for the slow receiver: whether the relay had closed it, and how much.
async fn drain(protocol: Protocol, mut socket: Socket) -> (String, u64) {
    let mut bytes = 0u64;
    loop {
        match tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
            Err(_) => return ("open".into(), bytes),
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => {
                return ("cut off".into(), bytes);
            }
            Ok(Some(Ok(Message::Binary(data)))) => {
                bytes += data.len() as u64;
                let error = protocol == Protocol::Cutout
                    && matches!(
                        wire::RelayFrame::decode(&data),
                        Ok(wire::RelayFrame::Error(_))
                    );
                if error {
                    return ("cut off".into(), bytes);
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
}
