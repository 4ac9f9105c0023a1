//! The "## Relay" section: one table per scenario with every relay side by side, Cutout's ratio
//! to each baseline, and the goals checked against the figures.

use std::time::Duration;

use serde_json::Value;

use super::relay_rows::{Better, Row, f, rows};
use super::relay_scenario::{CUTOUT_BENCH_FLAGS, Kind, Runs, Scenario, Server};
use super::section::{significant, today};

/// The section this benchmark owns.
pub const HEADING: &str = "## Relay";

/// One line about a run, for the progress output.
pub fn summary(kind: Kind, r: &Value) -> String {
    let n = |path: &[&str]| f(r, path).map_or("?".into(), significant);
    match kind {
        Kind::Fanout => format!(
            "{} deliveries/s of {} expected, CPU {} µs/delivery, p50 {} µs, p99 {} µs",
            n(&["deliveries_per_s"]),
            n(&["expected"]),
            n(&["server", "cpu_us_per_delivery"]),
            n(&["latency_us", "p50"]),
            n(&["latency_us", "p99"]),
        ),
        Kind::Idle => format!(
            "{} held, {} bytes per connection",
            n(&["held"]),
            n(&["bytes_per_connection"])
        ),
        Kind::Slow => format!(
            "RSS growth {} KiB, slow receiver {}, reading receiver {} of {}",
            n(&["growth_kib"]),
            r["slow_receiver"].as_str().unwrap_or("?"),
            n(&["healthy_delivered"]),
            n(&["sent"]),
        ),
    }
}

/// Median, smallest and largest.
fn spread(values: &[f64]) -> Option<(f64, f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let median = if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    Some((median, v[0], v[v.len() - 1]))
}

fn median_of(runs: &Runs, row: &Row) -> Option<f64> {
    let values: Vec<f64> = runs.reports.iter().filter_map(|r| (row.value)(r)).collect();
    spread(&values).map(|(m, _, _)| m)
}

fn cell(runs: &Runs, row: &Row) -> String {
    let values: Vec<f64> = runs.reports.iter().filter_map(|r| (row.value)(r)).collect();
    match spread(&values) {
        None => "–".into(),
        Some((m, lo, hi)) if values.len() > 1 => {
            format!(
                "{} ({}–{})",
                significant(m),
                significant(lo),
                significant(hi)
            )
        }
        Some((m, _, _)) => significant(m),
    }
}

fn ratio(cutout: Option<f64>, other: Option<f64>, better: Better) -> String {
    match (cutout, other) {
        _ if better == Better::Neither => "–".into(),
        (Some(c), Some(o)) if o != 0.0 && c.is_finite() => {
            let r = c / o;
            let shown = significant(r);
            // Judged as shown: "1.00×" reads as even, whatever the digits beyond.
            let verdict = match better {
                _ if shown == "1.00" => "",
                Better::Lower if r < 1.0 => " (better)",
                Better::Higher if r > 1.0 => " (better)",
                _ => " (worse)",
            };
            format!("{shown}×{verdict}")
        }
        _ => "–".into(),
    }
}

/// The RSS samples (one a second) of the run whose growth is the median: every third one, and
/// the peak.
fn rss_series(runs: &Runs) -> String {
    let mut by_growth: Vec<&Value> = runs.reports.iter().collect();
    by_growth.sort_by_key(|r| r["growth_kib"].as_u64().unwrap_or(0));
    let Some(median) = by_growth.get(by_growth.len() / 2) else {
        return "–".into();
    };
    let samples: Vec<f64> = median["rss_kib"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(Value::as_f64)
                .map(|k| k / 1024.0)
                .collect()
        })
        .unwrap_or_default();
    let series: Vec<String> = samples.iter().step_by(3).map(|m| significant(*m)).collect();
    let peak = samples
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or("–".into(), |(at, m)| {
            format!("{} at {at} s", significant(*m))
        });
    format!("{}; peak {peak}", series.join(", "))
}

fn find(runs: &[Runs], server: Server) -> Option<&Runs> {
    runs.iter().find(|r| r.server == server)
}

