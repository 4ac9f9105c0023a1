//! Where things are: the workspace root, the folders the project's own tools are installed into,
//! and the Chromium binary. A leaf: it imports nothing from this crate, so every command can use
//! it without pulling in another command's module.

use std::ffi::OsString;
use std::path::PathBuf;

/// Where Debian's Chromium lands; `CUTOUT_CHROMIUM` overrides it.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The workspace root (the folder holding the top `Cargo.toml`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where `cargo xtask setup` installs npm's binaryen (Debian's is too old, TOOLCHAIN.md).
pub fn binaryen_dir() -> PathBuf {
    root().join("target/tools/binaryen")
}

/// PATH for child processes: the project's own tools first, then cargo's bin, then the caller's.
pub fn tool_path() -> OsString {
    let mut dirs = vec![binaryen_dir().join("node_modules/.bin"), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default()
        .join("bin")
}

/// The Chromium binary the browser tests and benchmarks drive.
pub fn chromium_path() -> PathBuf {
    std::env::var_os("CUTOUT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(CHROMIUM))
}
