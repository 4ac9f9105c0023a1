//! A relay process's CPU time and resident memory, read from /proc (Linux).

use std::time::Duration;

use serde::Serialize;

/// Clock ticks per second in /proc's times: `USER_HZ`, which the kernel fixes at 100 on the
/// architectures these machines run (proc(5)).
const TICKS_PER_SECOND: u64 = 100;

/// One reading of a process.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Sample {
    /// User plus system CPU time of all its threads: the scheduler's nanosecond count
    /// (`/proc/PID/task/*/schedstat`) where the kernel keeps it, else proc(5)'s ticks. A tick is
    /// 10 ms, about 5 % of what a relay spends in a 10 s window of 64 KiB messages, so the
    /// ticks alone made runs differ by whole ticks.
    #[serde(serialize_with = "micros")]
    pub cpu: Duration,
    /// The system (kernel) part of `cpu`.
    #[serde(serialize_with = "micros")]
    pub system: Duration,
    /// Resident memory in KiB.
    pub rss_kib: u64,
}

fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(d.as_micros())
}

/// The process `pid` now, or `None` if it is gone or /proc cannot be read.
pub fn sample(pid: u32) -> Option<Sample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let (user, system) = cpu_times(&stat)?;
    Some(Sample {
        cpu: scheduled(pid).unwrap_or(user + system),
        system,
        rss_kib: rss_kib(&status)?,
    })
}

/// utime and stime (fields 14 and 15 of proc(5)); the command name before them may hold
/// spaces, so counting starts after its closing parenthesis.
fn cpu_times(stat: &str) -> Option<(Duration, Duration)> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| -> Option<Duration> {
        let t: u64 = fields.get(i)?.parse().ok()?;
        Some(Duration::from_millis(t * 1000 / TICKS_PER_SECOND))
    };
    Some((ticks(11)?, ticks(12)?))
}

/// The time on a CPU of every thread of `pid` now, from the scheduler's statistics (their first
/// field, in nanoseconds); `None` where the kernel keeps none. Threads that ended are not
/// counted, nor one that ends while this reads: the relays measured here (Cutout, wsbroad and
/// websocat) each run on one thread, kept while they run.
fn scheduled(pid: u32) -> Option<Duration> {
    let mut total = 0u64;
    let mut counted = false;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
    {
        let Ok(text) = std::fs::read_to_string(task.path().join("schedstat")) else {
            continue;
        };
        let Some(ns) = text
            .split_whitespace()
            .next()
            .and_then(|f| f.parse::<u64>().ok())
        else {
            continue;
        };
        total += ns;
        counted = true;
    }
    counted.then(|| Duration::from_nanos(total))
}

fn rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_skips_a_name_with_spaces() {
        let stat = "42 (my relay) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 4 0 1 2 3";
        assert_eq!(
            cpu_times(stat),
            Some((Duration::from_millis(2500), Duration::from_millis(750)))
        );
    }

    #[test]
    fn own_process_is_readable() {
        let me = sample(std::process::id()).expect("/proc/self");
        assert!(me.rss_kib > 0);
        assert_eq!(sample(u32::MAX).map(|s| s.rss_kib), None);
    }

    #[test]
    fn scheduled_time_moves_between_ticks() {
        let me = std::process::id();
        let before = scheduled(me).expect("this kernel keeps schedstat");
        // Work until the scheduler counts it (it updates a running thread's sum at least every
        // few milliseconds): the count is not in whole 10 ms ticks.
        let mut spin = 0u64;
        let after = loop {
            spin = std::hint::black_box(spin + 1);
            let now = scheduled(me).expect("schedstat");
            if now > before {
                break now;
            }
        };
        assert_ne!((after - before).as_nanos() % 10_000_000, 0);
    }
}
