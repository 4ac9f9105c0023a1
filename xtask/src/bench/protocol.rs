//! `cargo xtask bench protocol`: the `bench` crate's measurements natively (release build) and
//! in wasm in headless Chromium (with WebCrypto as the baseline, in the same page), in one run,
//! written as the "## Protocol" section of docs/BENCHMARKS.md (protocol_report.rs).

use std::path::{Path, PathBuf};

use crate::exec::{self, command};
use crate::setup::{self, Purpose};
use crate::workspace::{self, chromium_path};

use super::machine::{browser_lines, version};
use super::protocol_report::{self, HEADING};
use super::protocol_results::Results;
use super::section;

/// Debian's chromedriver; `CHROMEDRIVER` overrides it.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser half takes about a minute; this leaves room for a slow, busy machine.
const BROWSER_TIMEOUT_SECS: &str = "900";

/// Builds both halves, runs them, and writes the section once every figure is in.
pub fn run() -> Result<(), String> {
    setup::setup(Purpose::Run)?;
    let (chromium, chromedriver) = browser()?;
    let root = workspace::root();
    let cargo = |args: &[&str]| {
        let mut cmd = command("cargo");
        cmd.args(args).current_dir(&root);
        cmd
    };
    let native = [
        "run",
        "--release",
        "--quiet",
        "--package",
        "bench",
        "--bin",
        "bench-protocol",
    ];
    let wasm = [
        "test",
        "--release",
        "--package",
        "bench",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "browser",
    ];

    println!("\nbuilding (release, native and wasm32) before measuring anything:");
    exec::run(&mut cargo(&[
        "build",
        "--release",
        "--package",
        "bench",
        "--bin",
        "bench-protocol",
    ]))?;
    exec::run(cargo(&wasm).arg("--no-run"))?;

    let results = native_then_browser(
        &mut cargo(&native),
        &mut cargo(&wasm),
        "wasm and WebCrypto in headless Chromium",
        &root,
        (&chromium, &chromedriver),
    )?;
    protocol_report::check_complete(&results)?;

    let section = protocol_report::render(&results, &machine(&chromium, &chromedriver));
    section::publish(&root, HEADING, &section)?;
    Ok(())
}

/// Chromium and its driver (Debian's `chromium` and `chromium-driver`), installed when root.
/// Runs a benchmark natively (`native`), then its wasm half in headless Chromium (`wasm`, a
/// `cargo test` whose runner is wasm-bindgen-test-runner through chromedriver), reading the
/// result lines of both.
pub(super) fn native_then_browser(
    native: &mut std::process::Command,
    wasm: &mut std::process::Command,
    browser_label: &str,
    root: &Path,
    (chromium, chromedriver): (&Path, &Path),
) -> Result<Results, String> {
    let mut results = Results::default();
    println!("\nnative:");
    let (ok, out) = exec::tee(native)?;
    results.read(&out)?;
    if !ok {
        return Err("the native benchmark failed".into());
    }
    println!("\n{browser_label}:");
    let webdriver = webdriver_json(root, chromium)?;
    let (ok, out) = exec::tee(
        wasm.args(["--", "--nocapture"])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", chromedriver)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", BROWSER_TIMEOUT_SECS),
    )?;
    results.read(&out)?;
    if !ok {
        return Err("the browser benchmark failed".into());
    }
    Ok(results)
}

pub(super) fn browser() -> Result<(PathBuf, PathBuf), String> {
    let chromium = chromium_path();
    let driver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMEDRIVER));
    let works = |p: &Path| exec::output(command(p).arg("--version")).is_some();
    if !(works(&chromium) && works(&driver)) {
        setup::apt_install(&["chromium", "chromium-driver"])?;
    }
    if works(&chromium) && works(&driver) {
        Ok((chromium, driver))
    } else {
        Err(format!(
            "{} or {} does not run",
            chromium.display(),
            driver.display()
        ))
    }
}

/// Capabilities for wasm-bindgen-test-runner's chromedriver session. The runner itself adds
/// `headless`, `no-sandbox` and `disable-dev-shm-usage`; the rest keep Chromium from calling
/// out on this closed network (TOOLCHAIN.md).
pub(super) fn webdriver_json(root: &Path, chromium: &Path) -> Result<PathBuf, String> {
    let dir = root.join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let file = dir.join("webdriver.json");
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        }
    });
    std::fs::write(&file, capabilities.to_string())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    Ok(file)
}

/// The machine lines of the protocol report.
fn machine(chromium: &Path, chromedriver: &Path) -> Vec<String> {
    let mut lines = browser_lines(chromium);
    lines.push(format!(
        "chromedriver: {}",
        version(command(chromedriver).arg("--version"))
    ));
    lines.push(format!(
        "wasm-bindgen: {}",
        setup::wasm_bindgen_version().unwrap_or_else(|_| "unknown".into())
    ));
    lines
}
