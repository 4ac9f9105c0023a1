//! `cargo xtask test`: every check and test suite in order, tallied into one closing line
//! `N passed, N failed` (a check such as clippy counts as one), exiting non-zero on any failure.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use crate::exec::{self, command};
use crate::setup::{self, Purpose};
use crate::workspace::{self, chromium_path};

/// Running totals over every stage.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
    stages: Vec<(String, u64, u64, f64)>,
}

impl Tally {
    fn record(&mut self, stage: &str, passed: u64, failed: u64, started: Instant) {
        self.passed += passed;
        self.failed += failed;
        if failed > 0 {
            self.failures.push(stage.to_owned());
        }
        let secs = started.elapsed().as_secs_f64();
        self.stages.push((stage.to_owned(), passed, failed, secs));
    }

    /// A check passes when its command succeeds; it counts as one.
    fn check(&mut self, stage: &str, cmd: &mut Command) -> bool {
        banner(stage);
        let started = Instant::now();
        let ok = report(exec::run(cmd));
        self.record(stage, u64::from(ok), u64::from(!ok), started);
        ok
    }

    /// Like [`Tally::check`], for work done in this process.
    fn check_with(&mut self, stage: &str, f: impl FnOnce() -> Result<(), String>) -> bool {
        banner(stage);
        let started = Instant::now();
        let ok = report(f());
        self.record(stage, u64::from(ok), u64::from(!ok), started);
        ok
    }

    /// Runs libtest-style tests (native or wasm) and adds up their `test result:` lines.
    fn cargo_tests(&mut self, stage: &str, cmd: &mut Command) {
        banner(stage);
        let started = Instant::now();
        let (ok, out) = match exec::tee(cmd) {
            Ok(pair) => pair,
            Err(e) => (report(Err(e)), String::new()),
        };
        let (passed, mut failed) = libtest_totals(&out);
        if !ok && failed == 0 {
            // A build error or a crashed test binary: no result line says so.
            failed = 1;
        }
        if ok && passed == 0 {
            println!("  no test ran in `{stage}`");
            failed += 1;
        }
        self.record(stage, passed, failed, started);
    }

    /// Runs the Playwright suite and reads its JSON report. A skipped test counts as failed:
    /// no test may skip itself silently.
    fn playwright(&mut self, stage: &str, cmd: &mut Command, report_file: &Path) {
        banner(stage);
        let started = Instant::now();
        let _ = std::fs::remove_file(report_file);
        let ok = report(exec::run(cmd));
        let (passed, mut failed) = match playwright_totals(report_file) {
            Ok(totals) => totals,
            Err(e) => {
                println!("  {e}");
                (0, 1)
            }
        };
        if !ok && failed == 0 {
            failed = 1;
        }
        self.record(stage, passed, failed, started);
    }

    fn skip(&mut self, stage: &str, why: &str) {
        banner(stage);
        println!("  not run: {why}");
        self.record(stage, 0, 1, Instant::now());
    }
}

fn banner(stage: &str) {
    println!("\n== {stage}");
}

fn report(result: Result<(), String>) -> bool {
    match result {
        Ok(()) => true,
        Err(e) => {
            println!("  FAILED: {e}");
            false
        }
    }
}

/// Sums `test result: ok. 5 passed; 0 failed; …` lines.
fn libtest_totals(out: &str) -> (u64, u64) {
    let number_before = |line: &str, word: &str| -> u64 {
        line.split(';')
            .find_map(|part| {
                part.trim()
                    .strip_suffix(word)
                    .and_then(|n| n.trim().rsplit(' ').next())
                    .and_then(|n| n.parse().ok())
            })
            .unwrap_or(0)
    };
    out.lines()
        .filter(|l| l.starts_with("test result:"))
        .fold((0, 0), |(p, f), l| {
            (
                p + number_before(l, "passed"),
                f + number_before(l, "failed"),
            )
        })
}

