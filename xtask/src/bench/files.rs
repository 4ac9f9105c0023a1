//! `cargo xtask bench files`: a 1 GiB file between two headless Chromium instances through the
//! app and, as the baseline in the same run, through the same relay without encryption
//! (tests/browser/bench/), written as the "## Files" section of docs/BENCHMARKS.md.

use serde_json::Value;

use crate::cli::FilesArgs;
use crate::exec;
use crate::workspace::chromium_path;

use super::machine::browser_lines;
use super::playwright::{bench_spec, build_release_app_and_relay};
use super::section::{self, significant, today};

/// The section this benchmark owns.
pub const HEADING: &str = "## Files";

/// Goals of the issue that asked for this benchmark.
const GOAL_MIB_PER_SECOND: f64 = 25.0;
const GOAL_RENDERER_RSS_MIB: f64 = 512.0;

const MIB: u64 = 1024 * 1024;

/// Runs the transfers, writes the section, and fails if any file arrived different.
pub fn run(options: &FilesArgs) -> Result<(), String> {
    let bytes = options.mib * MIB;
    let root = build_release_app_and_relay()?;

    let bench = root.join("target/bench");
    let result = bench.join("files.json");
    let _ = std::fs::remove_file(&result);
    let source = bench.join(format!("files-{}MiB.bin", options.mib));
    println!(
        "\n{} MiB, {} run(s) of baseline then app, each between two fresh Chromium instances:",
        options.mib, options.runs
    );
    exec::run(
        bench_spec(&root, "files.bench.ts", &root.join("dist"))
            .env("CUTOUT_BENCH_RESULT", &result)
            .env("CUTOUT_BENCH_FILE", &source)
            .env("CUTOUT_BENCH_BYTES", bytes.to_string())
            .env("CUTOUT_BENCH_RUNS", options.runs.to_string()),
    )?;

    let results = section::read_json(&result)?;
    let section = render(&results, &browser_lines(&chromium_path()))?;
    section::publish(&root, HEADING, &section)?;
    check_goals(&results)
}

/// One transfer as the harness wrote it.
struct Run<'a>(&'a Value);

impl Run<'_> {
    fn kind(&self) -> &str {
        self.0["kind"].as_str().unwrap_or("?")
    }
    fn number(&self, path: &[&str]) -> f64 {
        path.iter()
            .fold(self.0, |v, key| &v[*key])
            .as_f64()
            .unwrap_or(f64::NAN)
    }
    fn sha_equal(&self) -> bool {
        self.0["sha256Equal"].as_bool() == Some(true)
    }
    fn mib_per_second(&self) -> f64 {
        self.number(&["mibPerSecond"])
    }
    fn renderer_peak(&self, side: &str) -> f64 {
        self.number(&[side, "rendererPeakRssMiB"])
    }
    /// CPU seconds of one side's processes of `kind`, or of all of them.
    fn cpu(&self, side: &str, kind: Option<&str>) -> f64 {
        let Some(by_kind) = self.0[side]["cpuSeconds"].as_object() else {
            return f64::NAN;
        };
        by_kind
            .iter()
            .filter(|(k, _)| kind.is_none_or(|want| k.as_str() == want))
            .filter_map(|(_, v)| v.as_f64())
            .sum()
    }
    fn errors(&self) -> Vec<&str> {
        self.0["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
}

fn runs(results: &Value) -> Result<Vec<Run<'_>>, String> {
    let runs: Vec<Run<'_>> = results["runs"]
        .as_array()
        .map(|a| a.iter().map(Run).collect())
        .unwrap_or_default();
    if runs.is_empty() {
        return Err("the benchmark recorded no transfer".into());
    }
    Ok(runs)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.retain(|v| v.is_finite());
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    }
}

fn of_kind<'a>(runs: &'a [Run<'a>], kind: &str) -> impl Iterator<Item = &'a Run<'a>> {
    runs.iter().filter(move |r| r.kind() == kind)
}

