//! Passphrases on screen: the input (no autocomplete, capitals or spell check), zxcvbn's
//! estimate of a typed one, and what to say while Argon2id derives a key from one.

use leptos::prelude::*;
use protocol::transfer_rate::format_duration;

use crate::offline::worker::Strength;

/// A passphrase input: no autocomplete, capitals or spell check (a phone that "corrects" a
/// word changes the key). `on_input` hears each change after `value` has it.
#[component]
pub fn PassphraseField(
    value: RwSignal<String>,
    #[prop(into)] testid: String,
    #[prop(optional)] on_input: Option<Callback<String>>,
) -> impl IntoView {
    view! {
        <label class="field">
            <span>"Passphrase"</span>
            <input
                data-testid=testid
                autocomplete="off"
                autocapitalize="none"
                spellcheck="false"
                prop:value=move || value.get()
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    value.set(typed.clone());
                    if let Some(on_input) = on_input {
                        on_input.run(typed);
                    }
                }
            />
        </label>
    }
}

/// "Opening… about 3 s" while a key is derived: Argon2 reports no progress, so the expected
/// duration is what the person gets.
pub fn kdf_status(doing: &str, expected_ms: Option<f64>) -> String {
    match expected_ms {
        Some(ms) => format!(
            "{doing}: deriving the key takes about {} on this device.",
            format_duration((ms / 1000.0).max(1.0))
        ),
        None => format!("{doing}: measuring how long deriving the key takes here…"),
    }
}

/// zxcvbn's estimate, in words and as a meter.
#[component]
pub fn StrengthView(strength: Strength) -> impl IntoView {
    let verdict = match strength.score {
        0 => "Very weak",
        1 => "Weak",
        2 => "Fair",
        3 => "Strong",
        _ => "Very strong",
    };
    view! {
        <div class="strength" data-testid="strength" data-score=strength.score.to_string()>
            <meter min="0" max="4" low="2" high="3" optimum="4" value=strength.score.to_string()></meter>
            <p role="status" aria-live="polite">
                {format!(
                    "{verdict}: about {:.0} bits. Someone with a photo of the code and fast hardware would need {} to guess it.",
                    strength.bits,
                    strength.crack
                )}
            </p>
            {strength.warning.map(|w| view! { <p class="hint">{w}</p> })}
            {strength.suggestions.into_iter().map(|s| view! { <p class="hint">{s}</p> }).collect_view()}
        </div>
    }
}
