//! The browser side of the measurements (wasm32 only): `performance.now()` as the clock, and a
//! sampling loop that hands the main thread back to the event loop between samples.
//!
//! The yield matters because wasm-bindgen-test-runner reads the page's output through WebDriver
//! while the test runs, and chromedriver gives up on a renderer that stays busy for about 30 s
//! (seen with the opt-level `z` build, whose STREAM samples run back to back for 10 s or more).
//! A yield is not a sleep: it waits for no time, only for the queued tasks, and it happens
//! outside the timed batches.

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Performance, Window};

use crate::BenchError;
use crate::figure::{Browser, Figure};
use crate::measurement::Measurement;
use crate::sampler::{Clock, Sampler};

pub(crate) fn window() -> Result<Window, BenchError> {
    web_sys::window().ok_or_else(|| BenchError::Browser("no window".into()))
}

pub(crate) fn js_error(context: &'static str) -> impl Fn(JsValue) -> BenchError {
    move |value| BenchError::Browser(format!("{context}: {value:?}"))
}

/// The page's high-resolution clock.
#[derive(Clone, Debug)]
pub struct PerformanceClock(Performance);

impl PerformanceClock {
    /// The clock of the current window.
    pub fn new() -> Result<Self, BenchError> {
        window()?
            .performance()
            .map(Self)
            .ok_or_else(|| BenchError::Browser("no window.performance".into()))
    }
}

impl Clock for PerformanceClock {
    fn seconds(&self) -> f64 {
        self.0.now() / 1000.0
    }
}

/// The result line naming this browser, whether the page is cross-origin isolated (which gives
/// `performance.now()` its finest resolution), and whether its WebCrypto has Ed25519.
pub fn browser_info(webcrypto_ed25519: bool) -> Result<String, BenchError> {
    let window = window()?;
    let user_agent = window
        .navigator()
        .user_agent()
        .map_err(js_error("navigator.userAgent"))?;
    let isolated = js_sys::Reflect::get(&window, &JsValue::from_str("crossOriginIsolated"))
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    Ok(Browser {
        user_agent,
        cross_origin_isolated: isolated,
        webcrypto_ed25519,
    }
    .line())
}

/// Lets the event loop run whatever is queued (a zero-delay timer task), then continues.
pub async fn yield_to_event_loop() -> Result<(), BenchError> {
    let window = window()?;
    let mut scheduled = Ok(0);
    let promise = Promise::new(&mut |resolve: Function, _reject: Function| {
        scheduled = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    scheduled.map_err(js_error("setTimeout"))?;
    JsFuture::from(promise)
        .await
        .map_err(js_error("setTimeout"))?;
    Ok(())
}

/// Calibrates and samples a staged step, yielding to the event loop before each sample.
pub async fn run_step_yielding<'a, E: 'a>(
    step: &mut crate::staged::Step<'a, E>,
    clock: &dyn Clock,
    browser: impl Fn(BenchError) -> E,
) -> Result<Figure, E> {
    let mut sampler = Sampler::new(crate::staged::PLAN);
    while let Some(n) = sampler.next_batch() {
        yield_to_event_loop().await.map_err(&browser)?;
        step.sample(clock, &mut sampler, n)?;
    }
    Ok(step.figure(&sampler))
}

/// [`Measurement::run`], yielding to the event loop before every batch.
pub async fn run_yielding(
    mut measurement: Measurement<'_>,
    clock: &dyn Clock,
) -> Result<Figure, BenchError> {
    let mut sampler = Sampler::new(measurement.plan());
    while let Some(n) = sampler.next_batch() {
        yield_to_event_loop().await?;
        measurement.sample(clock, &mut sampler, n)?;
    }
    Ok(measurement.figure(&sampler))
}
