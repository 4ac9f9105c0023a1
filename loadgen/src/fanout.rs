//! Rooms of members, some of whom send on a fixed schedule; everyone counts what reaches them and
//! how late. One room of 50 with one sender, or 250 rooms of 4 with everyone sending, are both
//! this scenario.

use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::stamp::Stamp;
use crate::target::{Socket, Target};
use crate::usage;

/// Connections opened at once while setting up.
const CONNECT_CONCURRENCY: usize = 64;

/// A timer that fires this late at the 99th percentile means the generator, not the relay, is
/// short of CPU. tokio's timers tick in milliseconds, so up to about 1 ms is their normal.
const BEHIND_TIMER_P99: Duration = Duration::from_millis(3);

/// Above this share of one core the generator is too busy to trust its own clock.
const BEHIND_CPU_SHARE: f64 = 0.9;

/// What to run.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Rooms.
    pub rooms: u32,
    /// Members per room.
    pub members: u32,
    /// Members of each room who send (the first ones).
    pub senders: u32,
    /// Messages per second per sender.
    pub rate: f64,
    /// Payload bytes per message.
    pub size: usize,
    /// Sending before the measured window, to let the relay reach a steady state.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// Waiting after the last send for deliveries still under way.
    pub drain: Duration,
    /// The relay's process, for its CPU time and memory.
    pub server_pid: Option<u32>,
}

/// Percentiles of a histogram, in microseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest.
    pub max: u64,
}

impl Percentiles {
    fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        Self {
            p50: h.value_at_quantile(0.5),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }
}

/// The relay's share of the measured window.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ServerUse {
    /// CPU time (user + system) spent in the window.
    pub cpu_us: u64,
    /// That divided by the messages delivered in the window.
    pub cpu_us_per_delivery: f64,
    /// The kernel's part of `cpu_us_per_delivery` (system time): sockets, loopback, wake-ups.
    pub system_us_per_delivery: f64,
    /// Resident memory at the window's start and end.
    pub rss_kib_start: u64,
    /// See `rss_kib_start`.
    pub rss_kib_end: u64,
}

/// What a run measured. Counts cover messages scheduled inside the measured window.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Connections opened.
    pub connections: u32,
    /// Messages sent.
    pub sent: u64,
    /// Messages the schedule called for that could not be sent: the relay closed the sender.
    pub send_errors: u64,
    /// Deliveries the schedule called for (each message to every other member of its room),
    /// whether or not it could be sent.
    pub expected: u64,
    /// Deliveries that arrived.
    pub delivered: u64,
    /// Deliveries per second of the window.
    pub deliveries_per_s: f64,
    /// From the scheduled send time (or, when the generator's timer fired late, from the moment
    /// it fired) to arrival.
    pub latency_us: Percentiles,
    /// How late the generator itself started sends in the window: its timer's lateness, and
    /// any lateness the previous send (held up by the relay) does not explain.
    pub timer_lag_us: Percentiles,
    /// Sends that started late mostly because the previous send was held up by the relay.
    pub blocked_sends: u64,
    /// The generator's CPU use during the window, as a share of one core.
    pub generator_cpu_share: f64,
    /// The generator could not keep its schedule: the run does not count.
    pub behind: bool,
    /// The relay's CPU and memory, when its process was given.
    pub server: Option<ServerUse>,
    /// The relay's resident memory before the connections opened and once the drain after the
    /// last send is over (the connections still open), when its process was given.
    pub rss_kib_before_connect: Option<u64>,
    /// See `rss_kib_before_connect`.
    pub rss_kib_after_drain: Option<u64>,
    /// Their difference per connection: what a member still costs the relay `drain` after the
    /// sending stopped (the idle cost plus whatever the messages left behind).
    pub kib_per_connection_after_drain: Option<f64>,
}

struct Window {
    start: Instant,
    from_ns: u64,
    to_ns: u64,
}

impl Window {
    fn contains(&self, ns: u64) -> bool {
        (self.from_ns..self.to_ns).contains(&ns)
    }
}

