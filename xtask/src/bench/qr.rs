//! `cargo xtask bench qr`: the synthetic frames of `qr_frames.rs`, the pictures of
//! `qr_pictures.rs` and a folder of real pictures (`qr_photos.rs`, when there is one) decoded
//! by each pipeline option of `qrdecode` in wasm (the app's own worker, release build, headless
//! Chromium: tests/browser/bench/qr.bench.ts) and by zxing-cpp (the PyPI wheel, natively) as
//! the reference, in one run; written as the "## QR decoding" section of docs/BENCHMARKS.md.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::cli::QrArgs;
use crate::exec::{self, command};
use crate::workspace::chromium_path;

use super::machine::browser_lines;
use super::playwright::{bench_spec, build_release_app_and_relay};
use super::qr_photos::Photos;
use super::qr_report::{HEADING, Measured, ZXING_CPP, render, worker_specs};
use super::section;
use super::{qr_frames, qr_photos, qr_pictures};

/// The frames are the same in every run.
const SEED: u64 = 0x5eed_c0de;
/// The image library the reference reader's script reads PNGs with.
const PILLOW: &str = "pillow==13.0.0";
/// Bumped whenever `qr_frames.rs` or `qr_pictures.rs` draws differently, so cached frames are
/// redrawn.
const FRAMES_VERSION: u32 = 2;

/// Draws (or reuses) the frames, has zxing-cpp and the app's worker read them, and writes the
/// section.
pub fn run(args: &QrArgs) -> Result<(), String> {
    let root = build_release_app_and_relay()?;

    let bench = root.join("target/bench/qr");
    let dist = bench.join("dist");
    copy_dir(&root.join("dist"), &dist)?;
    let frames = dist.join("frames");
    let manifest_file = bench.join("manifest.json");
    let manifest = match cached_frames(&manifest_file, &frames) {
        Some(manifest) => {
            println!(
                "\nreusing the {} frames in {}",
                manifest.len(),
                frames.display()
            );
            manifest
        }
        None => {
            println!("\nwriting the frames into {}:", frames.display());
            let mut manifest = qr_frames::write(&frames, SEED)?;
            manifest.extend(qr_pictures::write(&frames, SEED)?);
            let marked = serde_json::json!({
                "seed": SEED, "framesVersion": FRAMES_VERSION, "frames": manifest,
            });
            write_json(&manifest_file, &marked)?;
            println!("  {} frames", manifest.len());
            manifest
        }
    };
    let mut manifest = manifest;
    let photos = match qr_photos::folder(&root, args.photos.as_deref()) {
        Ok(dir) => {
            let (list, left_out) = qr_photos::write(&dir, &frames)?;
            println!(
                "\n{} real pictures from {} ({left_out} without a known payload left out)",
                list.len(),
                dir.display()
            );
            manifest.extend(list.iter().cloned());
            Photos::Read {
                // As given, or the default as written (not the absolute path of this checkout).
                dir: args
                    .photos
                    .as_deref()
                    .map_or(qr_photos::DEFAULT_DIR.into(), |d| d.display().to_string()),
                count: list.len(),
                left_out,
            }
        }
        Err(why) => {
            println!("\n{why}: that part of the report is skipped");
            Photos::Skipped(why)
        }
    };
    // The page reads the frame list from a file of its own.
    let list_file = bench.join("frames.json");
    write_json(&list_file, &Value::Array(manifest.clone()))?;

    println!("\nzxing-cpp (reference, native):");
    let python = zxing_venv(&root)?;
    let (ok, out) = exec::tee(
        command(&python)
            .arg(root.join("bench/qr/zxing_read.py"))
            .arg(&frames)
            .arg(&list_file),
    )?;
    if !ok {
        return Err("the zxing-cpp reader failed".into());
    }
    let zxing: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();

    println!("\nthe app's worker in headless Chromium, one pipeline after another:");
    let result_file = bench.join("wasm.json");
    let _ = std::fs::remove_file(&result_file);
    exec::run(
        bench_spec(&root, "qr.bench.ts", &dist)
            .env("CUTOUT_QR_MANIFEST", &list_file)
            .env("CUTOUT_QR_RESULT", &result_file)
            .env("CUTOUT_QR_PIPELINES", worker_specs().join(";")),
    )?;
    let wasm = section::read_json(&result_file)?;

    let measured = Measured::new(&manifest, &zxing, &wasm)?;
    let section = render(&measured, &photos, &browser_lines(&chromium_path()));
    section::publish(&root, HEADING, &section)?;
    Ok(())
}

/// The frames of an earlier run, if they were drawn with this seed and generator and are all
/// still there.
fn cached_frames(manifest_file: &Path, frames: &Path) -> Option<Vec<Value>> {
    let marked: Value = serde_json::from_str(&std::fs::read_to_string(manifest_file).ok()?).ok()?;
    if marked["seed"].as_u64() != Some(SEED)
        || marked["framesVersion"].as_u64() != Some(u64::from(FRAMES_VERSION))
    {
        return None;
    }
    let manifest = marked["frames"].as_array()?.clone();
    manifest
        .iter()
        .all(|f| {
            f["file"]
                .as_str()
                .is_some_and(|file| frames.join(file).is_file())
        })
        .then_some(manifest)
}

fn write_json(file: &Path, value: &Value) -> Result<(), String> {
    std::fs::write(file, value.to_string())
        .map_err(|e| format!("cannot write {}: {e}", file.display()))
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_file() {
            std::fs::copy(&path, to.join(entry.file_name()))
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// A Python environment with zxing-cpp under target/tools, made once and reused.
fn zxing_venv(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target/tools/zxing-venv");
    let python = venv.join("bin/python");
    let ready = || {
        exec::output(command(&python).args(["-c", "import zxingcpp, PIL; print('ok')"]))
            .is_some_and(|out| out == "ok")
    };
    if !ready() {
        exec::run(command("python3").args(["-m", "venv"]).arg(&venv))?;
        exec::run(
            command(&python)
                .args(["-m", "pip", "install", "--quiet", ZXING_CPP, PILLOW])
                .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
        )?;
    }
    if ready() {
        Ok(python)
    } else {
        Err(format!("{} cannot import zxingcpp", python.display()))
    }
}
