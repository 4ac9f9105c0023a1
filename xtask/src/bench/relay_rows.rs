//! The rows of the "## Relay" section's tables: for each kind of scenario, what a row reads from
//! loadgen's report and which way is better.

use serde_json::Value;

use super::relay_scenario::Kind;

/// Whether smaller is better for a row, which decides how its ratio reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
    /// A figure of the run, not of the relay (the generator's own lateness): no ratio.
    Neither,
}

/// One row of a table: a label, how to read it from a report, and its direction.
pub struct Row {
    pub label: &'static str,
    pub value: fn(&Value) -> Option<f64>,
    pub better: Better,
}

pub fn f(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter()
        .try_fold(v, |v, key| v.get(key))
        .and_then(Value::as_f64)
}

pub fn rows(kind: Kind) -> Vec<Row> {
    match kind {
        Kind::Fanout => vec![
            Row {
                label: "deliveries/s",
                value: |r| f(r, &["deliveries_per_s"]),
                better: Better::Higher,
            },
            Row {
                label: "delivered ÷ expected, %",
                value: |r| Some(100.0 * f(r, &["delivered"])? / f(r, &["expected"])?.max(1.0)),
                better: Better::Higher,
            },
            Row {
                label: "relay CPU µs per delivery",
                value: |r| f(r, &["server", "cpu_us_per_delivery"]),
                better: Better::Lower,
            },
            Row {
                label: "… of which in the kernel (system time)",
                value: |r| f(r, &["server", "system_us_per_delivery"]),
                better: Better::Lower,
            },
            Row {
                label: "latency p50, ms",
                value: |r| Some(f(r, &["latency_us", "p50"])? / 1000.0),
                better: Better::Lower,
            },
            Row {
                label: "latency p99, ms",
                value: |r| Some(f(r, &["latency_us", "p99"])? / 1000.0),
                better: Better::Lower,
            },
            Row {
                label: "latency p99.9, ms",
                value: |r| Some(f(r, &["latency_us", "p999"])? / 1000.0),
                better: Better::Lower,
            },
            Row {
                label: "the generator's own lateness p99.9, ms (a floor for the p99.9 above)",
                value: |r| Some(f(r, &["timer_lag_us", "p999"])? / 1000.0),
                better: Better::Neither,
            },
            Row {
                label: "relay RSS at the end, MiB",
                value: |r| Some(f(r, &["server", "rss_kib_end"])? / 1024.0),
                better: Better::Lower,
            },
            Row {
                label: "relay RSS per connection once the drain is over, KiB",
                value: |r| f(r, &["kib_per_connection_after_drain"]),
                better: Better::Lower,
            },
        ],
        Kind::Idle => vec![
            Row {
                label: "connections held",
                value: |r| f(r, &["held"]),
                better: Better::Higher,
            },
            Row {
                label: "relay RSS per connection, KiB",
                value: |r| Some(f(r, &["bytes_per_connection"])? / 1024.0),
                better: Better::Lower,
            },
            Row {
                label: "relay RSS with all open, MiB",
                value: |r| Some(f(r, &["rss_kib_after"])? / 1024.0),
                better: Better::Lower,
            },
            Row {
                label: "seconds to open them all",
                value: |r| f(r, &["connect_s"]),
                better: Better::Lower,
            },
        ],
        Kind::Slow => vec![
            Row {
                label: "relay RSS growth, MB",
                value: |r| Some(f(r, &["growth_kib"])? * 1024.0 / 1e6),
                better: Better::Lower,
            },
            Row {
                label: "reading receiver got, % of sent",
                value: |r| Some(100.0 * f(r, &["healthy_delivered"])? / f(r, &["sent"])?.max(1.0)),
                better: Better::Higher,
            },
            Row {
                label: "left waiting for the slow receiver, MB",
                value: |r| Some(f(r, &["slow_backlog_bytes"])? / 1e6),
                better: Better::Lower,
            },
        ],
    }
}
