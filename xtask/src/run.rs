//! `cargo xtask run`: set up, build the app with trunk, start the relay serving it.

use crate::exec::{self, command};
use crate::setup::{self, Purpose};
use crate::workspace;

/// Builds the app into `dist/` with trunk (release: optimised and shrunk by wasm-opt).
pub fn build_app() -> Result<(), String> {
    exec::run(
        command("trunk")
            .args(["build", "--release"])
            .current_dir(workspace::root()),
    )
}

/// Sets up, builds, and replaces this process with the relay (so Ctrl-C reaches it directly).
pub fn run(relay_args: &[String]) -> Result<(), String> {
    setup::setup(Purpose::Run)?;
    build_app()?;
    exec::run(
        command("cargo")
            .args(["build", "--release", "--package", "relay"])
            .current_dir(workspace::root()),
    )?;
    let root = workspace::root();
    let mut relay = command(root.join("target/release/relay"));
    relay.arg("--dist").arg(root.join("dist")).args(relay_args);
    println!("  $ {}", exec::describe(&relay));
    replace_process(relay)
}

#[cfg(unix)]
fn replace_process(mut cmd: std::process::Command) -> Result<(), String> {
    use std::os::unix::process::CommandExt;
    let err = cmd.exec();
    Err(format!("cannot start the relay: {err}"))
}

#[cfg(not(unix))]
fn replace_process(mut cmd: std::process::Command) -> Result<(), String> {
    exec::run(&mut cmd)
}
