//! One measurement ready to time: what it is called, its unit, its sampling plan, and a batch
//! function that runs `n` operations. Timing is left to the caller, so natively a plain loop
//! drives it ([`Measurement::run`]) and in the browser a loop that yields to the event loop
//! between samples (`browser::run_yielding`).

use crate::BenchError;
use crate::figure::{Figure, Runtime, Unit};
use crate::sampler::{Clock, Plan, Sampler};

type Batch<'a> = Box<dyn FnMut(u64) -> Result<(), BenchError> + 'a>;

/// A named batch of operations with its unit and plan.
pub struct Measurement<'a> {
    measure: &'static str,
    unit: Unit,
    plan: Plan,
    batch: Batch<'a>,
}

impl<'a> Measurement<'a> {
    /// A measurement whose `batch(n)` runs `n` operations.
    pub fn new(
        measure: &'static str,
        unit: Unit,
        plan: Plan,
        batch: impl FnMut(u64) -> Result<(), BenchError> + 'a,
    ) -> Self {
        Self {
            measure,
            unit,
            plan,
            batch: Box::new(batch),
        }
    }

    /// The sampling plan.
    pub fn plan(&self) -> Plan {
        self.plan
    }

    /// Runs `n` operations.
    pub fn batch(&mut self, n: u64) -> Result<(), BenchError> {
        (self.batch)(n)
    }

    /// Times one batch of `n` and records it.
    pub fn sample(
        &mut self,
        clock: &dyn Clock,
        sampler: &mut Sampler,
        n: u64,
    ) -> Result<(), BenchError> {
        let start = clock.seconds();
        self.batch(n)?;
        sampler.record(n, clock.seconds() - start);
        Ok(())
    }

    /// The figure for what `sampler` recorded.
    pub fn figure(&self, sampler: &Sampler) -> Figure {
        Figure::of(self.measure, Runtime::current(), self.unit, sampler)
    }

    /// Calibrates and samples in one go, without pausing between samples.
    pub fn run(mut self, clock: &dyn Clock) -> Result<Figure, BenchError> {
        let mut sampler = Sampler::new(self.plan);
        while let Some(n) = sampler.next_batch() {
            self.sample(clock, &mut sampler, n)?;
        }
        Ok(self.figure(&sampler))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    /// A clock that advances 0.1 s every time it is read.
    struct Ticking(Cell<f64>);

    impl Clock for Ticking {
        fn seconds(&self) -> f64 {
            self.0.set(self.0.get() + 0.1);
            self.0.get()
        }
    }

    #[test]
    fn run_counts_every_operation_and_reports_in_its_unit() {
        let mut ops = 0u64;
        let plan = Plan {
            samples: 3,
            sample_secs: 0.0,
        };
        let figure = Measurement::new("count", Unit::MillisPerOp, plan, |n| {
            ops += n;
            Ok(())
        })
        .run(&Ticking(Cell::new(0.0)));
        let figure = figure.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ops, 4, "one calibration batch and three samples of one");
        assert_eq!(figure.unit, "ms");
        assert!((figure.summary.median - 100.0).abs() < 1e-6);
    }

    #[test]
    fn a_failing_batch_fails_the_measurement() {
        let result = Measurement::new("fails", Unit::OpsPerSecond, Plan::FAST, |_| {
            Err(BenchError::Kdf)
        })
        .run(&Ticking(Cell::new(0.0)));
        assert_eq!(result.err(), Some(BenchError::Kdf));
    }
}
