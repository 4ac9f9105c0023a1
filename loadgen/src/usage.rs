//! A relay process's CPU time and resident memory, read from /proc (Linux).

use std::time::Duration;

use serde::Serialize;

/// Clock ticks per second in /proc's times: `USER_HZ`, which the kernel fixes at 100 on the
/// architectures these machines run (proc(5)).
const TICKS_PER_SECOND: u64 = 100;

/// One reading of a process.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Sample {
    /// User plus system CPU time of all its threads.
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
        cpu: user + system,
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
}
