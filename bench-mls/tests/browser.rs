//! The browser half of `cargo xtask bench mls`: the same scenarios as the native binary,
//! compiled to wasm32 and run in headless Chromium by wasm-bindgen-test-runner. Result lines
//! reach the runner's output through `console.log` (run with `--nocapture`).
//!
//! One test, so that the figures come out in a fixed order from one page.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bench::browser::{PerformanceClock, browser_info, run_step_yielding, yield_to_event_loop};
use bench_mls::Failure;
use bench_mls::library::Library;
use bench_mls::mls_rs_lib::MlsRs;
use bench_mls::openmls_lib::OpenMls;
use bench_mls::scenario::{Fixture, SIZES};
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn browser(e: bench::BenchError) -> Failure {
    Failure::new(&e.to_string())
}

/// Every step of the smallest group, run and thrown away: V8 first runs wasm from its baseline
/// compiler and tiers hot functions up later, which made the first figures of each library
/// (N = 8) slower than those of N = 32 in a run without it.
async fn warm_up<L: Library>(clock: &PerformanceClock) -> Result<(), Failure> {
    let fixture = Fixture::<L>::new(SIZES[0])?;
    for mut step in fixture.steps() {
        run_step_yielding(&mut step, clock, browser).await?;
    }
    Ok(())
}

async fn library<L: Library>(clock: &PerformanceClock) -> Result<(), Failure> {
    warm_up::<L>(clock).await?;
    for n in SIZES {
        yield_to_event_loop().await.map_err(browser)?;
        let fixture = Fixture::<L>::new(n)?;
        for figure in fixture.sizes() {
            console_log!("{}", figure.line());
        }
        for mut step in fixture.steps() {
            let figure = run_step_yielding(&mut step, clock, browser).await?;
            console_log!("{}", figure.line());
        }
    }
    Ok(())
}

#[wasm_bindgen_test]
async fn mls_benchmarks() {
    let run = async {
        console_log!("{}", browser_info(false).map_err(browser)?);
        let clock = PerformanceClock::new().map_err(browser)?;
        library::<MlsRs>(&clock).await?;
        library::<OpenMls>(&clock).await
    };
    if let Err(e) = run.await {
        panic!("benchmark failed: {e}");
    }
}
