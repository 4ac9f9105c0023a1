//! Speed and time left of a transfer, for progress displays: bytes over the last few seconds,
//! so a stall shows at once and an early burst does not promise too much.

use std::collections::VecDeque;

/// Samples older than this are forgotten.
const WINDOW_MS: u64 = 5_000;
/// Samples closer together than this are merged.
const SAMPLE_MS: u64 = 250;
/// Speeds need at least this much history to be shown.
const MIN_SPAN_MS: u64 = 500;

/// Recent (time, bytes done) samples of one transfer.
#[derive(Clone, Debug, Default)]
pub struct Rate {
    samples: VecDeque<(u64, u64)>,
}

impl Rate {
    /// Records that `bytes` in total are done at `now_ms`.
    pub fn record(&mut self, now_ms: u64, bytes: u64) {
        // The newest sample moves until it is SAMPLE_MS past the one before it.
        let len = self.samples.len();
        let merge = len > 1
            && self
                .samples
                .get(len - 2)
                .is_some_and(|(t, _)| now_ms.saturating_sub(*t) < SAMPLE_MS);
        match self.samples.back_mut() {
            Some(last) if merge => *last = (now_ms, bytes),
            _ => self.samples.push_back((now_ms, bytes)),
        }
        while self
            .samples
            .front()
            .is_some_and(|(t, _)| now_ms.saturating_sub(*t) > WINDOW_MS)
            && self.samples.len() > 2
        {
            self.samples.pop_front();
        }
    }

    /// Bytes per second over the recent window, once there is enough history.
    pub fn bytes_per_second(&self) -> Option<f64> {
        let (t0, b0) = *self.samples.front()?;
        let (t1, b1) = *self.samples.back()?;
        let span = t1.checked_sub(t0)?;
        if span < MIN_SPAN_MS {
            return None;
        }
        Some(b1.saturating_sub(b0) as f64 * 1_000.0 / span as f64)
    }

    /// Seconds until `total` bytes are done at the recent speed.
    pub fn seconds_left(&self, total: u64) -> Option<f64> {
        let speed = self.bytes_per_second().filter(|s| *s > 0.0)?;
        let done = self.samples.back()?.1;
        Some(total.saturating_sub(done) as f64 / speed)
    }
}

/// A byte count for people: "0 B", "999 B", "1.5 KiB", "10.0 MiB", "4.0 GiB".
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A duration for people: "4 s", "2 min 5 s", "1 h 3 min".
pub fn format_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).ceil() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3_600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3_600, (s % 3_600) / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_needs_history_and_follows_recent_bytes() {
        let mut rate = Rate::default();
        rate.record(0, 0);
        assert_eq!(rate.bytes_per_second(), None);
        rate.record(1_000, 1_000_000);
        assert_eq!(rate.bytes_per_second(), Some(1_000_000.0));
        assert_eq!(rate.seconds_left(3_000_000), Some(2.0));
        // A long stall: old samples leave the window and the speed drops to what is recent.
        rate.record(7_000, 1_000_000);
        rate.record(8_000, 1_000_000);
        assert_eq!(rate.bytes_per_second(), Some(0.0));
        assert_eq!(rate.seconds_left(3_000_000), None);
    }

    #[test]
    fn close_samples_are_merged_and_the_window_is_bounded() {
        let mut rate = Rate::default();
        for t in 0..100_000 {
            rate.record(t, t);
        }
        assert!(rate.samples.len() <= (WINDOW_MS / SAMPLE_MS) as usize + 3);
        assert!(rate.samples.front().unwrap().0 >= 100_000 - WINDOW_MS - SAMPLE_MS);
        assert_eq!(rate.bytes_per_second(), Some(1_000.0));
    }

    #[test]
    fn sizes_and_durations_read_well() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1_023), "1023 B");
        assert_eq!(format_size(1_536), "1.5 KiB");
        assert_eq!(format_size(10 * 1024 * 1024), "10.0 MiB");
        assert_eq!(format_size(4 << 30), "4.0 GiB");
        assert_eq!(format_duration(3.2), "4 s");
        assert_eq!(format_duration(125.0), "2 min 5 s");
        assert_eq!(format_duration(3_780.0), "1 h 3 min");
    }
}
