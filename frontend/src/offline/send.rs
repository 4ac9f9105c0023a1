//! Composing an offline message: a text or a small file, sealed with a generated passphrase, a
//! typed one (with zxcvbn's honest estimate), or a paired contact's key (PROTOCOL.md C.1), then
//! shown as QR codes (`offline_code.rs`).

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::draft::{Draft, Lock, MAX_FILE, SealRequest, check_attachment};
use protocol::passphrase::DEFAULT_WORDS;
use protocol::transfer_rate::format_size;

use crate::offline::code::OfflineCode;
use crate::offline::contacts::Entry;
use crate::offline::lazy_worker::LazyWorker;
use crate::offline::passphrase::{PassphraseField, StrengthView, kdf_status};
use crate::offline::sealing::{Sealer, Sealing, Stage};
use crate::offline::worker::{Kind, Strength};

/// The `data-testid` of a lock's radio button.
fn lock_testid(lock: Lock) -> &'static str {
    match lock {
        Lock::Generated => "lock-generated",
        Lock::Typed => "lock-typed",
        Lock::Contact => "lock-contact",
    }
}

/// One radio button of "Lock it with", choosing `which`.
fn lock_choice(
    lock: RwSignal<Lock>,
    which: Lock,
    enabled: impl Fn() -> bool + Send + Sync + 'static,
    label: impl Fn() -> &'static str + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <label class="choice">
            <input
                type="radio"
                name="lock"
                data-testid=lock_testid(which)
                disabled=move || !enabled()
                prop:checked=move || lock.get() == which
                on:change=move |_| lock.set(which)
            />
            {label}
        </label>
    }
}

