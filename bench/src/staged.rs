//! Timing a step that changes state: each operation gets its input from an untimed `prepare`
//! (a copy of a member's state, a fresh Welcome, a message to decrypt), and only `run` is
//! timed. A sample sums the timed parts of a batch, so the calibration and median of
//! `bench::sampler` apply as they do to the protocol benchmarks.

use crate::figure::{Figure, Runtime, Unit};
use crate::sampler::{Clock, Plan, Sampler, Summary};

/// Batches of at least 50 ms of timed work, median of 7: a run at three group sizes stays
/// within minutes in wasm.
pub const PLAN: Plan = Plan {
    samples: 7,
    sample_secs: 0.05,
};

type Operation<'a, E> = Box<dyn FnMut(&dyn Clock) -> Result<f64, E> + 'a>;

/// One measured step: a name and an operation that prepares its input, then times its run.
pub struct Step<'a, E> {
    measure: String,
    operation: Operation<'a, E>,
}

impl<'a, E: 'a> Step<'a, E> {
    /// A step called `measure` whose input comes from `prepare` and whose `run` is timed.
    pub fn new<T>(
        measure: String,
        mut prepare: impl FnMut() -> Result<T, E> + 'a,
        mut run: impl FnMut(T) -> Result<(), E> + 'a,
    ) -> Self {
        Self {
            measure,
            operation: Box::new(move |clock| {
                let input = prepare()?;
                let start = clock.seconds();
                run(input)?;
                Ok(clock.seconds() - start)
            }),
        }
    }

    /// The name of the figure.
    pub fn measure(&self) -> &str {
        &self.measure
    }

    /// Prepares and runs `n` operations, recording the seconds their runs took in all.
    pub fn sample(&mut self, clock: &dyn Clock, sampler: &mut Sampler, n: u64) -> Result<(), E> {
        let mut timed = 0.0;
        for _ in 0..n {
            timed += (self.operation)(clock)?;
        }
        sampler.record(n, timed);
        Ok(())
    }

    /// The figure, in milliseconds per operation, of what `sampler` recorded.
    pub fn figure(&self, sampler: &Sampler) -> Figure {
        Figure::of(
            &self.measure,
            Runtime::current(),
            Unit::MillisPerOp,
            sampler,
        )
    }

    /// Calibrates and samples without pausing (natively).
    pub fn run(mut self, clock: &dyn Clock) -> Result<Figure, E> {
        let mut sampler = Sampler::new(PLAN);
        while let Some(n) = sampler.next_batch() {
            self.sample(clock, &mut sampler, n)?;
        }
        Ok(self.figure(&sampler))
    }
}

/// A size in bytes, as a figure of one sample.
pub fn bytes(measure: String, len: usize) -> Figure {
    Figure {
        measure,
        runtime: Runtime::current(),
        unit: "B".into(),
        summary: Summary::of([len as f64]),
        batch: 1,
    }
}
