//! What `cargo xtask bench relay` measures: the relays under test, the scenarios each takes
//! part in (loadgen's arguments), and the runs one scenario gives on one relay. Below both the
//! runner (relay.rs) and the report (relay_report.rs), which each read these.

use serde_json::Value;

/// The flags that open Cutout's relay to one address's thousands of connections and rates.
pub const CUTOUT_BENCH_FLAGS: &[&str] = &[
    "--max-per-ip",
    "0",
    "--max-connections",
    "20000",
    "--max-rooms",
    "20000",
    "--rate-frames",
    "1000000",
    "--rate-bytes",
    "4000000000",
];

/// A relay under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    Cutout,
    CutoutTls,
    Wsbroad,
    Websocat,
}

impl Server {
    /// The name tables and progress lines show.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cutout => "Cutout",
            Self::CutoutTls => "Cutout (TLS)",
            Self::Wsbroad => "wsbroad",
            Self::Websocat => "websocat",
        }
    }

    /// loadgen's `--protocol` for this server.
    pub fn protocol(self) -> &'static str {
        match self {
            Self::Cutout | Self::CutoutTls => "cutout",
            Self::Wsbroad | Self::Websocat => "url",
        }
    }
}

/// One scenario: loadgen's arguments, and which servers take part.
pub struct Scenario {
    pub name: &'static str,
    pub title: &'static str,
    pub kind: Kind,
    pub servers: &'static [Server],
    pub args: Vec<String>,
}

/// What a scenario measures, which decides its report's rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Fanout,
    Idle,
    Slow,
}

/// Runs a scenario without traffic or with one slow receiver keeps at most: its figures (memory,
/// connections held) move by under 1 % from run to run, and the slow receiver's runs are long.
pub const QUIET_REPEATS: usize = 3;

impl Kind {
    /// Runs kept per relay when `repeats` are asked for: all of them where traffic is timed (one
    /// stall of this shared machine can set a run's p99.9), at most [`QUIET_REPEATS`] elsewhere.
    pub fn repeats(self, repeats: usize) -> usize {
        match self {
            Kind::Fanout => repeats,
            Kind::Idle | Kind::Slow => repeats.min(QUIET_REPEATS),
        }
    }
}

/// Every scenario, in the report's order; fanout runs measure for `seconds`.
pub fn scenarios(seconds: u32) -> Vec<Scenario> {
    use Server::{Cutout, CutoutTls, Websocat, Wsbroad};
    let s = |v: &[&str]| v.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    let fanout = |extra: &[&str]| {
        let mut args = s(&["fanout", "--seconds", &seconds.to_string()]);
        args.extend(s(extra));
        args
    };
    vec![
        Scenario {
            name: "room50-256",
            title: "One room of 50, one sender, 256-byte messages, 306 messages/s (15,000 deliveries/s)",
            kind: Kind::Fanout,
            servers: &[Cutout, Wsbroad, Websocat, CutoutTls],
            args: fanout(&["--members", "50", "--rate", "306", "--size", "256"]),
        },
        Scenario {
            name: "room50-64k",
            title: "One room of 50, one sender, 64 KiB messages, 31 messages/s (1,519 deliveries/s, 100 MB/s)",
            kind: Kind::Fanout,
            servers: &[Cutout, Wsbroad, Websocat, CutoutTls],
            args: fanout(&["--members", "50", "--rate", "31", "--size", "65536"]),
        },
        Scenario {
            name: "rooms250-256",
            title: "250 rooms of 4, everyone sending, 256-byte messages, 5 messages/s each (15,000 deliveries/s)",
            kind: Kind::Fanout,
            servers: &[Cutout, Wsbroad, CutoutTls],
            args: fanout(&[
                "--rooms",
                "250",
                "--members",
                "4",
                "--senders",
                "4",
                "--rate",
                "5",
                "--size",
                "256",
            ]),
        },
        Scenario {
            name: "rooms250-64k",
            title: "250 rooms of 4, everyone sending, 64 KiB messages, 0.5 messages/s each (1,500 deliveries/s)",
            kind: Kind::Fanout,
            servers: &[Cutout, Wsbroad, CutoutTls],
            args: fanout(&[
                "--rooms",
                "250",
                "--members",
                "4",
                "--senders",
                "4",
                "--rate",
                "0.5",
                "--size",
                "65536",
                // What a member keeps 10 s after a burst of large frames (issue 25).
                "--drain-s",
                "10",
            ]),
        },
        Scenario {
            name: "idle2000",
            title: "2,000 idle connections in rooms of 4",
            kind: Kind::Idle,
            servers: &[Cutout, Wsbroad, Websocat, CutoutTls],
            args: s(&["idle", "--connections", "2000"]),
        },
        Scenario {
            name: "idle10000",
            title: "10,000 idle connections in rooms of 4",
            kind: Kind::Idle,
            servers: &[Cutout, Wsbroad, Websocat, CutoutTls],
            args: s(&["idle", "--connections", "10000"]),
        },
        Scenario {
            name: "slow",
            title: "A receiver that never reads, a sender pushing 8 MB/s of 64 KiB messages for 30 s, and a receiver that reads",
            kind: Kind::Slow,
            servers: &[Cutout, Wsbroad, Websocat, CutoutTls],
            args: s(&[
                "slow",
                "--bytes-per-s",
                "8000000",
                "--size",
                "65536",
                "--seconds",
                "30",
            ]),
        },
    ]
}

/// The runs of one scenario on one server: loadgen's reports, and how many were thrown away.
pub struct Runs {
    pub server: Server,
    pub reports: Vec<Value>,
    /// Reports of runs where the generator fell behind, kept for the raw file.
    pub discarded: Vec<Value>,
    /// Runs that failed, and why.
    pub failures: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_scenarios_keep_at_most_three_runs() {
        assert_eq!(Kind::Fanout.repeats(5), 5);
        assert_eq!(Kind::Idle.repeats(5), QUIET_REPEATS);
        assert_eq!(Kind::Slow.repeats(5), QUIET_REPEATS);
        assert_eq!(Kind::Slow.repeats(1), 1);
    }

    #[test]
    fn every_timed_scenario_has_traffic() {
        for scenario in scenarios(10) {
            let timed = scenario.args.first().map(String::as_str) == Some("fanout");
            assert_eq!(timed, scenario.kind == Kind::Fanout, "{}", scenario.name);
        }
    }
}
