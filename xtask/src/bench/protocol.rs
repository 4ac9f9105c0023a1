//! `cargo xtask bench protocol`: the `bench` crate's measurements natively (release build) and
//! in wasm in headless Chromium (with WebCrypto as the baseline, in the same page), in one run,
//! written as the "## Protocol" section of docs/BENCHMARKS.md (protocol_report.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

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
    let halves = Halves {
        package: "bench",
        bin: "bench-protocol",
    };
    println!("\nbuilding (release, native and wasm32) before measuring anything:");
    halves.build(&root)?;
    let results = halves.measure(
        &root,
        "wasm and WebCrypto in headless Chromium",
        (&chromium, &chromedriver),
    )?;
    protocol_report::check_complete(&results)?;
    super::room_report::check_complete(&results)?;

    let section = protocol_report::render(&results, &machine(&chromium, &chromedriver));
    section::publish(&root, HEADING, &section)?;
    Ok(())
}

/// A benchmark crate's two halves: its `bin` run natively (release), and its `browser` test
/// built for wasm32 and run in headless Chromium through chromedriver; both print result lines.
pub(super) struct Halves {
    /// The crate.
    pub package: &'static str,
    /// Its native benchmark binary.
    pub bin: &'static str,
}

impl Halves {
    fn cargo(root: &Path, args: &[&str]) -> Command {
        let mut cmd = command("cargo");
        cmd.args(args).current_dir(root);
        cmd
    }

    fn native(&self, root: &Path, verb: &str) -> Command {
        let mut args = vec![verb, "--release"];
        if verb == "run" {
            args.push("--quiet");
        }
        args.extend(["--package", self.package, "--bin", self.bin]);
        Self::cargo(root, &args)
    }

    fn wasm(&self, root: &Path) -> Command {
        Self::cargo(
            root,
            &[
                "test",
                "--release",
                "--package",
                self.package,
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "browser",
            ],
        )
    }

    /// Builds both, so that no build runs while measuring.
    pub(super) fn build(&self, root: &Path) -> Result<(), String> {
        exec::run(&mut self.native(root, "build"))?;
        exec::run(self.wasm(root).arg("--no-run"))
    }

    /// Runs the native half, then the wasm half in Chromium, reading the result lines of both.
    pub(super) fn measure(
        &self,
        root: &Path,
        browser_label: &str,
        (chromium, chromedriver): (&Path, &Path),
    ) -> Result<Results, String> {
        let mut results = Results::default();
        println!("\nnative:");
        let (ok, out) = exec::tee(&mut self.native(root, "run"))?;
        results.read(&out)?;
        if !ok {
            return Err("the native benchmark failed".into());
        }
        println!("\n{browser_label}:");
        let webdriver = webdriver_json(root, chromium)?;
        let (ok, out) = exec::tee(
            self.wasm(root)
                .args(["--", "--nocapture"])
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
}

/// Chromium and its driver (Debian's `chromium` and `chromium-driver`), installed when root.
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
