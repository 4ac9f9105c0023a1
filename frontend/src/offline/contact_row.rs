//! One contact in the Contacts tab's list: its name (renamable), whether it is a verified
//! person or a contact paired before identities, and delete. A paired person is kept by
//! `browser::verified` (deleting them takes their verification back); a contact paired before
//! identities by `offline::contacts`.

use leptos::prelude::*;

use crate::browser;
use crate::offline::contacts::{self, Entry, MAX_NAME, clean_name};

/// Renames or deletes `entry` where it is kept; `None` as the name deletes it.
fn change(entry: &Entry, name: Option<&str>) {
    match entry {
        Entry::Paired { identity, .. } => {
            let mut verified = browser::verified();
            let changed = match name {
                Some(name) => verified.rename(identity.ik(), name),
                None => verified.forget(identity.ik()),
            };
            if changed {
                browser::save_verified(&verified);
            }
        }
        Entry::Legacy(contact) => {
            let mut all = contacts::load_legacy();
            match name {
                Some(name) => {
                    for c in all.iter_mut().filter(|c| c.key == contact.key) {
                        c.name = name.to_owned();
                    }
                }
                None => all.retain(|c| c.key != contact.key),
            }
            contacts::save_legacy(&all);
        }
    }
}

/// One contact: its name (renamable), whether verified, and delete.
#[component]
pub fn ContactRow(contact: Entry, list: RwSignal<Vec<Entry>>) -> impl IntoView {
    let renaming = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let draft = RwSignal::new(contact.name().to_owned());
    let saved = RwSignal::new(contact.name().to_owned());
    let entry = StoredValue::new(contact.clone());
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = clean_name(&draft.get_untracked());
        if chosen.is_empty() {
            return;
        }
        change(&entry.get_value(), Some(&chosen));
        saved.set(chosen);
        renaming.set(false);
        list.set(contacts::load());
    };
    let delete = move |_| {
        change(&entry.get_value(), None);
        list.set(contacts::load());
    };
    let (kind, detail, delete_hint) = match &contact {
        Entry::Paired { identity, .. } => (
            "paired",
            view! {
                <span class="verified-mark">"✓ verified"</span>
                <span class="hint mono" title="Their identity key">{protocol::hex::encode(&identity.ik()[..6])}</span>
            }
            .into_any(),
            "Deleting also removes their verification, in every room.",
        ),
        Entry::Legacy(c) => (
            "legacy",
            view! {
                <span class="hint mono">{c.key.check_code().to_string()}</span>
                <span class="hint legacy-note">"Paired before identities: not verified. Pair again to verify."</span>
            }
            .into_any(),
            "",
        ),
    };
    view! {
        <li class="contact" data-testid="contact" data-kind=kind data-verified=(kind == "paired").to_string()>
            <Show
                when=move || renaming.get()
                fallback=move || view! {
                    <span class="contact-name" data-testid="contact-name">{move || saved.get()}</span>
                }
            >
                <form class="row" on:submit=rename>
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
            {detail}
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
                <span class="hint">{delete_hint}</span>
                <button class="button danger" data-testid="contact-delete-confirm" on:click=delete>"Delete for good"</button>
                <button class="button ghost" on:click=move |_| confirming.set(false)>"Keep"</button>
            </Show>
        </li>
    }
}
