//! The command line of `cargo xtask`, the one place it is parsed: clap reads it into a [`Cli`]
//! whose commands carry their options already checked and defaulted, so the modules that run
//! them read no arguments of their own. The help clap prints (`cargo xtask help`, `cargo xtask
//! help bench files`, `--help` after any command but `run`) is generated from the comments here.
//!
//! A leaf: it imports nothing from this crate, so every command module may use its types.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use qrdecode::Pipeline;

/// Cutout's automation, in Rust so it runs wherever cargo does.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    after_help = "`cargo xtask help COMMAND` (or `cargo xtask COMMAND --help`) says more about a \
                  command; `cargo xtask help bench` lists the benchmarks."
)]
pub struct Cli {
    /// What to do; `help` without one.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// install or verify the build tools (wasm32 target, trunk, wasm-bindgen-cli, wasm-opt)
    Setup,
    /// setup, build the app, start the relay (ARGS go to the relay, e.g. --http 127.0.0.1:8080)
    // `--help` too goes to the relay, as every other argument does.
    #[command(disable_help_flag = true)]
    Run(RunArgs),
    /// setup with test tools, then fmt, clippy, doc, native tests, wasm checks, browser tests;
    /// ends with `N passed, N failed`
    Test,
    /// write the browser tests' fixtures into DIR
    Fixtures {
        /// The folder to write into (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// measure, and write the figures into their section of docs/BENCHMARKS.md
    #[command(
        subcommand_value_name = "BENCHMARK",
        subcommand_help_heading = "Benchmarks"
    )]
    Bench {
        /// Which benchmark.
        #[command(subcommand)]
        benchmark: Benchmark,
    },
    /// read the QR code in each image file (PNG, JPEG, GIF, WebP, BMP) with the app's decoding
    /// pipeline, natively; one JSON line a file: {file, text, ms}
    #[command(args_override_self = true)]
    Decode(DecodeArgs),
    /// run each cargo-fuzz target (or those named) for SECONDS (default 300) each
    #[command(override_usage = "cargo xtask fuzz [SECONDS] [TARGET]...")]
    Fuzz(FuzzArgs),
}

/// `cargo xtask run [ARGS...]`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Passed to the relay as they are, `--` options included (`cargo xtask run --http
    /// 127.0.0.1:8080 --https off`).
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub relay_args: Vec<String>,
}

/// `cargo xtask bench <benchmark>`: each benchmark rewrites only its own `## ` section of
/// docs/BENCHMARKS.md.
#[derive(Debug, Subcommand)]
pub enum Benchmark {
    /// measure seal/open, STREAM and Argon2id natively and in headless Chromium (WebCrypto as
    /// baseline); writes the figures to docs/BENCHMARKS.md
    Protocol,
    /// a 1 GiB file (or SIZE MiB) between two headless Chromium instances through the app,
    /// against the same bytes unencrypted; writes the figures to docs/BENCHMARKS.md
    #[command(args_override_self = true)]
    Files(FilesArgs),
    /// QR decode rate and ms per frame of each pipeline in wasm (headless Chromium) on synthetic
    /// frames and pictures, and on a folder of real pictures when there is one, zxing-cpp as
    /// reference; writes docs/BENCHMARKS.md
    #[command(args_override_self = true)]
    Qr(QrArgs),
    /// a 32 KiB file (or SIZE KiB) as animated offline codes through the fake camera at each
    /// density, 720p and 1080p, clean and degraded clips, 0 % and 20 % lost; writes
    /// docs/BENCHMARKS.md
    #[command(args_override_self = true)]
    Offline(OfflineArgs),
    /// Cutout's relay against wsbroad and websocat under load (loadgen), each scenario three
    /// times; a full run writes docs/BENCHMARKS.md, a shortened one only prints its tables
    #[command(args_override_self = true)]
    Relay(RelayArgs),
    /// mls-rs and openmls side by side (join, commits, messages, exporter for groups of 8, 32
    /// and 64) natively and in headless Chromium, and their added wasm size; writes
    /// docs/BENCHMARKS.md
    Mls,
}

/// `cargo xtask bench files`.
#[derive(Debug, Args)]
pub struct FilesArgs {
    /// The file's size in MiB.
    #[arg(long = "mib", value_name = "SIZE", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub mib: u64,
    /// Transfers of each kind (baseline, app).
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
}

/// `cargo xtask bench qr`.
#[derive(Debug, Args)]
pub struct QrArgs {
    /// A folder of real pictures with their payloads (`expected.json`: file name → `bytes_b64`,
    /// or null where unknown); by default `../shared/qr-photos` beside the repository, when it
    /// is there. Without one, that part of the report says it was skipped.
    #[arg(long, value_name = "DIR")]
    pub photos: Option<PathBuf>,
}