/// Reads `stats` from Playwright's JSON report: (passed, failed).
fn playwright_totals(report: &Path) -> Result<(u64, u64), String> {
    let text = std::fs::read_to_string(report)
        .map_err(|e| format!("no Playwright report at {}: {e}", report.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("unreadable Playwright report: {e}"))?;
    let stat = |k: &str| json["stats"][k].as_u64().unwrap_or(0);
    let (expected, unexpected, flaky, skipped) = (
        stat("expected"),
        stat("unexpected"),
        stat("flaky"),
        stat("skipped"),
    );
    if skipped > 0 {
        println!("  {skipped} browser test(s) skipped: counted as failed");
    }
    if expected + unexpected + flaky + skipped == 0 {
        return Err("the browser suite ran no test".into());
    }
    Ok((expected, unexpected + flaky + skipped))
}

/// The whole test command.
pub fn test() -> Result<(), String> {
    let started = Instant::now();
    setup::setup(Purpose::Test)?;
    let root = workspace::root();
    let artifacts = root.join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).map_err(|e| format!("cannot create artifacts dir: {e}"))?;
    let cargo = |args: &[&str]| {
        let mut cmd = command("cargo");
        cmd.args(args).current_dir(&root);
        cmd
    };
    let mut tally = Tally::default();

    tally.check("rustfmt", &mut cargo(&["fmt", "--all", "--check"]));
    tally.check(
        "clippy (native)",
        &mut cargo(&["clippy", "--all-targets", "--", "-D", "warnings"]),
    );
    tally.check(
        "clippy (wasm32: app and workers)",
        &mut cargo(&[
            "clippy",
            "--package",
            "frontend",
            "--package",
            "qr-worker",
            "--package",
            "offline-worker",
            "--target",
            "wasm32-unknown-unknown",
            "--",
            "-D",
            "warnings",
        ]),
    );
    tally.check(
        "cargo doc",
        cargo(&["doc", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"),
    );
    tally.cargo_tests("native tests", &mut cargo(&["test"]));
    // The same test code as natively, compiled to wasm32 and run by wasm-bindgen-test-runner
    // (in node), so every vector is checked in wasm too, and the QR pipeline the worker runs;
    // `wire` is built as a dependency.
    tally.cargo_tests(
        "wasm32 tests of protocol and qrdecode",
        cargo(&[
            "test",
            "--package",
            "protocol",
            "--package",
            "qrdecode",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        ),
    );

    let app = tally.check_with("trunk build (release)", crate::run::build_app);
    // The relay the browser tests start, and the insider some of them set against the people.
    let relay = tally.check(
        "relay and insider build",
        &mut cargo(&["build", "--package", "relay", "--package", "insider"]),
    );
    let fixtures_dir = artifacts.join("fixtures");
    let fixtures = tally.check_with("browser fixtures", || crate::fixtures::write(&fixtures_dir));
    if app && relay && fixtures {
        let report_file = artifacts.join("playwright.json");
        tally.playwright(
            "browser tests (Chromium)",
            &mut browser_suite(&root, &artifacts, &fixtures_dir, &report_file),
            &report_file,
        );
    } else {
        tally.skip("browser tests (Chromium)", "a build step above failed");
    }

    println!("\n== summary ({:.0} s)", started.elapsed().as_secs_f64());
    for (stage, passed, failed, secs) in &tally.stages {
        println!("  {stage:<36} {passed:>4} passed {failed:>3} failed {secs:>7.1} s");
    }
    if !tally.failures.is_empty() {
        println!("  failed: {}", tally.failures.join(", "));
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 {
        Ok(())
    } else {
        // Already reported; the summary line must stay the last line printed.
        Err(String::new())
    }
}

fn browser_suite(root: &Path, artifacts: &Path, fixtures: &Path, report: &Path) -> Command {
    let mut cmd = command("npx");
    cmd.args(["playwright", "test"])
        .current_dir(root.join("tests/browser"))
        .env("CUTOUT_RELAY_BIN", root.join("target/debug/relay"))
        .env("CUTOUT_INSIDER_BIN", root.join("target/debug/insider"))
        .env("CUTOUT_DIST", root.join("dist"))
        .env("CUTOUT_FIXTURES", fixtures)
        .env("CUTOUT_ARTIFACTS", artifacts)
        .env("CUTOUT_CHROMIUM", chromium_path())
        .env("PLAYWRIGHT_JSON_OUTPUT_NAME", report)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libtest_totals_add_up_result_lines() {
        let out = "running 2 tests\n\
            test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s\n\
            test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(libtest_totals(out), (5, 1));
    }

    #[test]
    fn playwright_skips_count_as_failures() {
        let dir = std::env::temp_dir().join(format!("xtask-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let file = dir.join("report.json");
        std::fs::write(
            &file,
            r#"{"stats":{"expected":4,"unexpected":1,"flaky":0,"skipped":2}}"#,
        )
        .unwrap_or_default();
        assert_eq!(playwright_totals(&file), Ok((4, 3)));
        std::fs::write(&file, r#"{"stats":{"expected":0,"unexpected":0}}"#).unwrap_or_default();
        assert!(playwright_totals(&file).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
