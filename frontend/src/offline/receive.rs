//! Receiving an offline message: the scanner collects `CT1M` codes or `CT1F` frames (or the
//! message's text is pasted, and read by `protocol::text_form`'s rule: whole, part missing,
//! damaged), a bar shows the frames collected against those needed, and the rebuilt message
//! (its msg_id and header checked before any key derivation) is opened with a passphrase or by
//! trying every paired contact. A contact's code says who sealed it (docs/PROTOCOL.md, "Contact
//! codes that say who sealed them"): one this device sealed itself, shown back to it, is shown
//! as its own, never as the contact's.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::blob::{BlobContent, BlobHeader, Sealer};
use protocol::collector::{Collector, Taken, Tally};
use protocol::passphrase_input::may_try_as_typed;
use protocol::text_form::{Pasted, read_pasted};

use crate::offline::contacts::Entry;
use crate::offline::passphrase::{PassphraseField, kdf_status};
use crate::offline::worker::{Failure, OfflineWorker};
use crate::scan::panel::ScanPanel;

/// Where receiving stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Waiting for codes.
    Scanning,
    /// A message is here, sealed.
    Sealed {
        blob: Vec<u8>,
        /// Known to be whole: scanned, or a pasted text whose declared length and digest
        /// match. Not so for an earlier version's pasted `CT1M` text, which declares neither.
        whole: bool,
    },
    /// The key is being derived; it should take this many ms (once measured).
    Opening {
        expected: Option<f64>,
        /// The passphrase may be tried a second time, exactly as typed.
        twice: bool,
    },
    /// Opened.
    Opened {
        content: BlobContent,
        /// For a contact's code: the contact whose key opened it, and who sealed it.
        contact: Option<Sender>,
    },
}