fn render(results: &Value, machine: &[String]) -> Result<String, String> {
    let runs = runs(results)?;
    let bytes = results["file"]["bytes"].as_u64().unwrap_or(0);
    let relay_args = results["relayArgs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let app = median(of_kind(&runs, "app").map(Run::mib_per_second).collect());
    let baseline = median(
        of_kind(&runs, "baseline")
            .map(Run::mib_per_second)
            .collect(),
    );
    let peak = |side: &str| {
        of_kind(&runs, "app")
            .map(|r| r.renderer_peak(side))
            .fold(0.0, f64::max)
    };

    let mut out = format!(
        "{HEADING}\n\n\
         Measured {} (UTC) by `cargo xtask bench files`, all figures in one run.\n\n",
        today()
    );
    for line in machine {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(&format!(
        "- page: `{}`\n\n",
        results["userAgent"].as_str().unwrap_or("unknown")
    ));
    out.push_str(&format!(
        "A file of {} MiB of random bytes (SHA-256 `{}`) sent from one headless Chromium instance \
         to another through the release relay on 127.0.0.1 (`{relay_args}`, raised so that the \
         relay's per-connection limits cap neither path). **app**: two people in a room, the \
         sender attaches the file with the app's file input, the receiver accepts it and saves \
         what the app offers (AES-256-GCM STREAM chunks of 64 KiB, sealed once, by WebCrypto). \
         **baseline**: the same bytes through the same relay by two plain pages of its origin \
         that speak the wire protocol directly with the app's chunk frames, window and \
         acknowledgements, without encryption, storing the file the same way (`tests/browser/bench/baseline.ts`). Each transfer \
         runs between two fresh Chromium instances driven over the DevTools protocol by pipe, \
         with no CDP domain enabled that copies WebSocket frames; baseline and app alternate.\n\n",
        bytes / MIB,
        results["file"]["sha256"].as_str().unwrap_or("?"),
    ));
    out.push_str(
        "Throughput is file size over the time from Accept (or the first chunk) to the whole \
         file written to the receiving page's origin private file system and offered for saving, \
         measured in the receiving page. Renderer RSS is the peak resident \
         memory of the page's renderer process (found through CDP `SystemInfo.getProcessInfo`, \
         read from /proc every 100 ms); the JS heap is `Runtime.getHeapUsage` every 500 ms. \
         The browser process (which handles Blobs and storage) is shown apart. CPU is utime + stime from /proc in \
         the timed window, per process kind.\n\n",
    );
    out.push_str(&format!(
        "**Summary:** app {} MiB/s against baseline {} MiB/s (median; ratio {}); app renderer \
         peak RSS {} MiB sending, {} MiB receiving; SHA-256 equal in {} of {} transfers.\n\n",
        significant(app),
        significant(baseline),
        significant(app / baseline),
        significant(peak("sender")),
        significant(peak("receiver")),
        runs.iter().filter(|r| r.sha_equal()).count(),
        runs.len(),
    ));
    out.push_str(
        "| way | run | MiB/s | seconds | renderer RSS peak, MiB (sender / receiver) | JS heap \
         peak, MiB | browser process RSS peak, MiB | CPU s: renderers | CPU s: browser + \
         network + other | CPU s: relay | SHA-256 |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in &runs {
        let pair = |f: &dyn Fn(&str) -> f64| {
            format!(
                "{} / {}",
                significant(f("sender")),
                significant(f("receiver"))
            )
        };
        let others = |side: &str| r.cpu(side, None) - r.cpu(side, Some("renderer"));
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            r.kind(),
            r.number(&["run"]),
            significant(r.mib_per_second()),
            significant(r.number(&["seconds"])),
            pair(&|s| r.renderer_peak(s)),
            pair(&|s| r.number(&[s, "jsHeapPeakMiB"])),
            pair(&|s| r.number(&[s, "browserPeakRssMiB"])),
            pair(&|s| r.cpu(s, Some("renderer"))),
            pair(&others),
            significant(r.number(&["relay", "cpuSeconds"])),
            if r.sha_equal() { "equal" } else { "DIFFERENT" },
        ));
    }
    let errors: Vec<String> = runs
        .iter()
        .flat_map(|r| r.errors().into_iter().map(|e| format!("{}: {e}", r.kind())))
        .collect();
    if !errors.is_empty() {
        out.push_str("\nPage errors logged during the transfers:\n\n");
        for e in errors {
            out.push_str(&format!("- {e}\n"));
        }
    }
    out.push_str(&format!(
        "\nGoals: SHA-256 equal; app renderer RSS under {GOAL_RENDERER_RSS_MIB} MiB on both sides; \
         at least {GOAL_MIB_PER_SECOND} MiB/s. Rerun with `cargo xtask bench files` \
         (`--mib N` for another size, `--runs N`; the source file is kept in target/bench/).\n"
    ));
    Ok(out)
}

