//! `cargo xtask bench offline`: an offline message as animated codes through the fake camera at
//! 10, 15 and 20 codes a second, with 0 % and 20 % of the codes lost
//! (tests/browser/bench/offline.bench.ts), written as the "## Offline QR" section of
//! docs/BENCHMARKS.md. The baseline in the same run is the channel itself: symbol bytes × codes
//! a second, what a receiver that needed exactly K codes and missed none would get.

use serde_json::Value;

use crate::cli::OfflineArgs;
use crate::exec;
use crate::workspace::chromium_path;

use super::machine::browser_lines;
use super::playwright::{bench_spec, build_release_app_and_relay};
use super::section::{self, significant, today};

/// The section this benchmark owns.
pub const HEADING: &str = "## Offline QR";

/// Goals of the issue that asked for this benchmark.
const GOAL_KB_PER_SECOND: f64 = 10.0;
const GOAL_OVERHEAD: f64 = 1.05;

/// Plays the clips, writes the section, and fails if any file arrived different.
pub fn run(options: &OfflineArgs) -> Result<(), String> {
    let bytes = options.kib * 1024;
    let root = build_release_app_and_relay()?;
    let result = root.join("target/bench/offline.json");
    let _ = std::fs::remove_file(&result);
    println!("\n{bytes} bytes as animated codes, one clip per rate and loss:");
    exec::run(
        bench_spec(&root, "offline.bench.ts", &root.join("dist"))
            .env("CUTOUT_BENCH_RESULT", &result)
            .env("CUTOUT_BENCH_BYTES", bytes.to_string()),
    )?;
    let results = section::read_json(&result)?;
    let section = render(&results, &browser_lines(&chromium_path()))?;
    section::publish(&root, HEADING, &section)?;
    if results["runs"]
        .as_array()
        .is_some_and(|runs| runs.iter().all(|r| r["sha256Equal"] == true))
    {
        Ok(())
    } else {
        Err("a received file differed from the one sent".into())
    }
}

fn number(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

fn render(results: &Value, machine: &[String]) -> Result<String, String> {
    let runs = results["runs"]
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or("no runs recorded")?;
    let symbol = number(results, "symbolSize");
    let k = number(results, "k");
    let mut out = format!(
        "{HEADING}\n\nMeasured {} (UTC) by `cargo xtask bench offline`, all figures in one run.\n\n",
        today()
    );
    for line in machine {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(&format!(
        "\nA file of {} bytes of random data, sealed with a generated passphrase (light profile) \
         into a blob of {} bytes, shown by the app as fountain codes: K = {k} source symbols of \
         {symbol} bytes, QR version ≤ 22 at level M. The test screenshots {} successive codes from \
         the sender's page, scales each into a 1280×720 frame and writes one Y4M clip per rate \
         and loss (a lost code is a blank frame, so the clip keeps the display's timing); a fresh \
         headless Chromium plays each clip as its fake camera to the app's scanner, which \
         collects codes until the message is whole; the file is then opened and compared by \
         SHA-256. **decode ms**: the QR worker's time per camera frame (median, p90) against the \
         frame interval; **distinct ÷ K**: distinct codes collected when the message became \
         whole; **codes shown**: from the first code read to the last, times the rate; \
         **KB/s**: payload bytes (1 KB = 1,000 bytes) ÷ that time. **channel KB/s** is the \
         baseline: symbol bytes × rate, what a receiver that needed exactly K codes and missed \
         none would get of the blob; the ratio is KB/s ÷ channel KB/s.\n\n",
        number(results, "payloadBytes"),
        number(results, "blobLength"),
        number(results, "captured"),
    ));
    out.push_str(
        "| codes/s | lost | decode ms median / p90 | interval ms | keeps up | distinct ÷ K | codes shown | KB/s | channel KB/s | ratio | SHA-256 equal |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut fastest_kept = None::<(f64, f64)>;
    let mut worst_overhead = 0.0f64;
    for run in runs {
        let rate = number(run, "rate");
        let p90 = number(run, "decodeP90Ms");
        let interval = number(run, "intervalMs");
        let keeps_up = p90 < interval;
        let overhead = number(run, "distinct") / k;
        let kbps = number(run, "kbPerSecond");
        let channel = symbol * rate / 1000.0;
        worst_overhead = worst_overhead.max(overhead);
        if keeps_up && number(run, "loss") == 0.0 && fastest_kept.is_none_or(|(r, _)| rate > r) {
            fastest_kept = Some((rate, kbps));
        }
        out.push_str(&format!(
            "| {rate} | {} % | {} / {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            number(run, "loss") * 100.0,
            significant(number(run, "decodeMedianMs")),
            significant(p90),
            significant(interval),
            if keeps_up { "yes" } else { "no" },
            significant(overhead),
            significant(number(run, "framesShown")),
            significant(kbps),
            significant(channel),
            significant(kbps / channel),
            if run["sha256Equal"] == true {
                "yes"
            } else {
                "no"
            },
        ));
    }
    out.push_str(&format!(
        "\nGoals: at least {GOAL_KB_PER_SECOND} KB/s at the fastest rate the decoder keeps up \
         with — {}; at most {GOAL_OVERHEAD} × K distinct codes — worst {} × K.\n\n\
         Rerun: `cargo xtask bench offline [--kib SIZE]` (32 KiB unless told).\n",
        match fastest_kept {
            Some((rate, kbps)) => format!("{} KB/s at {rate} codes/s", significant(kbps)),
            None => "the decoder kept up with no rate".into(),
        },
        significant(worst_overhead),
    ));
    Ok(out)
}