fn table(scenario: &Scenario, runs: &[Runs], repeats: usize) -> String {
    let cutout = find(runs, Server::Cutout);
    let baselines: Vec<&Runs> = runs
        .iter()
        .filter(|r| matches!(r.server, Server::Wsbroad | Server::Websocat))
        .collect();
    let mut out = format!("### {}\n\n| | ", scenario.title);
    let mut header: Vec<String> = runs.iter().map(|r| r.server.name().to_owned()).collect();
    header.extend(
        baselines
            .iter()
            .map(|b| format!("Cutout ÷ {}", b.server.name())),
    );
    out.push_str(&header.join(" | "));
    out.push_str(" |\n|---|");
    out.push_str(&"---|".repeat(header.len()));
    out.push('\n');
    for row in rows(scenario.kind) {
        let mut cells: Vec<String> = runs.iter().map(|r| cell(r, &row)).collect();
        for baseline in &baselines {
            let c = cutout.and_then(|c| median_of(c, &row));
            cells.push(ratio(c, median_of(baseline, &row), row.better));
        }
        out.push_str(&format!("| {} | {} |\n", row.label, cells.join(" | ")));
    }
    if scenario.kind == Kind::Slow {
        let outcomes: Vec<String> = runs
            .iter()
            .map(|r| {
                let seen: Vec<&str> = r
                    .reports
                    .iter()
                    .filter_map(|x| x["slow_receiver"].as_str())
                    .collect();
                format!("{}: {}", r.server.name(), seen.join(", "))
            })
            .collect();
        out.push_str(&format!(
            "\nThe receiver that never read: {}.\n",
            outcomes.join("; ")
        ));
        out.push_str(
            "\nRelay RSS over time in MiB, every 3 s, in the run with the median growth:\n\n",
        );
        for r in runs {
            out.push_str(&format!("- {}: {}\n", r.server.name(), rss_series(r)));
        }
    }
    let short: Vec<String> = runs
        .iter()
        .filter(|r| r.reports.len() != scenario.kind.repeats(repeats))
        .map(|r| format!("{} {}", r.server.name(), r.reports.len()))
        .collect();
    if !short.is_empty() {
        out.push_str(&format!(
            "\nRuns kept, where not {}: {}.\n",
            scenario.kind.repeats(repeats),
            short.join(", ")
        ));
    }
    let failed: Vec<String> = runs
        .iter()
        .filter(|r| !r.failures.is_empty())
        .map(|r| {
            format!(
                "{} {} ({})",
                r.server.name(),
                r.failures.len(),
                r.failures[0]
            )
        })
        .collect();
    if !failed.is_empty() {
        out.push_str(&format!("\nRuns that failed: {}.\n", failed.join("; ")));
    }
    let discarded: Vec<String> = runs
        .iter()
        .filter(|r| !r.discarded.is_empty())
        .map(|r| format!("{} {}", r.server.name(), r.discarded.len()))
        .collect();
    if !discarded.is_empty() {
        out.push_str(&format!(
            "\nRuns thrown away because the generator fell behind: {}.\n",
            discarded.join(", ")
        ));
    }
    out
}

/// The goals, each with the figure that decides it.
fn goals(results: &[(Scenario, Vec<Runs>)]) -> Vec<String> {
    let median = |scenario: &str, server: Server, kind: Kind, label: &str| {
        let (_, runs) = results.iter().find(|(s, _)| s.name == scenario)?;
        let row = rows(kind).into_iter().find(|r| r.label == label)?;
        median_of(find(runs, server)?, &row)
    };
    let check = |ok: Option<bool>| match ok {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "not measured",
    };
    let cpu = "relay CPU µs per delivery";
    let wsbroad_cpu = median("room50-256", Server::Wsbroad, Kind::Fanout, cpu);
    let system = "… of which in the kernel (system time)";
    let cutout_system = median("room50-256", Server::Cutout, Kind::Fanout, system);
    let times = |a: Option<f64>, b: Option<f64>| {
        a.zip(b)
            .map_or("–".into(), |(a, b)| format!("{}×", significant(a / b)))
    };
    let per_conn = "relay RSS per connection, KiB";
    let idle = median("idle10000", Server::Cutout, Kind::Idle, per_conn);
    let idle_tls = median("idle10000", Server::CutoutTls, Kind::Idle, per_conn);
    let held = median("idle10000", Server::Cutout, Kind::Idle, "connections held");
    let growth = median("slow", Server::Cutout, Kind::Slow, "relay RSS growth, MB");
    let p99 = median(
        "room50-256",
        Server::Cutout,
        Kind::Fanout,
        "latency p99, ms",
    );
    let show = |v: Option<f64>| v.map_or("–".into(), significant);
    let mut goals: Vec<String> = ["room50-256", "room50-64k", "rooms250-256", "rooms250-64k"]
        .into_iter()
        .map(|scenario| {
            let of = |server, label| median(scenario, server, Kind::Fanout, label);
            let (c, w) = (of(Server::Cutout, cpu), of(Server::Wsbroad, cpu));
            let p999 = "latency p99.9, ms";
            let (cp, wp) = (of(Server::Cutout, p999), of(Server::Wsbroad, p999));
            format!(
                "`{scenario}`: relay CPU per delivery ≤ 1.0 × wsbroad's: {} µs against {} µs, {} ({}); \
                 p99.9 latency ≤ 1.0 × wsbroad's: {} ms against {} ms, {} ({}).",
                show(c),
                show(w),
                times(c, w),
                check(c.zip(w).map(|(c, w)| c <= w)),
                show(cp),
                show(wp),
                times(cp, wp),
                check(cp.zip(wp).map(|(c, w)| c <= w)),
            )
        })
        .collect();
    let drained = "relay RSS per connection once the drain is over, KiB";
    let after = median("rooms250-64k", Server::Cutout, Kind::Fanout, drained);
    let after_tls = median("rooms250-64k", Server::CutoutTls, Kind::Fanout, drained);
    goals.push(format!(
        "≤ 16 KiB of relay RSS per connection once a burst of 64 KiB frames has drained: {} KiB \
         ({}); with TLS {} KiB ({}). The kernel's part of Cutout's CPU in one room of 50 \
         (system time: sending to sockets, loopback, wake-ups) is {} µs, {} wsbroad's total.",
        show(after),
        check(after.map(|v| v <= 16.0)),
        show(after_tls),
        check(after_tls.map(|v| v <= 16.0)),
        show(cutout_system),
        times(cutout_system, wsbroad_cpu),
    ));
    goals.extend([
        format!(
            "≤ 8 KiB per idle connection: {} KiB ({}); ≤ 16 KiB with TLS: {} KiB ({}).",
            show(idle),
            check(idle.map(|v| v <= 8.0)),
            show(idle_tls),
            check(idle_tls.map(|v| v <= 16.0)),
        ),
        format!(
            "10,000 connections held: {} ({}).",
            show(held),
            check(held.map(|v| v >= 10_000.0)),
        ),
        format!(
            "≤ 10 MB of growth under the slow receiver: {} MB ({}).",
            show(growth),
            check(growth.map(|v| v <= 10.0)),
        ),
        format!(
            "p99 latency under 5 ms at 15,000 deliveries/s: {} ms ({}).",
            show(p99),
            check(p99.map(|v| v < 5.0)),
        ),
    ]);
    goals
}

