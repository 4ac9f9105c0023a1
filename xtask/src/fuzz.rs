//! `cargo xtask fuzz [SECONDS] [TARGET…]`: every cargo-fuzz target in `fuzz/` (or the ones
//! named), one after another, for SECONDS each (default 300) with one libFuzzer job and one
//! worker, so a 2-core machine stays usable. Reports each target as clean or with its crash
//! artifacts, and fails if any target crashed or could not run. Not part of `cargo xtask test`:
//! fuzzing is open-ended, the test command must not be.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::cli::FuzzArgs;
use crate::exec::{self, command};
use crate::workspace;

/// libFuzzer writes a job's output here (in the working directory) when run with `-jobs`.
const JOB_LOG: &str = "fuzz-0.log";

/// How one target's run ended.
enum Outcome {
    /// Ran its time without finding anything; the libFuzzer summary line if there was one.
    Clean(Option<String>),
    /// Found inputs that crash, leak or time out: their artifact files.
    Crashed(Vec<PathBuf>),
    /// Failed without leaving an artifact (a build error, a fuzzer that would not start).
    Failed(String),
}

/// Entry point.
pub fn run(args: &FuzzArgs) -> Result<(), String> {
    let (seconds, wanted) = (args.seconds(), args.targets());
    let dir = workspace::root().join("fuzz");
    if !dir.join("Cargo.toml").is_file() {
        return Err(format!("no cargo-fuzz project at {}", dir.display()));
    }
    tools()?;
    let all = targets(&dir)?;
    let chosen: Vec<String> = if wanted.is_empty() {
        all
    } else if let Some(unknown) = wanted.iter().find(|t| !all.contains(t)) {
        return Err(format!(
            "no fuzz target `{unknown}`; targets: {}",
            all.join(", ")
        ));
    } else {
        wanted.to_vec()
    };
    println!(
        "fuzzing {} target(s) for {seconds} s each: {}",
        chosen.len(),
        chosen.join(", ")
    );

    let mut outcomes = Vec::new();
    for target in &chosen {
        println!("\n== fuzz {target} ({seconds} s)");
        let outcome = fuzz_target(&dir, target, seconds);
        println!("  {target}: {}", describe(&outcome, &dir));
        outcomes.push((target, outcome));
    }

    println!("\n== fuzz summary ({seconds} s per target)");
    for (target, outcome) in &outcomes {
        println!("  {target:<16} {}", describe(outcome, &dir));
    }
    let bad = outcomes
        .iter()
        .filter(|(_, o)| !matches!(o, Outcome::Clean(_)))
        .count();
    if bad == 0 {
        println!("all {} target(s) clean", outcomes.len());
        Ok(())
    } else {
        Err(format!("{bad} of {} fuzz target(s) failed", outcomes.len()))
    }
}

/// cargo-fuzz builds with sanitizer flags that need the nightly toolchain.
fn nightly_cargo() -> Command {
    let mut cmd = command("cargo");
    cmd.arg("+nightly");
    cmd
}

/// The nightly toolchain and cargo-fuzz, installed if missing.
fn tools() -> Result<(), String> {
    let toolchains = exec::output(command("rustup").args(["toolchain", "list"]))
        .ok_or("rustup is not available: install Rust with rustup (https://rustup.rs)")?;
    if toolchains.lines().any(|l| l.starts_with("nightly")) {
        println!("  ok  nightly toolchain");
    } else {
        exec::run(command("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    match exec::output(nightly_cargo().args(["fuzz", "--version"])) {
        Some(version) => println!("  ok  {version}"),
        None => {
            println!("  ..  cargo-fuzz not found, installing (a few minutes on 2 cores)");
            exec::run(command("cargo").args(["install", "cargo-fuzz"]))?;
        }
    }
    Ok(())
}

/// The targets cargo-fuzz knows (the `[[bin]]`s of fuzz/Cargo.toml).
fn targets(dir: &Path) -> Result<Vec<String>, String> {
    let listed = exec::output(nightly_cargo().args(["fuzz", "list"]).current_dir(dir))
        .ok_or("`cargo +nightly fuzz list` failed")?;
    let targets: Vec<String> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if targets.is_empty() {
        return Err("cargo fuzz lists no targets".into());
    }
    Ok(targets)
}

fn fuzz_target(dir: &Path, target: &str, seconds: u64) -> Outcome {
    let started = SystemTime::now();
    let result = exec::run(
        nightly_cargo()
            .args(["fuzz", "run", target, "--"])
            .arg(format!("-max_total_time={seconds}"))
            .args(["-jobs=1", "-workers=1"])
            .current_dir(dir),
    );
    let log = fresh_log(&dir.join(JOB_LOG), started);
    // libFuzzer also writes slow-unit files, which are not failures.
    let failures: Vec<PathBuf> = artifacts_since(&dir.join("artifacts").join(target), started)
        .into_iter()
        .filter(|a| is_failure(a))
        .collect();
    if !failures.is_empty() {
        print_tail(&log);
        return Outcome::Crashed(failures);
    }
    match result {
        Ok(()) => Outcome::Clean(summary(&log)),
        Err(e) => {
            print_tail(&log);
            Outcome::Failed(e)
        }
    }
}

/// The job log if this run wrote it; a build failure leaves the previous run's behind.
fn fresh_log(path: &Path, since: SystemTime) -> String {
    let fresh = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|modified| modified >= since);
    if fresh {
        std::fs::read_to_string(path).unwrap_or_default()
    } else {
        String::new()
    }
}

/// Artifact files written since `since`, oldest first.
fn artifacts_since(dir: &Path, since: SystemTime) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let modified = e.metadata().ok()?.modified().ok()?;
            (modified >= since).then(|| (modified, e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

fn is_failure(artifact: &Path) -> bool {
    let name = artifact
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ["crash-", "leak-", "timeout-", "oom-"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// libFuzzer's closing line, e.g. `Done 123456 runs in 301 second(s)`.
fn summary(log: &str) -> Option<String> {
    log.lines()
        .rev()
        .find(|l| l.starts_with("Done "))
        .map(str::to_owned)
}

fn print_tail(log: &str) {
    let lines: Vec<&str> = log.lines().collect();
    if lines.is_empty() {
        return;
    }
    println!("  last lines of fuzz/{JOB_LOG}:");
    for line in &lines[lines.len().saturating_sub(25)..] {
        println!("    {line}");
    }
}

fn describe(outcome: &Outcome, dir: &Path) -> String {
    match outcome {
        Outcome::Clean(Some(done)) => format!("clean ({done})"),
        Outcome::Clean(None) => "clean".into(),
        Outcome::Crashed(artifacts) => {
            let paths: Vec<String> = artifacts
                .iter()
                .map(|a| {
                    let shown = a.strip_prefix(dir.parent().unwrap_or(dir)).unwrap_or(a);
                    shown.display().to_string()
                })
                .collect();
            format!("CRASHED: {}", paths.join(", "))
        }
        Outcome::Failed(why) => format!("FAILED without an artifact: {why}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_crash_like_artifacts_are_failures() {
        assert!(is_failure(Path::new("fuzz/artifacts/blob/crash-abc")));
        assert!(is_failure(Path::new("oom-1")));
        assert!(!is_failure(Path::new("fuzz/artifacts/blob/slow-unit-abc")));
    }

    #[test]
    fn summary_is_the_last_done_line() {
        let log = "#1 INITED\nDone 42 runs in 5 second(s)\nstat::x: 1\n";
        assert_eq!(summary(log).as_deref(), Some("Done 42 runs in 5 second(s)"));
        assert_eq!(summary("nothing"), None);
    }
}