/// The Receive tab. `first` is a code already scanned elsewhere (the home page's scanner).
#[component]
pub fn OfflineReceive(
    first: Option<String>,
    contacts: RwSignal<Vec<Entry>>,
    /// Whether this tab shows: hidden, the camera stops.
    active: Signal<bool>,
) -> impl IntoView {
    let stage = RwSignal::new(Stage::Scanning);
    let tally = RwSignal::new(Tally::default());
    let error = RwSignal::new(None::<String>);
    let scanning = RwSignal::new(false);
    let collector = StoredValue::new_local(Collector::default());
    let passphrase = RwSignal::new(String::new());
    Effect::new(move |_| {
        if !active.get() {
            scanning.set(false);
        }
    });

    // A message: a contact's is opened at once; a passphrase one waits for it.
    let arrived = move |blob: Vec<u8>, whole: bool| {
        scanning.set(false);
        error.set(None);
        match BlobHeader::parse(&blob).map(|(h, ..)| h) {
            Ok(BlobHeader::Contact { .. }) => {
                // The contacts as stored (another tab may have paired or given a side first).
                contacts.set(crate::offline::contacts::load());
                spawn_local(async move {
                    match crate::offline::contacts::open(&blob).await {
                        Some(opened) => stage.set(Stage::Opened {
                            content: opened.content,
                            contact: Some(Sender {
                                name: opened.contact,
                                sealer: opened.sealer,
                                verified: opened.identity.is_some(),
                            }),
                        }),
                        None => {
                            error.set(Some(if whole {
                                "This message is sealed for a paired contact, and none of the \
                                 contacts on this device opens it."
                                    .into()
                            } else {
                                "None of the contacts on this device opens this message, or \
                                 part of its text is missing: copy all of it and paste it again."
                                    .into()
                            }));
                            // It was whole: nothing is left to collect of it.
                            collector.update_value(|c| *c = Collector::default());
                            tally.set(Tally::default());
                            stage.set(Stage::Scanning);
                        }
                    }
                });
            }
            _ => stage.set(Stage::Sealed { blob, whole }),
        }
    };
    // Every scanned or pasted text; true while a sequence is being collected.
    let take = move |text: String| -> bool {
        let mut counts = tally.get_untracked();
        let taken = collector
            .try_update_value(|c| c.take(&text, &mut counts))
            .unwrap_or(Taken::Other);
        match taken {
            Taken::More => {
                tally.set(counts);
                true
            }
            Taken::Whole(blob) => {
                tally.set(counts);
                arrived(blob, true);
                false
            }
            Taken::Damaged => {
                counts.damaged += 1;
                tally.set(counts);
                true
            }
            // Another code in view while a sequence is being collected (a poster, a menu):
            // ignored, so the collection goes on.
            Taken::Other => tally.get_untracked().needed > 0,
        }
    };
    if let Some(text) = first
        && take(text.clone())
    {
        scanning.set(true);
    }

    let pasted = RwSignal::new(String::new());
    let paste = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let problem = match read_pasted(&pasted.get_untracked()) {
            Pasted::Whole(blob) => {
                arrived(blob, true);
                None
            }
            Pasted::Unchecked(blob) => {
                arrived(blob, false);
                None
            }
            Pasted::Incomplete => {
                Some("Part of the message is missing: copy all of its text and paste it again.")
            }
            Pasted::Damaged => {
                Some("That text is a damaged Cutout message: copy it again from the other device.")
            }
            Pasted::TooLong => Some("That text is longer than any Cutout offline message."),
            Pasted::Other => Some("That text is not a Cutout offline message."),
        };
        if let Some(problem) = problem {
            error.set(Some(problem.into()));
        }
        pasted.set(String::new());
    };

    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Stage::Sealed { blob, whole } = stage.get_untracked() else {
            return;
        };
        let phrase = passphrase.get_untracked();
        let twice = may_try_as_typed(&phrase);
        error.set(None);
        stage.set(Stage::Opening {
            expected: None,
            twice,
        });
        spawn_local(async move {
            let opened = OfflineWorker::open(&blob, &phrase, move |ms| {
                stage.set(Stage::Opening {
                    expected: Some(ms),
                    twice,
                });
            })
            .await;
            match opened {
                Ok(content) => {
                    passphrase.set(String::new());
                    stage.set(Stage::Opened {
                        content,
                        contact: None,
                    });
                }
                Err(Failure::Wrong) if !whole => {
                    error.set(Some(
                        "Wrong passphrase, or part of the message's text is missing or \
                         altered: check the passphrase, or copy all of the text and paste it \
                         again."
                            .into(),
                    ));
                    stage.set(Stage::Sealed { blob, whole });
                }
                Err(failure) => {
                    error.set(Some(failure.explain()));
                    stage.set(Stage::Sealed { blob, whole });
                }
            }
        });
    };
    let again = move |_| {
        collector.update_value(|c| *c = Collector::default());
        tally.set(Tally::default());
        error.set(None);
        stage.set(Stage::Scanning);
    };

    // For screen readers, a quarter at a time: the count above changes many times a second.
    let milestone = Memo::new(move |_| {
        let t = tally.get();
        (t.needed > 0).then(|| (4 * t.distinct.min(t.needed as usize) / t.needed as usize).min(3))
    });
    let progress = move || {
        let t = tally.get();
        (t.needed > 0).then(|| {
            let damaged = if t.damaged > 0 {
                format!(" · {} damaged codes skipped", t.damaged)
            } else {
                String::new()
            };
            // Collected codes are kept while the scanner is closed: scanning again goes on.
            let incomplete = (!scanning.get()).then(|| {
                view! {
                    <p class="error" role="alert" data-testid="receive-incomplete">
                        "The message is incomplete. Scan again, while the other device keeps \
                         showing its codes, to collect the rest."
                    </p>
                }
            });
            view! {
                <div class="progress-block" data-testid="receive-progress">
                    <progress
                        max=t.needed.to_string()
                        value=t.distinct.min(t.needed as usize).to_string()
                        aria-label="Codes collected"
                    ></progress>
                    <p class="status">
                        {format!("{} of about {} codes collected{damaged}", t.distinct, t.needed)}
                    </p>
                    {incomplete}
                    // Codes of a message someone stopped showing, or of the wrong one: drop them
                    // (another message's codes are followed anyway, after a few of them).
                    <button class="button ghost" type="button" data-testid="receive-start-over" on:click=again>
                        "Start over"
                    </button>
                </div>
            }
        })
    };

    view! {
        <section
            class="panel"
            aria-labelledby="receive-title"
            data-testid="offline-receive"
            data-distinct=move || tally.get().distinct.to_string()
            data-needed=move || tally.get().needed.to_string()
        >
            <h2 id="receive-title">"Receive a message"</h2>
            <p class="error" role="alert" data-testid="receive-error">{move || error.get()}</p>
            <p class="sr-only" role="status" aria-live="polite">
                {move || milestone.get().map(|quarter| match quarter {
                    0 => "Collecting the codes.",
                    1 => "A quarter of the codes collected.",
                    2 => "Half of the codes collected.",
                    _ => "Three quarters of the codes collected.",
                })}
            </p>
            {move || match stage.get() {
                Stage::Scanning => view! {
                    <p class="hint">"Scan the code, or the moving codes, shown on the other device."</p>
                    {progress}
                    <Show when=move || !scanning.get()>
                        <button class="button primary" data-testid="receive-scan" on:click=move |_| scanning.set(true)>
                            "Scan"
                        </button>
                    </Show>
                    <Show when=move || scanning.get()>
                        <ScanPanel
                            title="Scan the message"
                            on_close=Callback::new(move |()| scanning.set(false))
                            on_read=Callback::new(move |_| {})
                            collect=Callback::new(take)
                        />
                    </Show>
                    <form class="stack" on:submit=paste>
                        <label class="field">
                            <span>"Or paste the message's text"</span>
                            <textarea
                                rows="2"
                                class="mono"
                                data-testid="receive-paste"
                                prop:value=move || pasted.get()
                                on:input=move |ev| pasted.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        <button class="button" type="submit" data-testid="receive-paste-go">"Read text"</button>
                    </form>
                }.into_any(),
                Stage::Sealed { whole, .. } => view! {
                    <form class="stack" on:submit=open>
                        <p class="status" role="status" data-testid="receive-ready">{if whole {
                            "The whole message is here. It is sealed with a passphrase."
                        } else {
                            "The message's text is read. It is sealed with a passphrase. (This \
                             older form of the text cannot show whether all of it was copied.)"
                        }}</p>
                        <PassphraseField value=passphrase testid="receive-passphrase" />
                        <div class="row">
                            <button class="button primary" type="submit" data-testid="receive-open">"Open"</button>
                            <button class="button ghost" type="button" on:click=again>"Scan another"</button>
                        </div>
                    </form>
                }.into_any(),
                Stage::Opening { expected, twice } => view! {
                    <p class="status busy" role="status" aria-live="polite" data-testid="receive-opening">
                        <span class="spinner" aria-hidden="true"></span>
                        {kdf_status("Opening", expected)}
                        {twice.then_some(
                            " Spaces and capitals in the passphrase are tidied first; if that does \
                             not open it, it is tried once more exactly as typed (as earlier \
                             versions sealed it), which takes as long again."
                        )}
                    </p>
                }.into_any(),
                Stage::Opened { content, contact } => view! {
                    <Opened content=content contact=contact />
                    <button class="button" data-testid="receive-another" on:click=again>"Receive another"</button>
                }.into_any(),
            }}
        </section>
    }
}

