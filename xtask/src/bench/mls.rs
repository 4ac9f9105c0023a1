//! `cargo xtask bench mls`: mls-rs and openmls side by side (the `bench-mls` crate), natively
//! (release build) and in wasm in headless Chromium, in one run, plus each library's added wasm
//! size; written as the "## MLS" section of docs/BENCHMARKS.md (mls_report.rs).
//!
//! The sizes come from the `size-*` binaries of `bench-mls`, built with the app's profile
//! (`wasm-release`), then wasm-bindgen and `wasm-opt -Oz` as trunk does for the app, and
//! `gzip -9`.

use std::path::{Path, PathBuf};

use crate::exec::{self, command};
use crate::setup::{self, Purpose};
use crate::workspace;

use super::machine::browser_lines;
use super::mls_report::{self, HEADING, Size};
use super::protocol::{Halves, browser};
use super::section;

const WASM: &str = "wasm32-unknown-unknown";
/// The size binaries: the baseline first.
const SIZE_BINARIES: [&str; 3] = ["size-empty", "size-mls-rs", "size-openmls"];

/// Builds everything, measures, and writes the section once every figure is in.
pub fn run() -> Result<(), String> {
    setup::setup(Purpose::Run)?;
    let (chromium, chromedriver) = browser()?;
    let root = workspace::root();
    let halves = Halves {
        package: "bench-mls",
        bin: "bench-mls",
    };
    let cargo = |args: &[&str]| {
        let mut cmd = command("cargo");
        cmd.args(args).current_dir(&root);
        cmd
    };
    let mut sizes = vec![
        "build",
        "--profile",
        "wasm-release",
        "--package",
        "bench-mls",
        "--target",
        WASM,
    ];
    for bin in SIZE_BINARIES {
        sizes.extend(["--bin", bin]);
    }

    println!(
        "\nbuilding (release, native and wasm32; wasm-release for the sizes) before measuring:"
    );
    halves.build(&root)?;
    exec::run(&mut cargo(&sizes))?;

    let results = halves.measure(
        &root,
        "wasm in headless Chromium",
        (&chromium, &chromedriver),
    )?;
    mls_report::check_complete(&results)?;

    println!("\nwasm sizes:");
    let sizes = SIZE_BINARIES
        .into_iter()
        .map(|bin| size(&target_dir(&root), bin))
        .collect::<Result<Vec<_>, _>>()?;

    let mut machine = browser_lines(&chromium);
    machine.push(format!(
        "wasm-bindgen: {}",
        setup::wasm_bindgen_version().unwrap_or_else(|_| "unknown".into())
    ));
    let section = mls_report::render(&results, &sizes, &machine);
    section::publish(&root, HEADING, &section)?;
    Ok(())
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set, else the workspace's.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

/// One size binary through wasm-bindgen, `wasm-opt -Oz` and `gzip -9`.
fn size(target: &Path, bin: &str) -> Result<Size, String> {
    let built = target
        .join(WASM)
        .join("wasm-release")
        .join(format!("{bin}.wasm"));
    let out = target.join("bench-mls-size");
    exec::run(
        command("wasm-bindgen")
            .args(["--target", "web", "--out-name", bin, "--out-dir"])
            .arg(&out)
            .arg(&built),
    )?;
    let bound = out.join(format!("{bin}_bg.wasm"));
    let optimised = out.join(format!("{bin}.opt.wasm"));
    // The features trunk's wasm-opt accepts from rustc's wasm32 output.
    exec::run(
        command("wasm-opt")
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
            ])
            .arg(&bound)
            .arg("-o")
            .arg(&optimised),
    )?;
    let raw = std::fs::metadata(&optimised)
        .map_err(|e| format!("cannot read {}: {e}", optimised.display()))?
        .len();
    let gzip = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&optimised)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    if !gzip.status.success() {
        return Err(format!("gzip failed on {}", optimised.display()));
    }
    Ok(Size {
        binary: bin.to_owned(),
        raw,
        gzip: gzip.stdout.len() as u64,
    })
}
