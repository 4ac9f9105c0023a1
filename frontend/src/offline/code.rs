//! A sealed offline message on screen (PROTOCOL.md C.2, C.3): one `CT1M` code when it fits QR
//! version 15, else an animated sequence of `CT1F` fountain frames — the source symbols first,
//! then fresh repair symbols, never one twice — at the density and rate the person picks
//! (docs/PROTOCOL.md "Densities of animated codes"; the density is remembered on this device,
//! and choosing another seals the message again), as large as the screen allows, with pause
//! (and, paused, one code at a time), a frame counter, and the whole message as copyable text.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::density::{Density, QrLevel};
use protocol::fountain::{FountainEncoder, FountainError, symbol_size_for};
use protocol::qr_text::{SINGLE_CODE_MAX_VERSION, fountain_frame_text, message_text};
use protocol::text_form::text_form;
use protocol::transfer_rate::format_duration;
use qrcode::EcLevel;

use crate::browser::{self, Store};
use crate::ui::qr_code::{QrCodeView, qr_version, svg_markup_at};

/// Frame rates offered, codes a second.
pub const RATES: [u32; 4] = [10, 15, 20, 30];
/// Where the chosen density is kept on this device.
const DENSITY_KEY: &str = "cutout.density";

/// Whether `blob` fits one `CT1M` code (QR version 15 at most); else it is shown as frames.
pub fn fits_one_code(blob: &[u8]) -> bool {
    qr_version(&message_text(blob)).is_some_and(|v| v <= SINGLE_CODE_MAX_VERSION)
}

/// Shows `blob` as QR codes.
#[component]
pub fn OfflineCode(
    blob: Vec<u8>,
    /// Whether the codes are on screen: hidden, they stop moving.
    active: Signal<bool>,
    /// Seals the message again for the density chosen, which is kept on the device once the
    /// new seal shows ([`remember_density`]).
    reseal: Callback<Density>,
) -> impl IntoView {
    let text = message_text(&blob);
    let single = fits_one_code(&blob);
    // The copyable text declares its length and digest, so a cut-off paste is told apart from
    // a wrong passphrase (docs/PROTOCOL.md, "The message as text"); the code keeps `CT1M`.
    let pasteable = text_form(&blob);
    let copied = RwSignal::new(None::<bool>);
    let copy = {
        let text = pasteable.clone();
        move |_| {
            let text = text.clone();
            spawn_local(async move { copied.set(Some(crate::browser::copy(&text).await)) });
        }
    };
    let code = if single {
        view! {
            <div class="offline-code">
                <QrCodeView text=text.clone() label="Offline message QR code" testid="offline-qr" />
                <p class="hint">"One code holds the whole message: scan it with Cutout on the other device."</p>
            </div>
        }
        .into_any()
    } else {
        let density = remembered_density();
        match Sequence::new(&blob, density) {
            Ok(sequence) => view! { <Animated sequence=sequence active=active reseal=reseal /> }.into_any(),
            Err(err) => view! { <p class="error" role="alert">{format!("This message cannot be shown: {err}.")}</p> }.into_any(),
        }
    };
    view! {
        {code}
        <details class="copy-text">
            <summary>"The message as text"</summary>
            <p class="hint">"For a device that cannot scan: paste this text into its Receive tab."</p>
            <textarea readonly rows="4" class="mono" data-testid="offline-text" prop:value=pasteable></textarea>
            <button class="button" data-testid="copy-offline-text" on:click=copy>"Copy"</button>
            <span class="status" role="status">
                {move || match copied.get() {
                    Some(true) => "Copied.",
                    Some(false) => "Copying is not allowed here: select the text and copy it.",
                    None => "",
                }}
            </span>
        </details>
    }
}

/// The fountain frames of one blob at one density.
struct Sequence {
    blob_length: usize,
    density: Density,
    symbol_size: u16,
    encoder: FountainEncoder,
}

impl Sequence {
    fn new(blob: &[u8], density: Density) -> Result<Self, FountainError> {
        let symbol_size = symbol_size_for(blob.len(), density.max_symbol());
        let encoder = FountainEncoder::new(blob, symbol_size)?;
        Ok(Self {
            blob_length: blob.len(),
            density,
            symbol_size,
            encoder,
        })
    }

    /// SVG markup of the next frame.
    fn next_markup(&mut self) -> String {
        let level = match self.density.level() {
            QrLevel::L => EcLevel::L,
            QrLevel::M => EcLevel::M,
            QrLevel::Q => EcLevel::Q,
        };
        svg_markup_at(&fountain_frame_text(&self.encoder.next_frame()), level).unwrap_or_default()
    }
}