/// The Send tab.
#[component]
pub fn OfflineSend(
    contacts: RwSignal<Vec<Entry>>,
    /// Whether this tab shows: hidden, the codes stop moving.
    active: Signal<bool>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Writing);
    let text = RwSignal::new(String::new());
    let file = RwSignal::new(None::<(String, Vec<u8>)>);
    let lock = RwSignal::new(Lock::Generated);
    let five_words = RwSignal::new(false);
    let generated = RwSignal::new(None::<(String, f64)>);
    let typed = RwSignal::new(String::new());
    let strength = RwSignal::new(None::<Strength>);
    let light = RwSignal::new(false);
    // The contact chosen by its id, not its place in the list (which changes as contacts are
    // deleted); none chosen means the first.
    let contact = RwSignal::new(None::<String>);
    let has_contacts = move || !contacts.get().is_empty();
    let error = RwSignal::new(None::<String>);
    let show_phrase = RwSignal::new(false);
    // The last key derivation's expected duration, as the worker measured it.
    let expected_ms = RwSignal::new(None::<f64>);

    // Workers kept while composing, started when first needed: one for words, one for
    // strength estimates. Sealing gets a worker of its own.
    let words_worker = LazyWorker::new(Kind::Sealing);
    let strength_worker = LazyWorker::new(Kind::Strength);
    let new_words = move || {
        let count = if five_words.get_untracked() {
            5
        } else {
            DEFAULT_WORDS
        };
        spawn_local(async move {
            let words = match words_worker.get().await {
                Ok(worker) => worker.words(count).await,
                Err(failure) => Err(failure),
            };
            match words {
                Ok(words) => generated.set(Some(words)),
                Err(failure) => error.set(Some(failure.explain())),
            }
        });
    };
    new_words();
    let estimate = move |phrase: String| {
        spawn_local(async move {
            let Ok(worker) = strength_worker.get().await else {
                return;
            };
            // Only the estimate of what is typed now counts (and none once the tab is gone).
            if let Ok(found) = worker.strength(&phrase).await
                && typed.try_get_untracked().as_deref() == Some(phrase.as_str())
            {
                strength.set(Some(found));
            }
        });
    };

    let file_chosen = move |ev: leptos::ev::Event| {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(chosen) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let size = chosen.size() as usize;
        if let Err(why) = check_attachment(&chosen.name(), size as u64) {
            error.set(Some(why.to_string()));
            return;
        }
        error.set(None);
        spawn_local(async move {
            match crate::browser::read_slice(&chosen, 0, size).await {
                Some(bytes) => file.set(Some((chosen.name(), bytes))),
                None => error.set(Some(format!("{} could not be read.", chosen.name()))),
            }
        });
    };

    // Seals what the form holds; the codes' density sealing the same again goes through
    // `sealer`, which keeps what the message was sealed with.
    let sealer = Sealer::new(stage, error, expected_ms);
    let seal = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        let draft = Draft {
            text: text.get_untracked(),
            file: file.get_untracked(),
            lock: lock.get_untracked(),
            generated: generated.get_untracked().map(|(words, _)| words),
            typed: typed.get_untracked(),
            light: light.get_untracked(),
        };
        // The contact chosen by its key; none chosen means the first. Read again from storage:
        // two tabs that gave an earlier version's contact a side at the same moment agree on
        // the one stored, so a code sealed here carries the side this device will recognise.
        let all = crate::offline::contacts::load();
        contacts.set(all.clone());
        let chosen = match contact.get_untracked() {
            Some(id) => all.into_iter().find(|c| c.id() == id),
            None => all.into_iter().next(),
        };
        let sealing =
            if let (Lock::Contact, Some(Entry::Paired { identity, .. })) = (draft.lock, &chosen) {
                draft.content().map(|content| Sealing::Paired {
                    identity: *identity,
                    content,
                })
            } else {
                let legacy = match &chosen {
                    Some(Entry::Legacy(c)) => Some(c),
                    _ => None,
                };
                draft.seal_request(legacy).map(|request| match request {
                    SealRequest::Contact { key, side, content } => {
                        Sealing::Contact { key, side, content }
                    }
                    SealRequest::Passphrase {
                        passphrase,
                        light,
                        content,
                    } => Sealing::Passphrase {
                        phrase: passphrase,
                        light,
                        content,
                    },
                })
            };
        match sealing {
            Ok(sealing) => sealer.seal(sealing),
            Err(why) => error.set(Some(why.to_string())),
        }
    };
    let reseal = Callback::new(move |density| sealer.again(density));

    view! {
        <section
            class="panel"
            aria-labelledby="send-title"
            data-testid="offline-send"
            data-kdf-expected-ms=move || expected_ms.get().map(|ms| format!("{ms:.0}"))
        >
            <h2 id="send-title">"Send a message"</h2>
            <p class="error" role="alert" data-testid="send-error">{move || error.get()}</p>
            {move || match stage.get() {
                Stage::Writing => view! {
                    <form class="stack" on:submit=seal>
                        <label class="field">
                            <span>"Message"</span>
                            <textarea
                                rows="4"
                                data-testid="offline-message"
                                prop:value=move || text.get()
                                prop:disabled=move || file.get().is_some()
                                on:input=move |ev| text.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        {move || match file.get() {
                            Some((name, bytes)) => view! {
                                <p class="row">
                                    <span data-testid="offline-file">{format!("File: {name} ({})", format_size(bytes.len() as u64))}</span>
                                    <button class="button ghost" type="button" on:click=move |_| file.set(None)>"Remove"</button>
                                </p>
                            }.into_any(),
                            None => view! {
                                <label class="button">
                                    {format!("Or attach a file (up to {})", format_size(MAX_FILE as u64))}
                                    <input type="file" class="sr-only" data-testid="offline-attach" on:change=file_chosen />
                                </label>
                            }.into_any(),
                        }}
                        <fieldset class="stack">
                            <legend>"Lock it with"</legend>
                            {lock_choice(lock, Lock::Generated, || true, || "A generated passphrase")}
                            {lock_choice(lock, Lock::Typed, || true, || "My own passphrase")}
                            {lock_choice(lock, Lock::Contact, has_contacts, move || if has_contacts() {
                                "A paired contact's key (no passphrase)"
                            } else {
                                "A paired contact's key (pair one in Contacts first)"
                            })}
                        </fieldset>
                        {move || match lock.get() {
                            Lock::Generated => view! {
                                <div class="stack">
                                    <p class="passphrase mono" data-testid="generated-passphrase">
                                        {move || generated.get().map(|(p, _)| p).unwrap_or_else(|| "…".into())}
                                    </p>
                                    <p class="hint">
                                        {move || generated.get().map(|(_, bits)| format!(
                                            "{bits:.0} bits: words drawn at random from the EFF's list of 7,776 (EFF large wordlist, CC BY 3.0). Tell it to the other person yourself, not next to the code."
                                        ))}
                                    </p>
                                    <div class="row">
                                        <button class="button" type="button" data-testid="new-passphrase" on:click=move |_| new_words()>"Other words"</button>
                                        <label class="choice">
                                            <input type="checkbox" data-testid="five-words"
                                                prop:checked=move || five_words.get()
                                                on:change=move |ev| { five_words.set(event_target_checked(&ev)); new_words(); } />
                                            "Five words"
                                        </label>
                                    </div>
                                </div>
                            }.into_any(),
                            Lock::Typed => view! {
                                <div class="stack">
                                    <PassphraseField value=typed testid="typed-passphrase" on_input=Callback::new(move |phrase: String| {
                                        strength.set(None);
                                        if !phrase.is_empty() {
                                            estimate(phrase);
                                        }
                                    }) />
                                    {move || strength.get().map(|s| view! { <StrengthView strength=s /> })}
                                </div>
                            }.into_any(),
                            Lock::Contact => view! {
                                <label class="field">
                                    <span>"Contact"</span>
                                    <select data-testid="send-contact" on:change=move |ev| {
                                        let at: usize = event_target_value(&ev).parse().unwrap_or(0);
                                        contact.set(contacts.get_untracked().into_iter().nth(at).map(|c| c.id()));
                                    }>
                                        {move || contacts.get().into_iter().enumerate().map(|(i, c)| {
                                            let selected = contact.get_untracked().is_some_and(|id| id == c.id());
                                            let label = match &c {
                                                Entry::Paired { name, .. } => format!("{name} ✓"),
                                                Entry::Legacy(c) => format!("{} (not verified)", c.name),
                                            };
                                            view! { <option value=i.to_string() selected=selected>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                </label>
                            }.into_any(),
                        }}
                        <label class="choice" class:hidden=move || lock.get() == Lock::Contact>
                            <input type="checkbox" data-testid="light" prop:checked=move || light.get()
                                on:change=move |ev| light.set(event_target_checked(&ev)) />
                            "Light key derivation, for old phones (32 MiB instead of 64, a little easier to guess)"
                        </label>
                        <button class="button primary" type="submit" data-testid="seal">"Seal and show"</button>
                    </form>
                }.into_any(),
                Stage::Sealing(expected) => view! {
                    <p class="status busy" role="status" aria-live="polite" data-testid="sealing">
                        <span class="spinner" aria-hidden="true"></span>
                        {kdf_status("Sealing", expected)}
                    </p>
                }.into_any(),
                Stage::Showing { blob, passphrase } => {
                    let sealed = NodeRef::<leptos::html::P>::new();
                    crate::ui::focus::focus_when_mounted(sealed);
                    view! {
                        <p class="status" role="status" tabindex="-1" node_ref=sealed data-testid="sealed">
                            "Sealed. Show these codes to the other device."
                        </p>
                        <OfflineCode blob=blob active=active reseal=reseal />
                        {passphrase.map(|p| view! {
                            <div class="stack warning">
                                <p>
                                    "A passphrase shown next to its code protects nothing: tell it "
                                    "to the other person yourself, out of sight of the screen."
                                </p>
                                <button class="button ghost" type="button" data-testid="show-passphrase"
                                    aria-pressed=move || show_phrase.get().to_string()
                                    on:click=move |_| show_phrase.update(|s| *s = !*s)>
                                    {move || if show_phrase.get() { "Hide passphrase" } else { "Show passphrase" }}
                                </button>
                                <Show when=move || show_phrase.get()>
                                    <p class="passphrase mono" data-testid="shown-passphrase">{p.clone()}</p>
                                </Show>
                            </div>
                        })}
                        <button class="button" data-testid="send-another" on:click=move |_| {
                            sealer.forget();
                            text.set(String::new());
                            file.set(None);
                            show_phrase.set(false);
                            stage.set(Stage::Writing);
                            new_words();
                        }>"New message"</button>
                    }.into_any()
                }
            }}
        </section>
    }
}
