//! `cargo xtask bench <benchmark>`: hands each benchmark to its module. Each writes its own
//! `## ` section of docs/BENCHMARKS.md and keeps the others as they are: `protocol`
//! (protocol.rs) "## Protocol", `files` (files.rs) "## Files", `qr` (qr.rs) "## QR decoding",
//! `offline` (offline.rs) "## Offline QR", `relay` (relay.rs) "## Relay", `mls` (mls.rs)
//! "## MLS".
//!
//! What they share sits below them: `section` (writing a section, its numbers and date),
//! `machine` (the machine lines), `playwright` (the release app and relay, and a Playwright
//! spec run against them).

mod files;
mod machine;
mod mls;
mod mls_report;
mod offline;
mod playwright;
mod protocol;
mod protocol_report;
mod protocol_results;
mod qr;
mod qr_frames;
mod qr_photos;
mod qr_pictures;
mod qr_report;
mod relay;
mod relay_report;
mod relay_rows;
mod relay_scenario;
mod room_report;
mod section;

use crate::cli::Benchmark;

/// Runs `benchmark`.
pub fn run(benchmark: Benchmark) -> Result<(), String> {
    match benchmark {
        Benchmark::Protocol => protocol::run(),
        Benchmark::Files(args) => files::run(&args),
        Benchmark::Qr(args) => qr::run(&args),
        Benchmark::Offline(args) => offline::run(&args),
        Benchmark::Relay(args) => relay::run(&args),
        Benchmark::Mls => mls::run(),
    }
}
