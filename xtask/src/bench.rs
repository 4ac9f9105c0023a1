//! `cargo xtask bench protocol`: the `bench` crate's measurements natively (release build) and
//! in wasm in headless Chromium (with WebCrypto as the baseline, in the same page), in one run,
//! written as the "## Protocol" section of docs/BENCHMARKS.md. `cargo xtask bench files`
//! (files.rs) writes "## Files", `cargo xtask bench qr` (qr.rs) "## QR decoding", `cargo xtask bench offline` (offline.rs) "## Offline QR", `cargo xtask bench relay` (relay.rs)
//! "## Relay". Other sections of that file belong to other benchmarks and are
//! kept as they are.

mod files;
mod offline;
mod qr;
mod qr_frames;
mod relay;
mod relay_report;
mod report;
mod results;
mod section;

use std::path::{Path, PathBuf};

use crate::exec::{self, command};
use crate::setup::{self, Purpose};

use report::HEADING;
use results::Results;

const USAGE: &str = "usage: cargo xtask bench protocol | files [--mib SIZE] [--runs N] | qr | offline [--kib SIZE] | relay [--repeats N] [--seconds S] [--only NAME...]";
/// Debian's chromedriver; `CHROMEDRIVER` overrides it.
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The browser half takes about a minute; this leaves room for a slow, busy machine.
const BROWSER_TIMEOUT_SECS: &str = "900";

/// Entry point: `bench <what>`.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("protocol") => protocol(),
        Some("files") => files::run(&args[1..]),
        Some("qr") => qr::run(&args[1..]),
        Some("offline") => offline::run(&args[1..]),
        Some("relay") => relay::run(&args[1..]),
        _ => Err(USAGE.into()),
    }
}

fn protocol() -> Result<(), String> {
    setup::setup(Purpose::Run)?;
    let (chromium, chromedriver) = browser()?;
    let root = crate::workspace::root();
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

    let mut results = Results::default();
    println!("\nnative:");
    let (ok, out) = exec::tee(&mut cargo(&native))?;
    results.read(&out)?;
    if !ok {
        return Err("the native benchmark failed".into());
    }

    println!("\nwasm and WebCrypto in headless Chromium:");
    let webdriver = webdriver_json(&root, &chromium)?;
    let (ok, out) = exec::tee(
        cargo(&wasm)
            .args(["--", "--nocapture"])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", &chromedriver)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", BROWSER_TIMEOUT_SECS),
    )?;
    results.read(&out)?;
    if !ok {
        return Err("the browser benchmark failed".into());
    }
    results.check_complete()?;

    let section = report::render(&results, &machine(&chromium, &chromedriver));
    section::publish(&root, HEADING, &section)?;
    Ok(())
}

/// Setup with the test tools, then the app (trunk, release) and the relay (release): what the
/// browser benchmarks run against. Returns the workspace root.
fn build_release_app_and_relay() -> Result<PathBuf, String> {
    setup::setup(Purpose::Test)?;
    let root = crate::workspace::root();
    println!("\nbuilding the app and the relay (release) before measuring anything:");
    crate::run::build_app()?;
    exec::run(
        command("cargo")
            .args(["build", "--release", "--package", "relay"])
            .current_dir(&root),
    )?;
    Ok(root)
}

/// `npx playwright test` of one benchmark file in tests/browser/bench/, against the release
/// relay serving `dist`.
fn playwright_bench(root: &Path, spec: &str, dist: &Path) -> std::process::Command {
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
    .env("CUTOUT_CHROMIUM", crate::workspace::chromium_path())
    .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    cmd
}

/// Chromium and its driver (Debian's `chromium` and `chromium-driver`), installed when root.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let chromium = crate::workspace::chromium_path();
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
fn webdriver_json(root: &Path, chromium: &Path) -> Result<PathBuf, String> {
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

fn version(cmd: &mut std::process::Command) -> String {
    exec::output(cmd).unwrap_or_else(|| "unknown".into())
}

/// The machine lines of the protocol report.
fn machine(chromium: &Path, chromedriver: &Path) -> Vec<String> {
    let mut lines = machine_lines(chromium);
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

/// CPU, rustc and Chromium: the machine lines every browser benchmark reports.
fn machine_lines(chromium: &Path) -> Vec<String> {
    let mut lines = machine_lines_native();
    lines.push(format!(
        "Chromium: {}",
        version(command(chromium).arg("--version"))
    ));
    lines
}

/// CPU and rustc: the machine lines of every benchmark.
fn machine_lines_native() -> Vec<String> {
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