/// Fails the command when a transfer delivered different bytes; the other goals are reported.
fn check_goals(results: &Value) -> Result<(), String> {
    let runs = runs(results)?;
    let bad = runs.iter().filter(|r| !r.sha_equal()).count();
    if bad > 0 {
        return Err(format!("{bad} transfer(s) delivered a different file"));
    }
    let app: Vec<&Run<'_>> = of_kind(&runs, "app").collect();
    let speed = median(app.iter().map(|r| r.mib_per_second()).collect());
    let rss = app
        .iter()
        .flat_map(|r| [r.renderer_peak("sender"), r.renderer_peak("receiver")])
        .fold(0.0, f64::max);
    let mark = |met: bool| if met { "met" } else { "NOT met" };
    println!(
        "goals: SHA-256 equal (met); renderer RSS {} MiB < {GOAL_RENDERER_RSS_MIB} ({}); \
         {} MiB/s >= {GOAL_MIB_PER_SECOND} ({})",
        significant(rss),
        mark(rss < GOAL_RENDERER_RSS_MIB),
        significant(speed),
        mark(speed >= GOAL_MIB_PER_SECOND),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        let side = |rss: f64| {
            serde_json::json!({
                "rendererPeakRssMiB": rss, "renderers": 1, "browserPeakRssMiB": 300.0,
                "jsHeapPeakMiB": 5.0, "embedderHeapPeakMiB": 1.0, "heapSamples": 9,
                "cpuSeconds": { "renderer": 10.0, "browser": 4.0, "network": 1.0 }
            })
        };
        let run = |kind: &str, speed: f64, equal: bool| {
            serde_json::json!({
                "kind": kind, "run": 1, "seconds": 1024.0 / speed, "mibPerSecond": speed,
                "sha256": "ab", "sha256Equal": equal, "sender": side(200.0),
                "receiver": side(250.0), "relay": { "peakRssMiB": 8.0, "cpuSeconds": 3.0 },
                "harnessCpuSeconds": 1.0, "errors": []
            })
        };
        serde_json::json!({
            "date": "2026-11-30", "chromium": "HeadlessChrome/156", "userAgent": "UA",
            "file": { "bytes": 1024 * MIB, "sha256": "ab", "reused": true },
            "relayArgs": ["--rate-frames", "100000"],
            "runs": [run("baseline", 40.0, true), run("app", 30.0, true)]
        })
    }

    #[test]
    fn the_section_compares_app_and_baseline() {
        let section = render(&sample(), &["CPU: test".into()]).unwrap();
        assert!(section.starts_with(HEADING));
        assert!(section.contains("app 30.0 MiB/s against baseline 40.0 MiB/s"));
        assert!(section.contains("ratio 0.750"));
        assert!(section.contains("| app | 1 | 30.0 | 34.1 | 200 / 250 |"));
        assert!(section.contains("| 5.00 / 5.00 |"), "{section}");
        assert!(section.contains("equal in 2 of 2"));
    }

    #[test]
    fn a_different_file_fails_the_benchmark() {
        assert!(check_goals(&sample()).is_ok());
        let mut bad = sample();
        bad["runs"][1]["sha256Equal"] = Value::Bool(false);
        assert!(check_goals(&bad).is_err());
        assert!(render(&bad, &[]).unwrap().contains("DIFFERENT"));
    }
}