/// Runs the scenario against `target`.
pub async fn run(target: &Target, spec: &Spec) -> anyhow::Result<Report> {
    anyhow::ensure!(spec.members >= 2, "a room needs at least two members");
    anyhow::ensure!(
        spec.senders >= 1 && spec.senders <= spec.members,
        "1 ≤ senders ≤ members"
    );
    anyhow::ensure!(spec.rate > 0.0, "the rate must be positive");
    let count = spec.rooms * spec.members;
    let rss_before = spec.server_pid.and_then(usage::sample).map(|s| s.rss_kib);
    let sockets = connect_all(target, count, spec.members).await?;
    // Let the relay finish telling everyone who joined.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let start = Instant::now() + Duration::from_millis(100);
    let window = std::sync::Arc::new(Window {
        start,
        from_ns: nanos(spec.warmup),
        to_ns: nanos(spec.warmup + spec.duration),
    });
    let (stop, stopped) = watch::channel(false);
    let mut receivers = Vec::new();
    let mut senders = Vec::new();
    let total_senders = spec.rooms * spec.senders;
    for (index, socket) in (0..count).zip(sockets) {
        let (sink, stream) = socket.split();
        receivers.push(tokio::spawn(receive(
            target.clone(),
            stream,
            index,
            window.clone(),
            stopped.clone(),
        )));
        if index % spec.members < spec.senders {
            let sender_number = (index / spec.members) * spec.senders + index % spec.members;
            // Senders are spread evenly over one interval, not all on the same tick.
            let offset = spec.rate.recip() * f64::from(sender_number) / f64::from(total_senders);
            senders.push(tokio::spawn(send(
                target.clone(),
                sink,
                index,
                Schedule {
                    offset_ns: (offset * 1e9) as u64,
                    interval_ns: (spec.rate.recip() * 1e9) as u64,
                    size: spec.size,
                },
                window.clone(),
            )));
        }
    }
    let sampler = tokio::spawn(sample_window(window.clone(), spec.server_pid));

    let mut sent = 0;
    let mut send_errors = 0;
    let mut expected = 0;
    let mut timer_lag = histogram();
    let mut blocked_sends = 0;
    for sender in senders {
        let outcome = sender.await?;
        sent += outcome.sent;
        send_errors += outcome.send_errors;
        expected += outcome.scheduled * u64::from(spec.members - 1);
        timer_lag.add(&outcome.timer_lag)?;
        blocked_sends += outcome.blocked;
    }
    tokio::time::sleep(spec.drain).await;
    let rss_after = spec.server_pid.and_then(usage::sample).map(|s| s.rss_kib);
    let _ = stop.send(true);
    let mut latency = histogram();
    let mut delivered = 0;
    for receiver in receivers {
        let (h, n) = receiver.await?;
        latency.add(&h)?;
        delivered += n;
    }
    let (server, generator) = sampler.await?;
    let seconds = spec.duration.as_secs_f64();
    let generator_cpu_share = generator.map_or(0.0, |d| d.as_secs_f64() / seconds);
    let timer_lag_us = Percentiles::of(&timer_lag);
    let per_delivery = |d: Duration| d.as_secs_f64() * 1e6 / delivered.max(1) as f64;
    let server = server.map(|(a, b)| ServerUse {
        cpu_us: micros(b.cpu.saturating_sub(a.cpu)),
        cpu_us_per_delivery: per_delivery(b.cpu.saturating_sub(a.cpu)),
        system_us_per_delivery: per_delivery(b.system.saturating_sub(a.system)),
        rss_kib_start: a.rss_kib,
        rss_kib_end: b.rss_kib,
    });
    Ok(Report {
        connections: count,
        sent,
        send_errors,
        expected,
        delivered,
        deliveries_per_s: delivered as f64 / seconds,
        latency_us: Percentiles::of(&latency),
        timer_lag_us,
        blocked_sends,
        generator_cpu_share,
        behind: generator_cpu_share > BEHIND_CPU_SHARE
            || timer_lag_us.p99 > micros(BEHIND_TIMER_P99),
        server,
        rss_kib_before_connect: rss_before,
        rss_kib_after_drain: rss_after,
        kib_per_connection_after_drain: rss_before
            .zip(rss_after)
            .map(|(b, a)| (a as f64 - b as f64) / f64::from(count.max(1))),
    })
}

/// Opens `count` connections, `members` to a room, in order.
pub async fn connect_all(target: &Target, count: u32, members: u32) -> anyhow::Result<Vec<Socket>> {
    let connecting = futures_util::stream::iter(0..count)
        .map(|index| {
            let target = target.clone();
            async move {
                target
                    .connect(index / members)
                    .await
                    .map(|(socket, _)| socket)
            }
        })
        .buffered(CONNECT_CONCURRENCY);
    let results: Vec<anyhow::Result<Socket>> = connecting.collect().await;
    results.into_iter().collect()
}