pub fn render(
    results: &[(Scenario, Vec<Runs>)],
    machine: &[String],
    took: Duration,
    repeats: usize,
) -> String {
    let mut out = format!(
        "{HEADING}\n\nMeasured {} (UTC) by `cargo xtask bench relay`, all relays in one run ({} min). \
         Every server runs pinned to core 0 and the generator (`loadgen`) to core 1, on \
         127.0.0.1. The generator runs open loop: latency counts from the scheduled send time \
         when the relay made a send late (the previous one was held up), and from when the \
         generator got to the send when the generator itself was late (its timers tick in \
         milliseconds). A run where the generator was late by more than 3 ms at the 99th \
         percentile, or used more than 90 % of its core, is thrown away and run again. Each cell \
         is the median of the runs kept ({repeats} where traffic is timed, {} for idle \
         connections and the slow receiver, unless a table says otherwise) with the smallest \
         and largest in brackets; each run starts a fresh server, and the relays take \
         their runs in turn (Cutout, wsbroad, …, Cutout again), so that the machine's drift \
         from minute to minute falls on all of them alike. Server CPU is the time the \
         kernel's scheduler counted the server's threads on a CPU, in nanoseconds \
         (`/proc/PID/task/*/schedstat`; its system part, in 10 ms ticks, from `/proc/PID/stat`) \
         over the measured window (10 s after 2 s of warm-up), divided \
         by the deliveries in it; RSS is the server's resident memory, and its growth per connection \
         from before the connections opened to the end of the drain after the last send (1 s; \
         10 s with 64 KiB messages in 250 rooms of 4: what a member keeps after a burst of large \
         frames) is the \"once the drain is over\" row. Cutout runs with `{}`, \
         since every client comes from one address; its other limits are the defaults. wsbroad \
         runs with `--max-urls 100000 --nodelay`, websocat as `websocat -b -E ws-l:ADDR \
         broadcast:mirror:` (one room for everyone, so it appears only where there is one room \
         or none).\n\n",
        today(),
        significant(took.as_secs_f64() / 60.0),
        Kind::Idle.repeats(repeats),
        CUTOUT_BENCH_FLAGS.join(" "),
    );
    for line in machine {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str("\nGoals:\n\n");
    for goal in goals(results) {
        out.push_str(&format!("- {goal}\n"));
    }
    for (scenario, runs) in results {
        out.push('\n');
        out.push_str(&table(scenario, runs, repeats));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_takes_the_middle() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), Some((2.0, 1.0, 3.0)));
        assert_eq!(spread(&[4.0, 1.0]), Some((2.5, 1.0, 4.0)));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn ratios_say_which_way_is_better() {
        assert_eq!(
            ratio(Some(1.0), Some(2.0), Better::Lower),
            "0.500× (better)"
        );
        assert_eq!(
            ratio(Some(1.0), Some(2.0), Better::Higher),
            "0.500× (worse)"
        );
        assert_eq!(ratio(None, Some(2.0), Better::Lower), "–");
        assert_eq!(ratio(Some(1.0), Some(2.0), Better::Neither), "–");
    }
}
