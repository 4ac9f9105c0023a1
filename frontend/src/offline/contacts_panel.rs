//! Pairing and contacts (PROTOCOL.md C.2): one device shows a `CT1K` code holding a fresh
//! random key, the other scans it; both name the contact, compare the check code, and save it
//! on this device. Contacts can be renamed and deleted.

use leptos::prelude::*;
use protocol::contact::ContactKey;
use protocol::entropy::SystemEntropy;
use protocol::qr_text::contact_key_text;

use crate::offline::contacts::{self, Contact, MAX_NAME, clean_name};
use crate::scan::panel::ScanPanel;
use crate::ui::qr_code::QrCodeView;

/// A pairing in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pairing {
    Idle,
    /// This device shows the code.
    Showing(ContactKey),
    /// This device scans the other's code.
    Scanning,
    /// The other device's pairing text is pasted here (two laptops without cameras).
    Pasting,
    /// Scanned: name it and save.
    Scanned(ContactKey),
}

/// The Contacts tab. `scanned` is a pairing code read elsewhere (the home page's scanner).
#[component]
pub fn ContactsPanel(
    scanned: Option<ContactKey>,
    list: RwSignal<Vec<Contact>>,
    /// Whether this tab shows: hidden, a pairing scan stops.
    active: Signal<bool>,
) -> impl IntoView {
    let pairing = RwSignal::new(scanned.map_or(Pairing::Idle, Pairing::Scanned));
    let name = RwSignal::new(String::new());
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if !active.get() && pairing.get_untracked() == Pairing::Scanning {
            pairing.set(Pairing::Idle);
        }
    });

    let save = move |key: ContactKey| {
        let chosen = clean_name(&name.get_untracked());
        let chosen = if chosen.is_empty() {
            format!("Contact {}", key.check_code())
        } else {
            chosen
        };
        let mut all = contacts::load();
        all.retain(|c| c.key != key);
        // A fresh pairing: this device mints its own side of it.
        all.push(Contact::paired(chosen.clone(), key, &mut SystemEntropy));
        contacts::save(&all);
        list.set(contacts::load());
        name.set(String::new());
        pairing.set(Pairing::Idle);
        notice.set(Some(format!("{chosen} saved.")));
    };
    // A code read by the camera, or a text pasted: line breaks a mail or chat added are dropped,
    // spaces kept (a space is a Base45 digit).
    let on_scan = Callback::new(move |text: String| {
        let text = protocol::text_form::tidy(&text);
        match protocol::qr_text::parse_qr_text(&text) {
            Ok(protocol::qr_text::QrText::ContactKey(key)) => pairing.set(Pairing::Scanned(key)),
            _ => notice.set(Some("That is not a Cutout pairing code.".into())),
        }
    });
    let pasted = RwSignal::new(String::new());

    let name_and_save = move |key: ContactKey| {
        let check = key.check_code().to_string();
        view! {
            <p class="check">
                "Check code: " <strong data-testid="pair-check-code">{check}</strong>
                <span class="hint">" Both devices show the same code; compare them before saving."</span>
            </p>
            <form class="stack" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save(key.clone());
            }>
                <label class="field">
                    <span>"Name for this contact"</span>
                    <input
                        data-testid="pair-name"
                        maxlength=MAX_NAME.to_string()
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <div class="row">
                    <button class="button primary" type="submit" data-testid="pair-save">"Save contact"</button>
                    <button class="button ghost" type="button" on:click=move |_| pairing.set(Pairing::Idle)>"Cancel"</button>
                </div>
            </form>
        }
    };

    view! {
        <section class="panel" aria-labelledby="contacts-title" data-testid="contacts">
            <h2 id="contacts-title">"Contacts"</h2>
            <p class="hint">
                "A paired contact can send you offline messages without a passphrase, and you them. "
                "Contacts are kept in this browser on this device only."
            </p>
            <p class="status" role="status" data-testid="contacts-notice">{move || notice.get()}</p>
            {move || match pairing.get() {
                Pairing::Idle => view! {
                    <div class="row">
                        <button class="button primary" data-testid="pair-show" on:click=move |_| {
                            notice.set(None);
                            pairing.set(Pairing::Showing(ContactKey::generate(&mut SystemEntropy)));
                        }>"Show a pairing code"</button>
                        <button class="button" data-testid="pair-scan" on:click=move |_| {
                            notice.set(None);
                            pairing.set(Pairing::Scanning);
                        }>"Scan a pairing code"</button>
                        <button class="button ghost" data-testid="pair-paste-open" on:click=move |_| {
                            notice.set(None);
                            pasted.set(String::new());
                            pairing.set(Pairing::Pasting);
                        }>"Paste a pairing text"</button>
                    </div>
                }.into_any(),
                Pairing::Showing(key) => {
                    let text = contact_key_text(&key);
                    let copied = RwSignal::new(None::<bool>);
                    let copy = {
                        let text = text.clone();
                        move |_| {
                            let text = text.clone();
                            leptos::task::spawn_local(async move {
                                copied.set(Some(crate::browser::copy(&text).await));
                            });
                        }
                    };
                    view! {
                        <p class="hint">"Scan this code with Cutout on the other device (Contacts, Scan a pairing code). Let nobody else photograph it."</p>
                        <QrCodeView text=text.clone() label="Pairing QR code" testid="pair-qr" />
                        <label class="field">
                            <span>"No camera? Send the other device this text, by a way only the two of you see"</span>
                            <input class="mono" readonly data-testid="pair-text" prop:value=text />
                        </label>
                        <div class="row">
                            <button class="button" type="button" data-testid="pair-copy" on:click=copy>"Copy the text"</button>
                            <span class="hint" role="status">{move || match copied.get() {
                                Some(true) => "Copied.",
                                Some(false) => "This browser does not allow copying here: select the text and copy it.",
                                None => "",
                            }}</span>
                        </div>
                        {name_and_save(key)}
                    }.into_any()
                }
                Pairing::Pasting => view! {
                    <form class="stack" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        on_scan.run(pasted.get_untracked());
                    }>
                        <label class="field">
                            <span>"The other device's pairing text (it starts with CT1K)"</span>
                            <textarea
                                rows="2"
                                class="mono"
                                data-testid="pair-paste"
                                maxlength="200"
                                prop:value=move || pasted.get()
                                on:input=move |ev| pasted.set(event_target_value(&ev))
                            ></textarea>
                        </label>
                        <div class="row">
                            <button class="button primary" type="submit" data-testid="pair-paste-use">"Use this text"</button>
                            <button class="button ghost" type="button" on:click=move |_| pairing.set(Pairing::Idle)>"Cancel"</button>
                        </div>
                    </form>
                }.into_any(),
                Pairing::Scanning => view! {
                    <ScanPanel
                        title="Scan a pairing code"
                        on_close=Callback::new(move |()| pairing.set(Pairing::Idle))
                        on_read=on_scan
                    />
                }.into_any(),
                Pairing::Scanned(key) => view! {
                    <p class="status" role="status">"Pairing code read."</p>
                    {name_and_save(key)}
                }.into_any(),
            }}
            <ul class="contacts" data-testid="contact-list">
                <For each=move || list.get() key=|c| (c.name.clone(), c.key.check_code().to_string()) let:contact>
                    <ContactRow contact=contact list=list />
                </For>
            </ul>
            <Show when=move || list.get().is_empty()>
                <p class="hint">"No contacts yet."</p>
            </Show>
        </section>
    }
}

