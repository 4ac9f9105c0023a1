//! The native half of `cargo xtask bench mls`: every scenario for both libraries, one result
//! line per figure (see `bench::figure`). Build it with `--release`. The browser half is
//! `tests/browser.rs`; for wasm32 this binary is empty.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use bench_mls::Failure;
    use bench_mls::library::Library;
    use bench_mls::mls_rs_lib::MlsRs;
    use bench_mls::openmls_lib::OpenMls;
    use bench_mls::scenario::{Fixture, SIZES};

    fn library<L: Library>(clock: &dyn bench::sampler::Clock) -> Result<(), Failure> {
        for n in SIZES {
            let fixture = Fixture::<L>::new(n)?;
            for figure in fixture.sizes() {
                println!("{}", figure.line());
            }
            for step in fixture.steps() {
                println!("{}", step.run(clock)?.line());
            }
        }
        Ok(())
    }

    let clock = bench::sampler::Monotonic::default();
    let result = library::<MlsRs>(&clock).and_then(|()| library::<OpenMls>(&clock));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-mls: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