/// `cargo xtask bench offline`.
#[derive(Debug, Args)]
pub struct OfflineArgs {
    /// The file's size in KiB: a blob of up to 250 KiB fits the offline format.
    #[arg(long = "kib", value_name = "SIZE", default_value_t = 32,
          value_parser = clap::value_parser!(u64).range(1..=250))]
    pub kib: u64,
}

/// `cargo xtask bench relay`.
#[derive(Debug, Args)]
pub struct RelayArgs {
    /// Runs kept per scenario and relay (idle connections and the slow receiver: at most 3).
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub repeats: u32,
    /// Seconds each fanout run measures.
    #[arg(long, value_name = "S", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub seconds: u32,
    /// Only this scenario (repeat for more): room50-256, room50-64k, rooms250-256,
    /// rooms250-64k, idle2000, idle10000, slow.
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
}

/// `cargo xtask decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The `qrdecode` pipeline to run.
    #[arg(long, value_name = "NAME", default_value = "default", value_parser = pipeline())]
    pub pipeline: Pipeline,
    /// The image files, each read on its own (one that cannot be read still gets its line).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// Parses a pipeline's name into the `qrdecode` pipeline of that name.
fn pipeline() -> impl TypedValueParser<Value = Pipeline> {
    PossibleValuesParser::new(Pipeline::OPTIONS.map(|p| p.name)).map(|name| {
        Pipeline::OPTIONS
            .into_iter()
            .find(|p| p.name == name)
            // Unreachable: the possible values are exactly these names.
            .unwrap_or(Pipeline::DEFAULT)
    })
}

/// `cargo xtask fuzz [SECONDS] [TARGET...]`: a first word that is a number is SECONDS, every
/// other word a target (so a target list needs no SECONDS before it).
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// SECONDS per target (default 300), then the targets to run (default: every target in
    /// fuzz/).
    #[arg(value_name = "SECONDS|TARGET", value_parser = fuzz_word)]
    words: Vec<String>,
}

impl FuzzArgs {
    /// Fuzzing time per target when none is given.
    pub const DEFAULT_SECONDS: u64 = 300;

    /// Seconds per target.
    pub fn seconds(&self) -> u64 {
        self.leading_seconds().unwrap_or(Self::DEFAULT_SECONDS)
    }

    /// The targets named, none meaning all.
    pub fn targets(&self) -> &[String] {
        let skip = usize::from(self.leading_seconds().is_some());
        &self.words[skip..]
    }

    fn leading_seconds(&self) -> Option<u64> {
        self.words.first().and_then(|w| w.parse().ok())
    }
}

