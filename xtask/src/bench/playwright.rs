//! The harness of the benchmarks that drive the app in headless Chromium (`files`, `qr`,
//! `offline`): the release app and relay they run against, and Playwright running one of the
//! specs in tests/browser/bench/.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::exec::{self, command};
use crate::run::build_app;
use crate::setup::{self, Purpose};
use crate::workspace::{self, chromium_path};

/// Setup with the test tools, then the app (trunk, release) and the relay (release): what the
/// browser benchmarks run against. Returns the workspace root.
pub fn build_release_app_and_relay() -> Result<PathBuf, String> {
    setup::setup(Purpose::Test)?;
    let root = workspace::root();
    println!("\nbuilding the app and the relay (release) before measuring anything:");
    build_app()?;
    exec::run(
        command("cargo")
            .args(["build", "--release", "--package", "relay"])
            .current_dir(&root),
    )?;
    Ok(root)
}

/// `npx playwright test` of one benchmark file in tests/browser/bench/, against the release
/// relay serving `dist`.
pub fn bench_spec(root: &Path, spec: &str, dist: &Path) -> Command {
    let mut cmd = command("npx");
    cmd.args([
        "playwright",
        "test",
        "--config",
        "bench/playwright.bench.config.ts",
        spec,
    ])
    .current_dir(root.join("tests/browser"))
    .env("CUTOUT_RELAY_BIN", root.join("target/release/relay"))
    .env("CUTOUT_DIST", dist)
    .env("CUTOUT_ARTIFACTS", root.join("target/test-artifacts"))
    .env("CUTOUT_CHROMIUM", chromium_path())
    .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    cmd
}