/// One contact: its name (renamable), check code, and delete.
#[component]
fn ContactRow(contact: Contact, list: RwSignal<Vec<Contact>>) -> impl IntoView {
    let renaming = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let draft = RwSignal::new(contact.name.clone());
    let saved = RwSignal::new(contact.name.clone());
    let key = contact.key.clone();
    let rename = {
        let key = key.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let chosen = clean_name(&draft.get_untracked());
            if chosen.is_empty() {
                return;
            }
            let mut all = contacts::load();
            for c in all.iter_mut().filter(|c| c.key == key) {
                c.name = chosen.clone();
            }
            contacts::save(&all);
            saved.set(chosen);
            renaming.set(false);
            list.set(contacts::load());
        }
    };
    let delete = move |_| {
        let mut all = contacts::load();
        all.retain(|c| c.key != key);
        contacts::save(&all);
        list.set(contacts::load());
    };
    let check = contact.key.check_code().to_string();
    view! {
        <li class="contact" data-testid="contact">
            <Show
                when=move || renaming.get()
                fallback=move || view! {
                    <span class="contact-name" data-testid="contact-name">{move || saved.get()}</span>
                }
            >
                <form class="row" on:submit=rename.clone()>
                    <input
                        data-testid="contact-rename-input"
                        aria-label="New name"
                        maxlength=MAX_NAME.to_string()
                        prop:value=move || draft.get()
                        on:input=move |ev| draft.set(event_target_value(&ev))
                    />
                    <button class="button" type="submit">"Save"</button>
                </form>
            </Show>
            <span class="hint mono">{check}</span>
            <button
                class="button ghost"
                data-testid="contact-rename"
                aria-label=move || format!("Rename {}", saved.get())
                on:click=move |_| {
                    // Closing without saving keeps the saved name.
                    if renaming.get_untracked() {
                        draft.set(saved.get_untracked());
                    }
                    renaming.update(|r| *r = !*r);
                }
            >
                "Rename"
            </button>
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button
                        class="button ghost"
                        data-testid="contact-delete"
                        aria-label=move || format!("Delete {}", saved.get())
                        on:click=move |_| confirming.set(true)
                    >
                        "Delete"
                    </button>
                }
            >
                <button class="button danger" data-testid="contact-delete-confirm" on:click=delete.clone()>"Delete for good"</button>
                <button class="button ghost" on:click=move |_| confirming.set(false)>"Keep"</button>
            </Show>
        </li>
    }
}
