//! Receiving an offline message: the scanner collects `CT1M` codes or `CT1F` frames (or the
//! message's text is pasted), a bar shows the frames collected against those needed, and the
//! rebuilt message (its msg_id and header checked before any key derivation) is opened with a
//! passphrase or by trying every paired contact.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::blob::{BlobContent, BlobHeader, open_with_contact_key};
use protocol::collector::{Collector, Taken, Tally};

use crate::offline::contacts::Contact;
use crate::offline::passphrase::{PassphraseField, kdf_status};
use crate::offline::worker::OfflineWorker;
use crate::scan::panel::ScanPanel;

/// Where receiving stands.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Waiting for codes.
    Scanning,
    /// A whole message is here, sealed.
    Sealed(Vec<u8>),
    /// The key is being derived; it should take this many ms (once measured).
    Opening(Option<f64>),
    /// Opened.
    Opened {
        content: BlobContent,
        /// The contact it was sealed for, if it was.
        from: Option<String>,
    },
}

/// Tries every paired contact's key on a contact-mode blob.
fn open_with_contacts(blob: &[u8], contacts: &[Contact]) -> Option<(BlobContent, String)> {
    contacts.iter().find_map(|c| {
        open_with_contact_key(blob, &c.key)
            .ok()
            .map(|content| (content, c.name.clone()))
    })
}

/// The Receive tab. `first` is a code already scanned elsewhere (the home page's scanner).
#[component]
pub fn OfflineReceive(
    first: Option<String>,
    contacts: RwSignal<Vec<Contact>>,
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

    // A whole message: a contact's is opened at once; a passphrase one waits for it.
    let arrived = move |blob: Vec<u8>| {
        scanning.set(false);
        error.set(None);
        match BlobHeader::parse(&blob).map(|(h, ..)| h) {
            Ok(BlobHeader::Contact { .. }) => {
                match open_with_contacts(&blob, &contacts.get_untracked()) {
                    Some((content, name)) => stage.set(Stage::Opened {
                        content,
                        from: Some(name),
                    }),
                    None => {
                        error.set(Some(
                            "This message is sealed for a paired contact, and none of the \
                             contacts on this device opens it."
                                .into(),
                        ));
                        // It was whole: nothing is left to collect of it.
                        collector.update_value(|c| *c = Collector::default());
                        tally.set(Tally::default());
                        stage.set(Stage::Scanning);
                    }
                }
            }
            _ => stage.set(Stage::Sealed(blob)),
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
                arrived(blob);
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
        let text = pasted.get_untracked();
        let before = tally.get_untracked();
        if take(text.clone()) {
            if tally.get_untracked().damaged > before.damaged {
                error.set(Some("That text is a damaged Cutout code.".into()));
            }
        } else if matches!(stage.get_untracked(), Stage::Scanning) {
            error.set(Some("That text is not a Cutout offline message.".into()));
        }
        pasted.set(String::new());
    };

    let open = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Stage::Sealed(blob) = stage.get_untracked() else {
            return;
        };
        let phrase = passphrase.get_untracked();
        error.set(None);
        stage.set(Stage::Opening(None));
        spawn_local(async move {
            let opened = OfflineWorker::open(&blob, &phrase, move |ms| {
                stage.set(Stage::Opening(Some(ms)));
            })
            .await;
            match opened {
                Ok(content) => {
                    passphrase.set(String::new());
                    stage.set(Stage::Opened {
                        content,
                        from: None,
                    });
                }
                Err(failure) => {
                    error.set(Some(failure.explain()));
                    stage.set(Stage::Sealed(blob));
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
                Stage::Sealed(_) => view! {
                    <form class="stack" on:submit=open>
                        <p class="status" role="status" data-testid="receive-ready">"The whole message is here. It is sealed with a passphrase."</p>
                        <PassphraseField value=passphrase testid="receive-passphrase" />
                        <div class="row">
                            <button class="button primary" type="submit" data-testid="receive-open">"Open"</button>
                            <button class="button ghost" type="button" on:click=again>"Scan another"</button>
                        </div>
                    </form>
                }.into_any(),
                Stage::Opening(expected) => view! {
                    <p class="status busy" role="status" aria-live="polite" data-testid="receive-opening">
                        <span class="spinner" aria-hidden="true"></span>
                        {kdf_status("Opening", expected)}
                    </p>
                }.into_any(),
                Stage::Opened { content, from } => view! {
                    <Opened content=content from=from />
                    <button class="button" data-testid="receive-another" on:click=again>"Receive another"</button>
                }.into_any(),
            }}
        </section>
    }
}

/// An opened message: its text, or its file offered for saving (never shown inline).
#[component]
fn Opened(content: BlobContent, from: Option<String>) -> impl IntoView {
    let opened = NodeRef::<leptos::html::P>::new();
    crate::ui::focus::focus_when_mounted(opened);
    let sender = from.map(|name| {
        view! { <p class="hint">"Sealed for you by contact "<strong>{name}</strong>"."</p> }
    });
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
            <p class="status" role="status" tabindex="-1" node_ref=opened>"Message opened."</p>
            {sender}
            {body}
        </div>
    }
}
