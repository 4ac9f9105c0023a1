//! What a benchmark reports, and the result lines that carry it to `cargo xtask bench protocol`:
//! [`PREFIX`] then one JSON object, e.g.
//!
//! ```text
//! CUTOUT-BENCH {"kind":"figure","measure":"stream_seal","runtime":"wasm","unit":"MiB/s","median":41.2,"min":40.1,"max":42.0,"samples":7,"batch":1}
//! CUTOUT-BENCH {"kind":"browser","user_agent":"Mozilla/5.0 … HeadlessChrome/…","cross_origin_isolated":true,"webcrypto_ed25519":true}
//! ```
//!
//! Both sides of the format live here: the benchmarks write lines ([`Figure::line`],
//! [`Browser::line`]) and xtask reads them back ([`Line::read`]), so the two cannot drift apart.

use serde_json::{Value, json};
use thiserror::Error;

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
    /// Every runtime, in the order the report's columns show them.
    pub const ALL: [Runtime; 3] = [Self::Native, Self::Wasm, Self::WebCrypto];

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

    /// The runtime a result line names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// What a figure counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unit {
    /// Operations per second.
    OpsPerSecond,
    /// MiB per second, each operation processing the given number of MiB.
    MibPerSecond(f64),
    /// Milliseconds per operation.
    MillisPerOp,
}

impl Unit {
    /// The unit as result lines and the report write it.
    pub fn label(self) -> &'static str {
        match self {
            Self::OpsPerSecond => "ops/s",
            Self::MibPerSecond(_) => "MiB/s",
            Self::MillisPerOp => "ms",
        }
    }

    /// The summary of what `sampler` timed, in this unit.
    pub fn summary(self, sampler: &Sampler) -> Summary {
        match self {
            Self::OpsPerSecond => sampler.rate(1.0),
            Self::MibPerSecond(mib_per_op) => sampler.rate(mib_per_op),
            Self::MillisPerOp => sampler.millis_per_op(),
        }
    }
}

/// One measured figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What was measured, e.g. `envelope_seal`.
    pub measure: String,
    /// Where it ran.
    pub runtime: Runtime,
    /// The unit of the summary: a [`Unit::label`].
    pub unit: String,
    /// Median and spread.
    pub summary: Summary,
    /// Operations per sample.
    pub batch: u64,
}

impl Figure {
    /// The figure of what `sampler` timed, in `unit`.
    pub fn of(measure: &str, runtime: Runtime, unit: Unit, sampler: &Sampler) -> Self {
        Self {
            measure: measure.to_owned(),
            runtime,
            unit: unit.label().to_owned(),
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

/// The browser the wasm and WebCrypto figures come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Browser {
    /// `navigator.userAgent`.
    pub user_agent: String,
    /// Whether the page was cross-origin isolated, which gives `performance.now()` its finest
    /// resolution.
    pub cross_origin_isolated: bool,
    /// Whether its WebCrypto has Ed25519, the baseline of the signature rows.
    pub webcrypto_ed25519: bool,
}

impl Browser {
    /// The result line describing this browser.
    pub fn line(&self) -> String {
        let value = json!({
            "kind": "browser",
            "user_agent": self.user_agent,
            "cross_origin_isolated": self.cross_origin_isolated,
            "webcrypto_ed25519": self.webcrypto_ed25519,
        });
        format!("{PREFIX}{value}")
    }
}

/// One result line, read back.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    /// A [`Figure::line`].
    Figure(Figure),
    /// A [`Browser::line`].
    Browser(Browser),
}

/// Why a line that starts with [`PREFIX`] is not a result line.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum LineError {
    /// What follows the prefix is not JSON.
    #[error("unreadable result line `{line}`: {reason}")]
    Json {
        /// The whole line.
        line: String,
        /// The JSON parser's complaint.
        reason: String,
    },
    /// The JSON is not a kind of line this module writes, or lacks one of its fields.
    #[error("unknown result line `{0}`")]
    Unknown(String),
}

impl Line {
    /// The result line in `text`, `None` for any other output, or why a prefixed line is not
    /// one this module writes. Leading and trailing blanks are ignored (runners indent).
    pub fn read(text: &str) -> Result<Option<Self>, LineError> {
        let Some(json) = text.trim().strip_prefix(PREFIX) else {
            return Ok(None);
        };
        let value: Value = serde_json::from_str(json).map_err(|e| LineError::Json {
            line: text.to_owned(),
            reason: e.to_string(),
        })?;
        let line = match value["kind"].as_str() {
            Some("figure") => figure(&value).map(Self::Figure),
            Some("browser") => browser(&value).map(Self::Browser),
            _ => None,
        };
        line.map(Some)
            .ok_or_else(|| LineError::Unknown(text.to_owned()))
    }
}

fn figure(v: &Value) -> Option<Figure> {
    let number = |key: &str| v[key].as_f64();
    Some(Figure {
        measure: v["measure"].as_str()?.to_owned(),
        runtime: Runtime::from_name(v["runtime"].as_str()?)?,
        unit: v["unit"].as_str()?.to_owned(),
        summary: Summary {
            median: number("median")?,
            min: number("min")?,
            max: number("max")?,
            samples: usize::try_from(v["samples"].as_u64()?).ok()?,
        },
        batch: v["batch"].as_u64()?,
    })
}

fn browser(v: &Value) -> Option<Browser> {
    Some(Browser {
        user_agent: v["user_agent"].as_str()?.to_owned(),
        cross_origin_isolated: v["cross_origin_isolated"].as_bool()?,
        webcrypto_ed25519: v["webcrypto_ed25519"].as_bool()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Figure {
        Figure {
            measure: "envelope_seal".into(),
            runtime: Runtime::Native,
            unit: "ops/s".into(),
            summary: Summary::of([1.0, 2.0, 3.0]),
            batch: 10,
        }
    }

    #[test]
    fn figure_line_is_prefixed_json() {
        let line = sample().line();
        let json = line.strip_prefix(PREFIX).unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        assert_eq!(value["measure"], "envelope_seal");
        assert_eq!(value["runtime"], "native");
        assert_eq!(value["median"], 2.0);
        assert_eq!(value["batch"], 10);
    }

    #[test]
    fn lines_read_back_as_written() {
        let figure = sample();
        assert_eq!(
            Line::read(&format!("  {}\n", figure.line())),
            Ok(Some(Line::Figure(figure)))
        );
        let browser = Browser {
            user_agent: "HeadlessChrome/1".into(),
            cross_origin_isolated: true,
            webcrypto_ed25519: false,
        };
        assert_eq!(
            Line::read(&browser.line()),
            Ok(Some(Line::Browser(browser)))
        );
        assert_eq!(Line::read("running 1 test"), Ok(None));
    }

    #[test]
    fn prefixed_lines_of_another_shape_are_errors() {
        let read = |text: &str| Line::read(&format!("{PREFIX}{text}"));
        assert!(matches!(read("{"), Err(LineError::Json { .. })));
        assert!(matches!(
            read(r#"{"kind":"other"}"#),
            Err(LineError::Unknown(_))
        ));
        let no_runtime = sample().line().replace("\"native\"", "\"jvm\"");
        assert!(matches!(
            Line::read(&no_runtime),
            Err(LineError::Unknown(_))
        ));
    }
}