/// One microsecond to a minute, three significant digits.
#[allow(clippy::expect_used)] // Constant bounds, which hdrhistogram accepts.
pub(crate) fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// One sender's timetable.
struct Schedule {
    offset_ns: u64,
    interval_ns: u64,
    size: usize,
}

struct Sent {
    scheduled: u64,
    sent: u64,
    send_errors: u64,
    timer_lag: Histogram<u64>,
    blocked: u64,
}

async fn send(
    target: Target,
    mut sink: SplitSink<Socket, Message>,
    me: u32,
    schedule: Schedule,
    window: std::sync::Arc<Window>,
) -> Sent {
    let mut outcome = Sent {
        scheduled: 0,
        sent: 0,
        send_errors: 0,
        timer_lag: histogram(),
        blocked: 0,
    };
    // How long the previous send took: the part of a late start that the relay caused.
    let mut last_send = Duration::ZERO;
    let mut failed = false;
    for seq in 0.. {
        let at_ns = schedule.offset_ns + seq * schedule.interval_ns;
        if at_ns >= window.to_ns {
            break;
        }
        let counted = window.contains(at_ns);
        outcome.scheduled += u64::from(counted);
        // After a failed send the schedule is still counted: what it would have sent is
        // expected all the same.
        if failed {
            continue;
        }
        let at = window.start + Duration::from_nanos(at_ns);
        let now = Instant::now();
        // Latency counts from the scheduled time when the relay made this send late (the
        // previous send was held up): the relay is charged for the wait, with no coordinated
        // omission. When the generator itself was late (its timer ticks in milliseconds, or it
        // was busy), latency counts from when it got to the send, and the lateness is reported
        // apart: it decides whether the generator fell behind.
        let (origin, own_lag) = if now < at {
            tokio::time::sleep_until(at).await;
            let woke = Instant::now();
            (woke, woke.saturating_duration_since(at))
        } else {
            let late = now.saturating_duration_since(at);
            let relay_part = late.min(last_send);
            if relay_part * 2 >= late && !late.is_zero() {
                outcome.blocked += u64::from(counted);
                (at, late - relay_part)
            } else {
                (now, late - relay_part)
            }
        };
        if counted {
            outcome.timer_lag.saturating_record(micros(own_lag));
        }
        let stamp = Stamp {
            sender: me,
            seq,
            scheduled_ns: at_ns,
            origin_ns: nanos(origin.saturating_duration_since(window.start)),
        };
        let began = Instant::now();
        if sink
            .send(target.broadcast(&stamp.payload(schedule.size)))
            .await
            .is_err()
        {
            failed = true;
            outcome.send_errors += u64::from(counted);
            continue;
        }
        last_send = began.elapsed();
        outcome.sent += u64::from(counted);
    }
    outcome
}

async fn receive(
    target: Target,
    mut stream: SplitStream<Socket>,
    me: u32,
    window: std::sync::Arc<Window>,
    mut stop: watch::Receiver<bool>,
) -> (Histogram<u64>, u64) {
    let mut latency = histogram();
    let mut delivered = 0;
    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            _ = stop.wait_for(|s| *s) => break,
        };
        let Some(Ok(message)) = message else {
            break;
        };
        let Some(stamp) = target.delivered(&message).and_then(Stamp::read) else {
            continue;
        };
        // A relay that mirrors sends a member's own messages back; they are not deliveries.
        if stamp.sender == me || !window.contains(stamp.scheduled_ns) {
            continue;
        }
        let arrived = nanos(window.start.elapsed());
        latency.saturating_record(arrived.saturating_sub(stamp.origin_ns) / 1000);
        delivered += 1;
    }
    (latency, delivered)
}

type Samples = (Option<(usage::Sample, usage::Sample)>, Option<Duration>);

/// The relay's and the generator's own usage at the window's start and end.
async fn sample_window(window: std::sync::Arc<Window>, server: Option<u32>) -> Samples {
    let me = std::process::id();
    tokio::time::sleep_until(window.start + Duration::from_nanos(window.from_ns)).await;
    let first = (server.and_then(usage::sample), usage::sample(me));
    tokio::time::sleep_until(window.start + Duration::from_nanos(window.to_ns)).await;
    let last = (server.and_then(usage::sample), usage::sample(me));
    let server = first.0.zip(last.0);
    let generator = first
        .1
        .zip(last.1)
        .map(|(a, b)| b.cpu.saturating_sub(a.cpu));
    (server, generator)
}
