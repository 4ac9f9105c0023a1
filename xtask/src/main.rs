//! `cargo xtask`: Cutout's automation, in Rust so it runs wherever cargo does.
//!
//! - `setup`: install or verify what building and running need (idempotent).
//! - `run`: setup, build the app, start the relay.
//! - `test`: setup (with test tools), then every check and test suite; ends with `N passed, N failed`.
//! - `fixtures DIR`: write the browser tests' fixtures (a fake-camera clip of a QR code).
//! - `bench protocol`: protocol benchmarks, native and in headless Chromium, into docs/BENCHMARKS.md.
//! - `bench files`: a 1 GiB file through the app between two headless Chromium instances, against
//!   an unencrypted baseline, into docs/BENCHMARKS.md.
//! - `bench qr`: QR pipelines in wasm against zxing-cpp on synthetic frames, into docs/BENCHMARKS.md.
//! - `bench offline`: an offline message as animated codes through the fake camera at three
//!   rates, with and without loss, into docs/BENCHMARKS.md.
//! - `decode FILE…`: the app's QR pipeline on image files, one JSON line each.
//! - `fuzz [SECONDS] [TARGET…]`: run the cargo-fuzz targets one after another.

#![forbid(unsafe_code)]
// A binary crate: `pub` only marks what sibling modules use.
#![allow(unreachable_pub)]

mod bench;
mod decode;
mod exec;
mod fixtures;
mod fuzz;
mod run;
mod setup;
mod suite;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
usage: cargo xtask <command>

commands:
  setup          install or verify the build tools (wasm32 target, trunk, wasm-bindgen-cli, wasm-opt)
  run [ARGS]     setup, build the app, start the relay (ARGS go to the relay, e.g. --http 127.0.0.1:8080)
  test           setup with test tools, then fmt, clippy, doc, native tests, wasm checks, browser tests
  fixtures DIR   write the browser tests' fixtures into DIR
  bench protocol measure seal/open, STREAM and Argon2id natively and in headless Chromium
                 (WebCrypto as baseline); writes the figures to docs/BENCHMARKS.md
  bench files [--mib SIZE] [--runs N]
                 a 1 GiB file (or SIZE MiB) between two headless Chromium instances through the
                 app, against the same bytes unencrypted; writes the figures to docs/BENCHMARKS.md
  bench qr       QR decode rate and ms per frame of each pipeline in wasm (headless Chromium) on
                 synthetic frames, zxing-cpp as reference; writes docs/BENCHMARKS.md
  bench offline [--kib SIZE]
                 a 32 KiB file (or SIZE KiB) as animated offline codes through the fake camera at
                 10, 15 and 20 codes a second, 0 % and 20 % lost; writes docs/BENCHMARKS.md
  decode [--pipeline NAME] FILE...
                 read the QR code in each image file (PNG, JPEG, GIF, WebP, BMP) with the app's
                 decoding pipeline, natively; one JSON line a file: {file, text, ms}
  fuzz [SECONDS] [TARGET...]
                 run each cargo-fuzz target (or those named) for SECONDS (default 300) each
  help           this text
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_else(|| "help".into());
    let rest: Vec<String> = args.collect();
    let result = match command.as_str() {
        "setup" => setup::setup(setup::Purpose::Run).map(|_| ()),
        "run" => run::run(&rest),
        "test" => suite::test(),
        "bench" => bench::run(&rest),
        "fuzz" => fuzz::run(&rest),
        "decode" => decode::run(&rest),
        "fixtures" => match rest.first() {
            Some(dir) => fixtures::write(&PathBuf::from(dir)),
            None => Err("usage: cargo xtask fixtures DIR".into()),
        },
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{HELP}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("xtask: {message}");
            }
            ExitCode::FAILURE
        }
    }
}
