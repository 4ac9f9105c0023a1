//! Timing: a clock, a sampling plan, and the sampler that calibrates a batch size and then
//! collects samples. The sampler only decides how many operations to run next, so the same
//! logic drives synchronous Rust code and awaited WebCrypto promises.

/// Seconds from an arbitrary origin. `std::time::Instant` panics on wasm32-unknown-unknown, so
/// the browser passes `performance.now()` instead.
pub trait Clock {
    /// The current time in seconds.
    fn seconds(&self) -> f64;
}

/// The native monotonic clock.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug)]
pub struct Monotonic(std::time::Instant);

#[cfg(not(target_arch = "wasm32"))]
impl Default for Monotonic {
    fn default() -> Self {
        Self(std::time::Instant::now())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Clock for Monotonic {
    fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}

/// How to sample one figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// Samples kept (after calibration); the median of these is the figure.
    pub samples: usize,
    /// Each sample should last at least this long. Zero means one operation per sample.
    pub sample_secs: f64,
}

impl Plan {
    /// Fast operations: batches of at least 0.3 s, median of 7.
    pub const FAST: Self = Self {
        samples: 7,
        sample_secs: 0.3,
    };
    /// Slow operations (Argon2id): one per sample, median of 5.
    pub const SLOW: Self = Self {
        samples: 5,
        sample_secs: 0.0,
    };
}

/// Calibrates a batch size, then collects `plan.samples` timings of that batch.
///
/// ```text
/// while let Some(n) = sampler.next_batch() { time n operations; sampler.record(n, seconds) }
/// ```
#[derive(Clone, Debug)]
pub struct Sampler {
    plan: Plan,
    batch: u64,
    calibrated: bool,
    timings: Vec<f64>,
}

impl Sampler {
    /// A sampler that starts calibrating with one operation.
    pub fn new(plan: Plan) -> Self {
        Self {
            plan,
            batch: 1,
            calibrated: false,
            timings: Vec::with_capacity(plan.samples),
        }
    }

    /// How many operations to time next, or `None` when every sample is in.
    pub fn next_batch(&self) -> Option<u64> {
        (self.timings.len() < self.plan.samples).then_some(self.batch)
    }

    /// Records that `ops` operations took `secs` seconds.
    pub fn record(&mut self, ops: u64, secs: f64) {
        if self.calibrated {
            self.timings.push(secs);
            return;
        }
        // Calibration runs are warm-up too, so none of them is kept. Doubling until a batch
        // takes a quarter of the target, then scaling, keeps calibration short for fast
        // operations without overshooting for slow ones.
        if secs < self.plan.sample_secs / 4.0 {
            self.batch = ops.saturating_mul(2);
        } else {
            let scaled = (ops as f64 * self.plan.sample_secs / secs.max(1e-9)).ceil();
            self.batch = (scaled as u64).max(1);
            self.calibrated = true;
        }
    }

    /// The batch size the samples used.
    pub fn batch(&self) -> u64 {
        self.batch
    }

    /// The summary of `units_per_op × batch / seconds` over the samples (a rate).
    pub fn rate(&self, units_per_op: f64) -> Summary {
        let work = units_per_op * self.batch as f64;
        Summary::of(self.timings.iter().map(|secs| work / secs))
    }

    /// The summary of milliseconds per operation over the samples.
    pub fn millis_per_op(&self) -> Summary {
        let batch = self.batch as f64;
        Summary::of(self.timings.iter().map(|secs| secs * 1000.0 / batch))
    }
}

/// Median and spread of a set of samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// The median (the mean of the middle two for an even count).
    pub median: f64,
    /// The smallest sample.
    pub min: f64,
    /// The largest sample.
    pub max: f64,
    /// How many samples.
    pub samples: usize,
}

impl Summary {
    /// Summarises `values`; all zeros when there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Self {
        let mut sorted: Vec<f64> = values.into_iter().collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = match n {
            0 => 0.0,
            _ if n % 2 == 1 => sorted[n / 2],
            _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
        };
        Self {
            median,
            min: sorted.first().copied().unwrap_or(0.0),
            max: sorted.last().copied().unwrap_or(0.0),
            samples: n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_takes_the_middle_and_the_extremes() {
        let s = Summary::of([5.0, 1.0, 3.0]);
        assert_eq!((s.median, s.min, s.max, s.samples), (3.0, 1.0, 5.0, 3));
        assert_eq!(Summary::of([1.0, 2.0, 4.0, 8.0]).median, 3.0);
        assert_eq!(Summary::of([]).samples, 0);
    }

    #[test]
    fn sampler_doubles_then_scales_to_the_target() {
        let mut sampler = Sampler::new(Plan {
            samples: 2,
            sample_secs: 0.4,
        });
        assert_eq!(sampler.next_batch(), Some(1));
        sampler.record(1, 0.01);
        assert_eq!(sampler.next_batch(), Some(2));
        sampler.record(2, 0.2);
        assert_eq!(sampler.next_batch(), Some(4));
        sampler.record(4, 0.4);
        sampler.record(4, 0.5);
        assert_eq!(sampler.next_batch(), None);
        // Rates 10 and 8 ops/s: the median of two is their mean.
        assert_eq!(sampler.rate(1.0).median, 9.0);
    }

    #[test]
    fn slow_plan_times_single_operations_after_one_warm_up() {
        let mut sampler = Sampler::new(Plan::SLOW);
        sampler.record(1, 0.3);
        assert_eq!(sampler.batch(), 1);
        for _ in 0..Plan::SLOW.samples {
            assert_eq!(sampler.next_batch(), Some(1));
            sampler.record(1, 0.25);
        }
        assert_eq!(sampler.next_batch(), None);
        assert_eq!(sampler.millis_per_op().median, 250.0);
    }
}
