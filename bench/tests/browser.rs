//! The browser half of `cargo xtask bench protocol`: the same measurements as the native binary,
//! compiled to wasm32 and run in headless Chromium by wasm-bindgen-test-runner, each followed
//! by its baseline: WebCrypto's AES-256-GCM on the same data sizes, and WebCrypto's Ed25519 on
//! the same statements where the browser has it. Result lines reach the
//! runner's output through `console.log` (run with `--nocapture`).
//!
//! It is one test so that the figures come out in a fixed order from one page, and so that
//! related figures are measured close together in time.

#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bench::BenchError;
use bench::browser::{
    PerformanceClock, browser_info, run_step_yielding, run_yielding, yield_to_event_loop,
};
use bench::cases::{self, StreamFixture};
use bench::figure::Figure;
use bench::identity::{self, FullRoom};
use bench::room::{self, Room};
use bench::webcrypto::WebCrypto;
use bench::webcrypto::ed25519::Ed25519;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn emit(figure: &Figure) {
    console_log!("{}", figure.line());
}

async fn protocol() -> Result<(), BenchError> {
    let ed25519 = Ed25519::new().await?;
    if let Err(why) = &ed25519 {
        console_log!("this browser's WebCrypto has no Ed25519: {why}");
    }
    console_log!("{}", browser_info(ed25519.is_ok())?);
    let ed25519 = ed25519.ok();
    let clock = PerformanceClock::new()?;
    let webcrypto = WebCrypto::new().await?;

    emit(&run_yielding(cases::envelope_seal()?, &clock).await?);
    emit(&webcrypto.envelope_seal(&clock).await?);
    emit(&run_yielding(cases::envelope_open()?, &clock).await?);
    emit(&webcrypto.envelope_open(&clock).await?);

    let stream = StreamFixture::new()?;
    emit(&run_yielding(stream.seal(), &clock).await?);
    emit(&webcrypto.stream_seal(&clock).await?);
    emit(&run_yielding(stream.open()?, &clock).await?);
    emit(&webcrypto.stream_open(&clock).await?);
    drop(stream);

    emit(&run_yielding(cases::argon2id_default(), &clock).await?);

    emit(&run_yielding(identity::ed25519_sign()?, &clock).await?);
    if let Some(ed25519) = &ed25519 {
        emit(&ed25519.sign_figure(&clock).await?);
    }
    emit(&run_yielding(identity::ed25519_verify()?, &clock).await?);
    if let Some(ed25519) = &ed25519 {
        emit(&ed25519.verify_figure(&clock).await?);
    }
    emit(&run_yielding(identity::certificate_check()?, &clock).await?);
    emit(&run_yielding(identity::safety_number_pair()?, &clock).await?);
    let room = FullRoom::new()?;
    emit(&run_yielding(room.newcomer()?, &clock).await?);
    if let Some(ed25519) = &ed25519 {
        emit(&ed25519.newcomer_figure(&room, &clock).await?);
    }
    drop(room);
    rooms_on_mls(&clock).await
}

/// The rooms on MLS at each size, after every step of the smallest run once and thrown away (V8
/// tiers hot wasm up after a while, which made the first size look slower than the next).
async fn rooms_on_mls(clock: &PerformanceClock) -> Result<(), BenchError> {
    let same = |e: BenchError| e;
    for mut step in Room::new(room::SIZES[0])?.steps() {
        run_step_yielding(&mut step, clock, same).await?;
    }
    for n in room::SIZES {
        yield_to_event_loop().await?;
        let fixture = Room::new(n)?;
        for figure in fixture.sizes() {
            emit(&figure);
        }
        for mut step in fixture.steps() {
            emit(&run_step_yielding(&mut step, clock, same).await?);
        }
    }
    Ok(())
}

#[wasm_bindgen_test]
async fn protocol_benchmarks() {
    if let Err(e) = protocol().await {
        panic!("benchmark failed: {e}");
    }
}
