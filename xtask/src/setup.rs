//! `cargo xtask setup`: install or verify, idempotently, every tool the build (and, for tests, the
//! browser suite) needs. A tool already present at the right version is reused; one that cannot
//! be installed here gets the exact command to run.

use std::path::PathBuf;

use crate::exec::{self, command};
use crate::workspace::{self, binaryen_dir, chromium_path};

/// trunk 0.22 needs a newer rustc than these machines have.
pub const TRUNK_VERSION: &str = "0.21.14";
/// Debian's binaryen (108) produces broken modules; npm's 132 works.
pub const BINARYEN_VERSION: &str = "132";

/// What the tools are for: running needs the build tools, testing also the browser and its driver.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `cargo xtask run`: never installs test tools on a user's machine.
    Run,
    /// `cargo xtask test`.
    Test,
}

/// Installs or verifies every tool for `purpose`, one line of output per step.
pub fn setup(purpose: Purpose) -> Result<(), String> {
    println!("setup:");
    step("wasm32 target", wasm_target)?;
    step("trunk", trunk)?;
    step("wasm-bindgen-cli", wasm_bindgen)?;
    step("node and npm", node)?;
    step("wasm-opt (npm binaryen)", wasm_opt)?;
    if purpose == Purpose::Test {
        step("chromium", chromium)?;
        step("strace", strace)?;
        step("browser test packages", browser_packages)?;
    }
    Ok(())
}

fn step(name: &str, f: impl FnOnce() -> Result<String, String>) -> Result<(), String> {
    match f() {
        Ok(what) => {
            println!("  ok  {name}: {what}");
            Ok(())
        }
        Err(why) => Err(format!("setup step `{name}` failed: {why}")),
    }
}

fn is_root() -> bool {
    exec::output(command("id").arg("-u")).as_deref() == Some("0")
}

fn wasm_target() -> Result<String, String> {
    let installed = exec::output(command("rustup").args(["target", "list", "--installed"]))
        .ok_or("rustup is not available: install Rust with rustup (https://rustup.rs)")?;
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok("already installed".into());
    }
    exec::run(command("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    Ok("installed".into())
}

/// Installs a cargo tool unless `binary --version` already reports `wanted`.
fn cargo_tool(binary: &str, wanted: &str, install: &[&str]) -> Result<String, String> {
    let found = exec::output(command(binary).arg("--version"));
    if let Some(found) = &found
        && found.split_whitespace().any(|w| w == wanted)
    {
        return Ok(format!("{found} already installed"));
    }
    println!(
        "  ..  {binary}: {} found, installing {wanted} (several minutes on 2 cores)",
        found.as_deref().unwrap_or("none")
    );
    exec::run(command("cargo").args(install))
        .map_err(|e| format!("{e}\n  to install by hand: cargo {}", install.join(" ")))?;
    Ok(format!("installed {wanted}"))
}

fn trunk() -> Result<String, String> {
    cargo_tool(
        "trunk",
        TRUNK_VERSION,
        &["install", "--locked", "trunk", "--version", TRUNK_VERSION],
    )
}

/// trunk insists that wasm-bindgen-cli matches the `wasm-bindgen` in Cargo.lock exactly.
fn wasm_bindgen() -> Result<String, String> {
    let version = wasm_bindgen_version()?;
    // `--locked` fails here on a crate the registry mirror lacks (TOOLCHAIN.md).
    cargo_tool(
        "wasm-bindgen",
        &version,
        &["install", "wasm-bindgen-cli", "--version", &version],
    )
}

/// The version of `wasm-bindgen` pinned in Cargo.lock.
pub fn wasm_bindgen_version() -> Result<String, String> {
    let lock = std::fs::read_to_string(workspace::root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn node() -> Result<String, String> {
    if let (Some(node), Some(npm)) = (
        exec::output(command("node").arg("--version")),
        exec::output(command("npm").arg("--version")),
    ) {
        return Ok(format!("node {node}, npm {npm}"));
    }
    apt_install(&["nodejs", "npm"])?;
    Ok("installed nodejs and npm".into())
}

fn wasm_opt() -> Result<String, String> {
    let binary = binaryen_dir().join("node_modules/.bin/wasm-opt");
    let found = exec::output(command(&binary).arg("--version"));
    if let Some(found) = &found
        && found.contains(&format!("version {BINARYEN_VERSION}"))
    {
        return Ok(format!("{found} already installed"));
    }
    let dir = binaryen_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    exec::run(
        command("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(format!("binaryen@{BINARYEN_VERSION}")),
    )?;
    Ok(format!("installed binaryen {BINARYEN_VERSION}"))
}

fn chromium() -> Result<String, String> {
    let path = chromium_path();
    if let Some(version) = exec::output(command(&path).arg("--version")) {
        return Ok(format!("{version} already installed"));
    }
    apt_install(&["chromium"])?;
    exec::output(command(&path).arg("--version"))
        .map(|v| format!("installed {v}"))
        .ok_or_else(|| format!("chromium installed but {} does not run", path.display()))
}

/// The relay's "stores nothing" test traces its file calls with strace.
fn strace() -> Result<String, String> {
    if let Some(version) = exec::output(command("strace").arg("-V")) {
        return Ok(format!(
            "{} already installed",
            version.lines().next().unwrap_or("")
        ));
    }
    apt_install(&["strace"])?;
    Ok("installed".into())
}

fn browser_packages() -> Result<String, String> {
    let dir = workspace::root().join("tests/browser");
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(want), Some(have)) = (modified(&lock), modified(&installed))
        && have >= want
        && dir.join("node_modules/@playwright/test").is_dir()
    {
        return Ok("already installed".into());
    }
    exec::run(
        command("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            // Playwright must not fetch a browser of its own: the tests drive Debian's Chromium.
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .current_dir(&dir),
    )?;
    Ok("installed from tests/browser/package-lock.json".into())
}

/// Installs Debian packages as root, or says exactly what to run.
pub fn apt_install(packages: &[&str]) -> Result<(), String> {
    let by_hand = format!(
        "sudo apt-get update && sudo apt-get install -y {}",
        packages.join(" ")
    );
    if !is_root() {
        return Err(format!("not root, so not installing; run: {by_hand}"));
    }
    exec::run(
        command("apt-get")
            .arg("update")
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
    .and_then(|()| {
        exec::run(
            command("apt-get")
                .args(["install", "-y"])
                .args(packages)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    })
    .map_err(|e| format!("{e}\n  to install by hand: {by_hand}"))
}
