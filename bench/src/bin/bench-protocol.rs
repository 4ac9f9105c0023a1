//! The native half of `cargo xtask bench protocol`: runs every protocol measurement and prints
//! one result line per figure (see `bench::figure`). Build it with `--release`. The browser half
//! is `tests/browser.rs`; for wasm32 this binary is empty.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    let clock = bench::sampler::Monotonic::default();
    let result = bench::cases::run_all(&clock, &mut |figure| println!("{}", figure.line()));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-protocol: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
