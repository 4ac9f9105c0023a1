//! `cargo xtask bench offline`: an offline message as animated codes through the fake camera at
//! each density and its rate, at 1280×720 and 1920×1080, through clean and degraded clips, with
//! 0 % and 20 % of the codes lost (tests/browser/bench/offline.bench.ts), written as the
//! "## Offline QR" section of
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

/// Goals of the issues that asked for this benchmark: KB/s of Dense through the clean clip and
/// of the default through the degraded one, both with 20 % lost; distinct codes ÷ K.
const GOAL_DENSE: f64 = 30.0;
const GOAL_DEFAULT: f64 = 10.0;
const GOAL_OVERHEAD: f64 = 1.05;

/// Plays the clips, writes the section, and fails if any file arrived different.
pub fn run(options: &OfflineArgs) -> Result<(), String> {
    let bytes = options.kib * 1024;
    let root = build_release_app_and_relay()?;
    let result = root.join("target/bench/offline.json");
    let _ = std::fs::remove_file(&result);
    println!("\n{bytes} bytes as animated codes, one clip per density, camera, look and loss:");
    exec::run(
        bench_spec(&root, "offline.bench.ts", &root.join("dist"))
            .env("CUTOUT_BENCH_RESULT", &result)
            .env("CUTOUT_BENCH_BYTES", bytes.to_string()),
    )?;
    let results = section::read_json(&result)?;
    let section = render(&results, &browser_lines(&chromium_path()))?;
    section::publish(&root, HEADING, &section)?;
    if results["runs"].as_array().is_some_and(|runs| {
        runs.iter()
            .all(|r| r["received"] != true || r["sha256Equal"] == true)
    }) {
        Ok(())
    } else {
        Err("a received file differed from the one sent".into())
    }
}

fn number(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or(f64::NAN)
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("?")
}

/// Runs of `density` through `look` clips with `loss` lost: (camera, KB/s) each.
fn rates_of(runs: &[Value], density: &str, look: &str, loss: f64) -> Vec<(String, f64)> {
    runs.iter()
        .filter(|r| text(r, "density") == density && text(r, "look") == look)
        .filter(|r| (number(r, "loss") - loss).abs() < 1e-9)
        .map(|r| (text(r, "camera").to_string(), number(r, "kbPerSecond")))
        .collect()
}

/// "30.1 KB/s with the 1280×720 camera, 41.0 KB/s with the 1920×1080 camera (met)".
fn goal_line(rates: &[(String, f64)], goal: f64) -> String {
    let each = rates
        .iter()
        .map(|(camera, kbps)| format!("{} KB/s with the {camera} camera", significant(*kbps)))
        .collect::<Vec<_>>()
        .join(", ");
    let met = !rates.is_empty() && rates.iter().all(|(_, kbps)| *kbps >= goal);
    format!("{each} ({})", if met { "met" } else { "**not met**" })
}