/// A fuzz word: any target name or number, but not zero, which is neither a target nor a
/// length of time.
fn fuzz_word(word: &str) -> Result<String, String> {
    match word.parse::<u64>() {
        Ok(0) => Err("SECONDS must be at least 1".into()),
        _ => Ok(word.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use clap::CommandFactory;

    use super::*;

    fn parse(line: &[&str]) -> Result<Option<Command>, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(line.iter().copied())).map(|c| c.command)
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_command_means_help() {
        assert!(matches!(parse(&[]), Ok(None)));
    }

    #[test]
    fn run_passes_every_argument_through() {
        let args = ["--http", "127.0.0.1:8080", "--https", "off", "--help", "-v"];
        let mut line = vec!["run"];
        line.extend(args);
        match parse(&line) {
            Ok(Some(Command::Run(run))) => assert_eq!(run.relay_args, args),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse(&["run"]), Ok(Some(Command::Run(r))) if r.relay_args.is_empty()));
        // A `--` after the first argument is the relay's, like everything else.
        match parse(&["run", "--http", "x", "--", "y"]) {
            Ok(Some(Command::Run(run))) => assert_eq!(run.relay_args, ["--http", "x", "--", "y"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fixtures_needs_its_folder() {
        assert!(parse(&["fixtures"]).is_err());
        assert!(matches!(
            parse(&["fixtures", "out"]),
            Ok(Some(Command::Fixtures { dir })) if dir == Path::new("out")
        ));
    }

    fn benchmark(line: &[&str]) -> Result<Benchmark, String> {
        match parse(line) {
            Ok(Some(Command::Bench { benchmark })) => Ok(benchmark),
            Ok(other) => Err(format!("{other:?}")),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn bench_files_options_default_and_are_checked() {
        assert!(matches!(
            benchmark(&["bench", "files"]),
            Ok(Benchmark::Files(FilesArgs { mib: 1024, runs: 2 }))
        ));
        assert!(matches!(
            benchmark(&["bench", "files", "--mib", "64", "--runs", "1"]),
            Ok(Benchmark::Files(FilesArgs { mib: 64, runs: 1 }))
        ));
        assert!(matches!(
            benchmark(&["bench", "files", "--mib", "1", "--mib", "8"]),
            Ok(Benchmark::Files(FilesArgs { mib: 8, .. }))
        ));
        assert!(benchmark(&["bench", "files", "--mib", "0"]).is_err());
        assert!(benchmark(&["bench", "files", "--fast"]).is_err());
    }

    #[test]
    fn bench_offline_takes_1_to_250_kib() {
        assert!(matches!(
            benchmark(&["bench", "offline"]),
            Ok(Benchmark::Offline(OfflineArgs { kib: 32 }))
        ));
        assert!(matches!(
            benchmark(&["bench", "offline", "--kib", "250"]),
            Ok(Benchmark::Offline(OfflineArgs { kib: 250 }))
        ));
        assert!(benchmark(&["bench", "offline", "--kib", "251"]).is_err());
        assert!(benchmark(&["bench", "offline", "--kib", "0"]).is_err());
    }

    #[test]
    fn bench_relay_options_default_and_repeat() {
        match benchmark(&["bench", "relay"]) {
            Ok(Benchmark::Relay(r)) => {
                assert_eq!((r.repeats, r.seconds), (5, 10));
                assert!(r.only.is_empty());
            }
            other => panic!("{other:?}"),
        }
        match benchmark(&["bench", "relay", "--only", "slow", "--only", "idle2000"]) {
            Ok(Benchmark::Relay(r)) => assert_eq!(r.only, ["slow", "idle2000"]),
            other => panic!("{other:?}"),
        }
        assert!(benchmark(&["bench", "relay", "--repeats", "0"]).is_err());
        assert!(benchmark(&["bench", "relay", "--seconds", "x"]).is_err());
    }

    #[test]
    fn bench_needs_a_known_benchmark() {
        assert!(benchmark(&["bench"]).is_err());
        assert!(benchmark(&["bench", "nonsense"]).is_err());
        assert!(benchmark(&["bench", "qr", "extra"]).is_err());
        assert!(matches!(
            benchmark(&["bench", "protocol"]),
            Ok(Benchmark::Protocol)
        ));
        assert!(matches!(
            benchmark(&["bench", "qr"]),
            Ok(Benchmark::Qr(QrArgs { photos: None }))
        ));
        assert!(matches!(
            benchmark(&["bench", "qr", "--photos", "/tmp/p"]),
            Ok(Benchmark::Qr(QrArgs { photos: Some(p) })) if p == Path::new("/tmp/p")
        ));
        assert!(matches!(benchmark(&["bench", "mls"]), Ok(Benchmark::Mls)));
    }

    #[test]
    fn decode_takes_a_pipeline_by_name_and_files() {
        match parse(&["decode", "a.png", "--pipeline", "rqrr", "b.png"]) {
            Ok(Some(Command::Decode(d))) => {
                assert_eq!(d.pipeline, Pipeline::RQRR);
                assert_eq!(d.files, [PathBuf::from("a.png"), PathBuf::from("b.png")]);
            }
            other => panic!("{other:?}"),
        }
        match parse(&["decode", "a.png"]) {
            Ok(Some(Command::Decode(d))) => assert_eq!(d.pipeline, Pipeline::DEFAULT),
            other => panic!("{other:?}"),
        }
        assert!(parse(&["decode"]).is_err());
        assert!(parse(&["decode", "--pipeline", "nope", "x.png"]).is_err());
        assert!(parse(&["decode", "--pipeline"]).is_err());
    }

    fn fuzz(line: &[&str]) -> Result<(u64, Vec<String>), String> {
        let mut full = vec!["fuzz"];
        full.extend(line);
        match parse(&full) {
            Ok(Some(Command::Fuzz(f))) => Ok((f.seconds(), f.targets().to_vec())),
            Ok(other) => Err(format!("{other:?}")),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn fuzz_arguments_are_seconds_then_targets() {
        let strings = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(fuzz(&[]), Ok((300, vec![])));
        assert_eq!(fuzz(&["5"]), Ok((5, vec![])));
        assert_eq!(fuzz(&["5", "envelope"]), Ok((5, strings(&["envelope"]))));
        assert_eq!(
            fuzz(&["envelope", "blob"]),
            Ok((300, strings(&["envelope", "blob"])))
        );
        assert!(fuzz(&["0"]).is_err());
        assert!(fuzz(&["-5"]).is_err());
        assert!(fuzz(&["--nonsense"]).is_err());
    }
}
