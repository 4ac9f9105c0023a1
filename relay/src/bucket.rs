//! Token buckets for the per-connection rate limits (PROTOCOL.md A: 2 000 frames/s and 64 MiB/s,
//! 2 s burst). The relay enforces them by backpressure: when a bucket runs dry, it stops reading
//! that connection until enough tokens have flowed back, and never closes it for that.

use std::time::Duration;

use tokio::time::Instant;

/// One bucket: `rate` tokens a second, holding at most `burst` seconds' worth.
#[derive(Debug)]
pub struct Bucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    refilled: Instant,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: f64, burst: Duration, now: Instant) -> Self {
        let capacity = rate * burst.as_secs_f64();
        Self {
            rate,
            capacity,
            tokens: capacity,
            refilled: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.refilled = now;
    }

    /// Takes `amount` tokens (the balance may go negative: a frame larger than the burst is
    /// still let through, and paid for by waiting). Returns how long to stop reading so the
    /// balance is back at zero.
    pub fn take(&mut self, amount: f64, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= amount;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }
}

/// The two buckets of one connection.
#[derive(Debug)]
pub struct RateLimit {
    frames: Bucket,
    bytes: Bucket,
}

impl RateLimit {
    /// Full buckets for `frames_per_sec` and `bytes_per_sec` with the 2 s burst of PROTOCOL.md A.
    pub fn new(frames_per_sec: u32, bytes_per_sec: u64, now: Instant) -> Self {
        Self {
            frames: Bucket::new(f64::from(frames_per_sec), wire::limits::RATE_BURST, now),
            bytes: Bucket::new(bytes_per_sec as f64, wire::limits::RATE_BURST, now),
        }
    }

    /// Accounts for one frame of `len` bytes; returns how long to pause reading.
    pub fn take(&mut self, len: usize, now: Instant) -> Duration {
        let frames = self.frames.take(1.0, now);
        let bytes = self.bytes.take(len as f64, now);
        frames.max(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_is_free_then_each_frame_costs_its_share() {
        let start = Instant::now();
        let mut limit = RateLimit::new(10, 1 << 30, start);
        for _ in 0..20 {
            assert_eq!(limit.take(1, start), Duration::ZERO, "2 s burst of 10/s");
        }
        assert_eq!(limit.take(1, start), Duration::from_millis(100));
        // After waiting what it said, the next frame costs another tenth of a second.
        let later = start + Duration::from_millis(100);
        assert_eq!(limit.take(1, later), Duration::from_millis(100));
    }

    #[test]
    fn byte_bucket_paces_large_frames() {
        let start = Instant::now();
        let mut limit = RateLimit::new(1_000, 1_000, start);
        assert_eq!(limit.take(2_000, start), Duration::ZERO);
        assert_eq!(limit.take(500, start), Duration::from_millis(500));
    }

    #[test]
    fn idle_time_refills_only_up_to_the_burst() {
        let start = Instant::now();
        let mut bucket = Bucket::new(10.0, Duration::from_secs(2), start);
        let much_later = start + Duration::from_secs(3_600);
        assert_eq!(bucket.take(20.0, much_later), Duration::ZERO);
        assert!(bucket.take(1.0, much_later) > Duration::ZERO);
    }
}
