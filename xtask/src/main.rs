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
//! - `bench offline`: an offline message as animated codes through the fake camera at each
//!   density, two camera sizes, clean and degraded, with and without loss, into
//!   docs/BENCHMARKS.md.
//! - `bench relay`: the relay against wsbroad and websocat under load, into docs/BENCHMARKS.md.
//! - `decode FILE…`: the app's QR pipeline on image files, one JSON line each.
//! - `fuzz [SECONDS] [TARGET…]`: run the cargo-fuzz targets one after another.
//!
//! This file only mounts: `cli` parses the command line, each command has its module, and
//! `workspace` and `exec` are the floor they all stand on.

#![forbid(unsafe_code)]
// A binary crate: `pub` only marks what sibling modules use.
#![allow(unreachable_pub)]

mod bench;
mod cli;
mod decode;
mod exec;
mod fixtures;
mod fuzz;
mod run;
mod setup;
mod suite;
mod workspace;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors fail as every other error here does (1), not with clap's 2;
            // `--help` succeeds.
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        None => Cli::command()
            .print_help()
            .map_err(|e| format!("cannot print the help: {e}")),
        Some(Command::Setup) => setup::setup(setup::Purpose::Run),
        Some(Command::Run(args)) => run::run(&args.relay_args),
        Some(Command::Test) => suite::test(),
        Some(Command::Fixtures { dir }) => fixtures::write(&dir),
        Some(Command::Bench { benchmark }) => bench::run(benchmark),
        Some(Command::Decode(args)) => decode::run(&args),
        Some(Command::Fuzz(args)) => fuzz::run(&args),
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
