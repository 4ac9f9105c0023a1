//! What a benchmark reports, and the line format `cargo xtask bench` reads back:
//! [`PREFIX`] then one JSON object, e.g.
//!
//! ```text
//! CUTOUT-BENCH {"kind":"figure","measure":"stream_seal","runtime":"wasm","unit":"MiB/s","median":41.2,"min":40.1,"max":42.0,"samples":7,"batch":1}
//! CUTOUT-BENCH {"kind":"browser","user_agent":"Mozilla/5.0 … HeadlessChrome/…","cross_origin_isolated":true}
//! ```

use serde_json::json;

use crate::measurement::Unit;
use crate::sampler::{Sampler, Summary};

/// Marks result lines among everything else the test runner prints.
pub const PREFIX: &str = "CUTOUT-BENCH ";

/// Where the measured code ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// Rust compiled for this machine (release profile).
    Native,
    /// Rust compiled to wasm32, in the browser.
    Wasm,
    /// The browser's own `crypto.subtle`.
    WebCrypto,
}

impl Runtime {
    /// The runtime the Rust code is compiled for.
    pub const fn current() -> Self {
        if cfg!(target_arch = "wasm32") {
            Self::Wasm
        } else {
            Self::Native
        }
    }

    /// The name used in result lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Wasm => "wasm",
            Self::WebCrypto => "webcrypto",
        }
    }
}

/// One measured figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figure {
    /// What was measured, e.g. `envelope_seal`.
    pub measure: &'static str,
    /// Where it ran.
    pub runtime: Runtime,
    /// The unit of the summary: `ops/s`, `MiB/s` or `ms`.
    pub unit: &'static str,
    /// Median and spread.
    pub summary: Summary,
    /// Operations per sample.
    pub batch: u64,
}

impl Figure {
    /// The figure of what `sampler` timed, in `unit`.
    pub fn of(measure: &'static str, runtime: Runtime, unit: Unit, sampler: &Sampler) -> Self {
        Self {
            measure,
            runtime,
            unit: unit.label(),
            summary: unit.summary(sampler),
            batch: sampler.batch(),
        }
    }

    /// The result line for this figure.
    pub fn line(&self) -> String {
        let value = json!({
            "kind": "figure",
            "measure": self.measure,
            "runtime": self.runtime.name(),
            "unit": self.unit,
            "median": self.summary.median,
            "min": self.summary.min,
            "max": self.summary.max,
            "samples": self.summary.samples,
            "batch": self.batch,
        });
        format!("{PREFIX}{value}")
    }
}

/// The result line describing the browser the wasm figures come from.
pub fn browser_line(user_agent: &str, cross_origin_isolated: bool) -> String {
    let value = json!({
        "kind": "browser",
        "user_agent": user_agent,
        "cross_origin_isolated": cross_origin_isolated,
    });
    format!("{PREFIX}{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_line_is_prefixed_json() {
        let figure = Figure {
            measure: "envelope_seal",
            runtime: Runtime::Native,
            unit: "ops/s",
            summary: Summary::of([1.0, 2.0, 3.0]),
            batch: 10,
        };
        let line = figure.line();
        let json = line.strip_prefix(PREFIX).unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        assert_eq!(value["measure"], "envelope_seal");
        assert_eq!(value["runtime"], "native");
        assert_eq!(value["median"], 2.0);
        assert_eq!(value["batch"], 10);
    }
}