/// The animated fountain sequence.
#[component]
fn Animated(sequence: Sequence, active: Signal<bool>, reseal: Callback<Density>) -> impl IntoView {
    let blob_length = sequence.blob_length;
    let density = sequence.density;
    let needed = sequence.encoder.source_symbols();
    let symbol_size = sequence.symbol_size;
    let sequence = Rc::new(RefCell::new(sequence));
    let markup = RwSignal::new(String::new());
    let shown = RwSignal::new(0u32);
    let rate = RwSignal::new(density.rate());
    // A screen-sized picture changing many times a second: where people ask for reduced motion
    // it waits for them to start it.
    let calm = prefers_reduced_motion();
    let playing = RwSignal::new(!calm);

    let next = move || {
        let frame = sequence.borrow_mut().next_markup();
        markup.set(frame);
        shown.update(|n| *n += 1);
    };
    next();
    // While paused, one code at a time: for a receiver that photographs each code.
    let step = next.clone();
    // Another density: the message is sealed again (one symbol size a message), and this
    // view gives way to the new one, which starts at the density kept here.
    let choose = move |chosen: Density| {
        if chosen != density {
            reseal.run(chosen);
        }
    };
    // One timer at the chosen rate while playing; a new one when the rate changes.
    let timer = StoredValue::new_local(None::<IntervalHandle>);
    Effect::new(move |_| {
        let (rate, playing) = (rate.get(), playing.get() && active.get());
        timer.update_value(|t| {
            if let Some(old) = t.take() {
                old.clear();
            }
            if playing {
                *t = set_interval_with_handle(
                    next.clone(),
                    std::time::Duration::from_millis(u64::from(1000 / rate)),
                )
                .ok();
            }
        });
    });
    on_cleanup(move || {
        timer.update_value(|t| {
            if let Some(old) = t.take() {
                old.clear();
            }
        });
    });
    // About how long a receiver that misses nothing takes: the codes needed at this rate.
    let takes = move || {
        let seconds = f64::from(needed) / f64::from(rate.get());
        format!(
            "At {} codes a second this takes about {} to receive.",
            rate.get(),
            format_duration(seconds.max(1.0))
        )
    };

    view! {
        <div class="offline-code animated">
            <figure
                class="qr qr-large"
                role="img"
                aria-label="Animated offline message QR code"
                data-testid="offline-qr"
                data-frame=move || shown.get().to_string()
                data-needed=needed.to_string()
                data-symbol-size=symbol_size.to_string()
                data-density=density.name()
                data-blob-length=blob_length.to_string()
                inner_html=move || markup.get()
            ></figure>
            {calm.then(|| view! {
                <p class="hint" data-testid="reduced-motion">
                    "Paused because this device asks for reduced motion: the codes change many \
                     times a second once you press Resume."
                </p>
            })}
            <p class="status" data-testid="frame-counter">
                {move || format!(
                    "Frame {} · the other device needs about {} of them",
                    shown.get(),
                    needed
                )}
            </p>
            <div class="row">
                <button
                    class="button"
                    data-testid="pause"
                    aria-pressed=move || (!playing.get()).to_string()
                    on:click=move |_| playing.update(|p| *p = !*p)
                >
                    {move || if playing.get() { "Pause" } else { "Resume" }}
                </button>
                <button
                    class="button"
                    data-testid="next-code"
                    class:hidden=move || playing.get()
                    on:click=move |_| step()
                >
                    "Next code"
                </button>
                <label class="field inline">
                    <span>"Density"</span>
                    <select data-testid="density" on:change=move |ev| {
                        if let Some(d) = Density::parse(&event_target_value(&ev)) {
                            choose(d);
                        }
                    }>
                        {Density::ALL.into_iter().map(|d| view! {
                            <option value=d.name() selected=density == d>{density_label(d)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field inline">
                    <span>"Speed"</span>
                    <select data-testid="rate" on:change=move |ev| {
                        if let Ok(r) = event_target_value(&ev).parse::<u32>() {
                            rate.set(r);
                        }
                    }>
                        {RATES.into_iter().map(|r| view! {
                            <option value=r.to_string() selected=r == density.rate()>{format!("{r} codes a second")}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            <p class="hint" data-testid="offline-takes">{takes}</p>
            <p class="hint">
                "Keep the codes playing until the other device says it has the message. Any "
                "codes will do, in any order: missed ones are made up by later ones. If it "
                "reads few of them, choose Robust; a good camera held close reads Dense. "
                "Another density seals the message again, and the other device starts over."
            </p>
        </div>
    }
}

/// The density last chosen on this device (Normal until one is).
fn remembered_density() -> Density {
    browser::load(Store::Device, DENSITY_KEY)
        .and_then(|name| Density::parse(&name))
        .unwrap_or_default()
}

/// Keeps `density` as the one codes are shown at from now on.
pub fn remember_density(density: Density) {
    browser::save(Store::Device, DENSITY_KEY, density.name());
}

/// What the density choice says.
fn density_label(density: Density) -> &'static str {
    match density {
        Density::Robust => "Robust (any camera)",
        Density::Normal => "Normal",
        Density::Dense => "Dense (camera held close)",
    }
}

/// Whether the person asked their device for reduced motion.
fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}