/// Who sealed a contact's code, as far as the code says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sender {
    /// The contact whose key opened it.
    name: String,
    /// The contact, this device, or either.
    sealer: Sealer,
    /// A paired identity's code (mode 0xC2): the contact is a verified person, known by key.
    verified: bool,
}

/// Who sealed a contact's code, in words: a code this device sealed itself (shown back to it)
/// stands out, and is never called the contact's.
fn sealer_line(
    Sender {
        name,
        sealer,
        verified,
    }: Sender,
) -> AnyView {
    match sealer {
        Sealer::Contact if verified => view! {
            <p class="hint" data-testid="received-from" data-verified="true">
                "Sealed for you by "<strong>{name}</strong>" "
                <span class="verified-mark">"✓ verified"</span>
                ", whose identity you verified when you paired. Only the two of you can open it."
            </p>
        }
        .into_any(),
        Sealer::Contact => view! {
            <p class="hint" data-testid="received-from" data-verified="false">
                "Sealed for you by contact "<strong>{name}</strong>"."
            </p>
        }
        .into_any(),
        Sealer::You => view! {
            <p class="banner warn" data-testid="received-own">
                <strong>"You sealed this message yourself"</strong>", on this device, for contact "
                <strong>{name.clone()}</strong>". It is your own code shown back to you, not a \
                 message from "{name}"."
            </p>
        }
        .into_any(),
        Sealer::EitherSide => view! {
            <p class="hint" data-testid="received-either">
                "Sealed with the key you share with contact "<strong>{name.clone()}</strong>". It \
                 was made by an earlier version of Cutout, whose codes do not say who sealed \
                 them: it may be from "{name}", or one you sealed yourself."
            </p>
        }
        .into_any(),
    }
}

/// An opened message: its text, or its file offered for saving (never shown inline).
#[component]
fn Opened(content: BlobContent, contact: Option<Sender>) -> impl IntoView {
    let opened = NodeRef::<leptos::html::P>::new();
    crate::ui::focus::focus_when_mounted(opened);
    // Read out with the status line that takes the focus, so nobody hears only "opened".
    let status = match &contact {
        Some(Sender {
            sealer: Sealer::You,
            ..
        }) => "Message opened: one you sealed yourself.",
        _ => "Message opened.",
    };
    let sender = contact.map(sealer_line);
    let body = match content {
        BlobContent::Text(text) => view! {
            <label class="field">
                <span>"Message"</span>
                <textarea readonly rows="6" data-testid="received-text" prop:value=text></textarea>
            </label>
        }
        .into_any(),
        BlobContent::File { name, bytes } => {
            let size = bytes.len();
            match crate::files::received::download_url(&bytes) {
                Some(url) => {
                    let revoke = url.clone();
                    on_cleanup(move || {
                        let _ = web_sys::Url::revoke_object_url(&revoke);
                    });
                    view! {
                        <p>
                            "A file: "
                            <a class="button primary" href=url download=name.clone() data-testid="received-file">
                                {format!("Save {name}")}
                            </a>
                            {format!(" ({})", protocol::transfer_rate::format_size(size as u64))}
                        </p>
                    }
                    .into_any()
                }
                None => {
                    view! { <p class="error" role="alert">"This browser cannot save the file."</p> }
                        .into_any()
                }
            }
        }
    };
    view! {
        <div class="opened" data-testid="received">
            <p class="status" role="status" tabindex="-1" node_ref=opened>{status}</p>
            {sender}
            {body}
        </div>
    }
}
