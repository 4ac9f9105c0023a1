//! The machine lines at the top of every benchmark section: CPU, rustc and, for the browser
//! benchmarks, Chromium. Versions come from the tools themselves, so a section says what
//! actually ran.

use std::path::Path;
use std::process::Command;

use crate::exec::{self, command};

/// What `cmd` (a `--version` call) prints, or `unknown`.
pub fn version(cmd: &mut Command) -> String {
    exec::output(cmd).unwrap_or_else(|| "unknown".into())
}

/// CPU, rustc and Chromium: the machine lines every browser benchmark reports.
pub fn browser_lines(chromium: &Path) -> Vec<String> {
    let mut lines = native_lines();
    lines.push(format!(
        "Chromium: {}",
        version(command(chromium).arg("--version"))
    ));
    lines
}

/// CPU and rustc: the machine lines of every benchmark.
pub fn native_lines() -> Vec<String> {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    vec![
        format!("CPU: {cpu}, {cores} logical cores (nproc)"),
        format!("rustc: {}", version(command("rustc").arg("--version"))),
    ]
}
