//! The real pictures of `cargo xtask bench qr`: a folder of photos, screenshots and crops with
//! their payloads (`expected.json`: file name → `{"bytes_b64": …}`, or null where no decoder
//! knows the payload). Each picture with a known payload is turned to 8-bit grey the way
//! `cargo xtask decode` reads files and written beside the synthetic frames, so every decoder
//! reads the same bytes; the others are left out (they cannot be scored).

use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Value, json};

/// The condition the report files these pictures under.
pub const CONDITION: &str = "real pictures";
/// The folder used when none is given: the shared set beside the repository.
pub const DEFAULT_DIR: &str = "../shared/qr-photos";

/// The folder to read: `given`, or the default when it exists; `None` (with why) otherwise.
pub fn folder(root: &Path, given: Option<&Path>) -> Result<PathBuf, String> {
    let dir = match given {
        Some(dir) => dir.to_path_buf(),
        None => root.join(DEFAULT_DIR),
    };
    if dir.join("expected.json").is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "no real pictures: {} holds no expected.json",
            dir.display()
        ))
    }
}

/// The payload as the decoders report text: UTF-8 when valid, else one char a byte.
fn as_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Writes the pictures of `dir` with a known payload as grey PNGs `photo-NNNN.png` into
/// `frames`, and returns their manifest entries and how many were left out.
pub fn write(dir: &Path, frames: &Path) -> Result<(Vec<Value>, usize), String> {
    let listed = dir.join("expected.json");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&listed)
            .map_err(|e| format!("cannot read {}: {e}", listed.display()))?,
    )
    .map_err(|e| format!("{} is not JSON: {e}", listed.display()))?;
    let entries = expected
        .as_object()
        .ok_or_else(|| format!("{} is not an object", listed.display()))?;
    let mut names: Vec<&String> = entries.keys().collect();
    names.sort();
    let mut manifest = Vec::new();
    let mut left_out = 0;
    for name in names {
        let bytes = entries[name]["bytes_b64"]
            .as_str()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
        let Some(bytes) = bytes else {
            left_out += 1;
            continue;
        };
        let grey = crate::decode::load(&dir.join(name))
            .map_err(|e| format!("{}: {e}", dir.join(name).display()))?;
        let file = format!("photo-{:04}.png", manifest.len());
        grey.save(frames.join(&file))
            .map_err(|e| format!("cannot write {file}: {e}"))?;
        manifest.push(json!({
            "file": file,
            "source": name,
            "version": 0,
            "scale": 0,
            "condition": CONDITION,
            "text": as_text(&bytes),
        }));
    }
    Ok((manifest, left_out))
}

/// The real pictures of the run: read from a folder, or skipped (why).
pub enum Photos {
    Read {
        dir: String,
        count: usize,
        left_out: usize,
    },
    Skipped(String),
}

impl Photos {
    /// What the report says of them.
    pub fn describe(&self) -> String {
        match self {
            Photos::Read {
                dir,
                count,
                left_out,
            } => format!(
                "Real pictures: the {count} pictures of `{dir}` with a known payload (its \
                 `expected.json`; {left_out} without one left out), turned to 8-bit grey as \
                 `cargo xtask decode` reads files; payload bytes compared exactly (shown as \
                 text: UTF-8 when valid, else one character a byte)."
            ),
            Photos::Skipped(why) => format!("Real pictures: skipped ({why}; `--photos DIR`)."),
        }
    }
}