fn render(results: &Value, machine: &[String]) -> Result<String, String> {
    let runs = results["runs"]
        .as_array()
        .filter(|r| !r.is_empty())
        .ok_or("no runs recorded")?;
    let densities = results["densities"]
        .as_array()
        .ok_or("no densities recorded")?;
    let mut out = format!(
        "{HEADING}\n\nMeasured {} (UTC) by `cargo xtask bench offline`, all figures in one run.\n\n",
        today()
    );
    for line in machine {
        out.push_str(&format!("- {line}\n"));
    }
    out.push_str(&format!(
        "\nA file of {} bytes of random data, sealed with a generated passphrase (light profile) \
         into a blob of {} bytes, shown by the app as fountain codes at each density \
         (docs/PROTOCOL.md, \"Densities of animated codes\"; each density a seal of its own), \
         each at its own rate:\n\n",
        number(results, "payloadBytes"),
        number(results, "blobLength"),
    ));
    for d in densities {
        out.push_str(&format!(
            "- {}: K = {} source symbols of {} bytes, {} codes a second, {} codes captured\n",
            text(d, "density"),
            number(d, "k"),
            number(d, "symbolSize"),
            number(d, "rate"),
            number(d, "captured"),
        ));
    }
    out.push_str(
        "\nThe test screenshots successive codes from the sender's page (1280×900 at twice the \
         pixels, so frames are scaled down from a sharp screen), scales each into a frame of the \
         camera's size (the code filling its height less 40 pixels) and writes one Y4M clip of \
         one frame a code per density, camera size, clip and loss (a lost code is a blank frame, \
         so the clip keeps the display's timing). A **degraded** clip is what a hand-held phone \
         makes of the screen (tests/browser/offline-clips.ts): the code slightly in perspective \
         (one side 8 % taller than the other), turned by up to 2°, moved by up to 2 % of its \
         side and each corner by up to 1 % more, differently in each frame, \
         blurred (σ ≈ 1 pixel at 720p, 1.2 at 1080p), its blacks at 25–55 and whites at 185–235 \
         drifting from frame to frame, 15 % darker in the corners, with noise of σ ≈ 5. A fresh \
         headless Chromium plays each clip as its fake camera to the app's scanner, which \
         collects codes until the message is whole; the file is then opened and compared by \
         SHA-256. **app saw**: the frame size the scanner handed its decoder (the app asks the \
         camera for 1280×720, so Chromium scales a 1920×1080 camera down to that, as a phone's \
         browser would). \
         **decode ms**: the QR worker's time per camera frame (median, p90) against the frame \
         interval; **distinct ÷ K**: distinct codes collected when the message became whole; \
         **codes shown**: from the first code read to the last, times the rate; **KB/s**: \
         payload bytes (1 KB = 1,000 bytes) ÷ that time (0 when the message never became whole \
         in 2 minutes). **channel KB/s** is the baseline: symbol bytes × rate, what a receiver \
         that needed exactly K codes and missed none would get of the blob; the ratio is KB/s ÷ \
         channel KB/s (it can come out a little above 1: the span is timed by when the decoder \
         answered, which varies by some milliseconds).\n\n",
    );
    out.push_str(
        "| density | camera | app saw | clip | lost | codes/s | decode ms median / p90 | keeps up | distinct ÷ K | codes shown | KB/s | channel KB/s | ratio | whole, SHA-256 equal |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut worst_overhead = 0.0f64;
    for run in runs {
        let rate = number(run, "rate");
        let p90 = number(run, "decodeP90Ms");
        let interval = number(run, "intervalMs");
        let received = run["received"] == true;
        let overhead = number(run, "distinct") / number(run, "k");
        let kbps = number(run, "kbPerSecond");
        let channel = number(run, "symbolSize") * rate / 1000.0;
        if received {
            worst_overhead = worst_overhead.max(overhead);
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} % | {rate} | {} / {} | {} | {} | {} | {} | {} | {} | {} |\n",
            text(run, "density"),
            text(run, "camera"),
            text(run, "video"),
            text(run, "look"),
            number(run, "loss") * 100.0,
            significant(number(run, "decodeMedianMs")),
            significant(p90),
            if p90 < interval { "yes" } else { "no" },
            significant(overhead),
            if received {
                significant(number(run, "framesShown"))
            } else {
                "–".into()
            },
            significant(kbps),
            significant(channel),
            significant(kbps / channel),
            match (received, run["sha256Equal"] == true) {
                (true, true) => "yes, yes",
                (true, false) => "yes, **no**",
                (false, _) => "**no**",
            },
        ));
    }
    out.push_str(&format!(
        "\nGoals:\n\n\
         - Dense: at least {GOAL_DENSE} KB/s through the clean clip with 20 % lost: {}.\n\
         - Normal (the default): at least {GOAL_DEFAULT} KB/s through the degraded clip with 20 % \
         lost: {}.\n\
         - At most {GOAL_OVERHEAD} × K distinct codes: worst {} × K ({}).\n\n\
         Rerun: `cargo xtask bench offline [--kib SIZE]` (32 KiB unless told).\n",
        goal_line(&rates_of(runs, "dense", "clean", 0.2), GOAL_DENSE),
        goal_line(&rates_of(runs, "normal", "degraded", 0.2), GOAL_DEFAULT),
        significant(worst_overhead),
        if worst_overhead <= GOAL_OVERHEAD {
            "met"
        } else {
            "**not met**"
        },
    ));
    Ok(out)
}
