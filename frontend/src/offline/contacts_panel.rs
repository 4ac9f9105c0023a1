//! Pairing and contacts. Pairing is verification (docs/PROTOCOL.md I.6): each device shows a
//! `CT2P` code with its identity and the name its person chose, and reads the other's (camera or
//! pasted text); both compare the safety number, and each saves the other as a verified person.
//! A `CT1K` code (PROTOCOL.md C.2) from an older copy of the app is still read and saved as a
//! contact paired before identities. Contacts can be renamed and deleted.

use leptos::prelude::*;
use protocol::contact::ContactKey;
use protocol::entropy::SystemEntropy;
use protocol::identity::SigningPublic;
use protocol::identity::pairing::PairingCode;
use protocol::identity::safety::safety_number;
use protocol::qr_text::QrText;
use protocol::verified::Standing;

use crate::browser::{self, Store};
use crate::offline::contact_row::ContactRow;
use crate::offline::contacts::{self, Contact, Entry, MAX_NAME, clean_name};
use crate::scan::panel::ScanPanel;
use crate::ui::copy_text::CopyText;
use crate::ui::qr_code::QrCodeView;

/// A pairing code read elsewhere (the home page's scanner) or here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scanned {
    /// Someone's identity and chosen name (`CT2P`).
    Identity(PairingCode),
    /// A shown key from an older copy of the app (`CT1K`).
    Key(ContactKey),
}

impl Scanned {
    /// What a scanned or pasted text holds, if it is a pairing code.
    pub fn of(text: &QrText) -> Option<Self> {
        match text {
            QrText::Pairing(code) => Some(Self::Identity(code.clone())),
            QrText::ContactKey(key) => Some(Self::Key(key.clone())),
            _ => None,
        }
    }
}

/// A pairing in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Pairing {
    Idle,
    /// This device shows its code (and can read the other's meanwhile).
    Showing,
    /// This device scans the other's code.
    Scanning,
    /// The other device's pairing text is pasted here (two laptops without cameras).
    Pasting,
    /// Read: compare, name and save.
    Read(Scanned),
}

/// The safety number of this browser and `theirs`, as people read it.
fn pair_number(mine: &SigningPublic, theirs: &SigningPublic) -> Vec<AnyView> {
    crate::ui::safety_number::grouped(&safety_number(mine, theirs))
}

/// The Contacts tab. `scanned` is a pairing code read elsewhere (the home page's scanner).
#[component]
pub fn ContactsPanel(
    scanned: Option<Scanned>,
    list: RwSignal<Vec<Entry>>,
    /// Whether this tab shows: hidden, a pairing scan stops.
    active: Signal<bool>,
) -> impl IntoView {
    // A code read by the home page's scanner comes with the name its person chose.
    let name = RwSignal::new(match &scanned {
        Some(Scanned::Identity(code)) => code.name.clone(),
        _ => String::new(),
    });
    let pairing = RwSignal::new(scanned.map_or(Pairing::Idle, Pairing::Read));
    let own_name = RwSignal::new(clean_name(
        &browser::load(Store::Device, crate::room::page::NAME_KEY).unwrap_or_default(),
    ));
    let notice = RwSignal::new(None::<String>);
    let mine = *browser::identity().public().ik();
    Effect::new(move |_| {
        if !active.get() && pairing.get_untracked() == Pairing::Scanning {
            pairing.set(Pairing::Idle);
        }
    });

    let saved = move |chosen: String, verified: bool| {
        list.set(contacts::load());
        name.set(String::new());
        pairing.set(Pairing::Idle);
        notice.set(Some(if verified {
            format!(
                "{chosen} is verified and saved. If they have not read your code yet, show it \
                 to them: codes you seal for each other open once both of you have paired."
            )
        } else {
            format!("{chosen} saved.")
        }));
    };
    let save = move |read: Scanned| {
        let chosen = clean_name(&name.get_untracked());
        match read {
            Scanned::Identity(code) => {
                let chosen = if chosen.is_empty() {
                    code.name.clone()
                } else {
                    chosen
                };
                let chosen = if chosen.is_empty() {
                    "Contact".to_owned()
                } else {
                    chosen
                };
                let mut verified = browser::verified();
                verified.verify_identity(&code.identity, &chosen);
                browser::save_verified(&verified);
                saved(chosen, true);
            }
            Scanned::Key(key) => {
                let chosen = if chosen.is_empty() {
                    format!("Contact {}", key.check_code())
                } else {
                    chosen
                };
                let mut all = contacts::load_legacy();
                all.retain(|c| c.key != key);
                // A fresh pairing: this device mints its own side of it.
                all.push(Contact::paired(chosen.clone(), key, &mut SystemEntropy));
                contacts::save_legacy(&all);
                saved(chosen, false);
            }
        }
    };
    // A code read by the camera, or a text pasted: line breaks a mail or chat added are dropped,
    // spaces kept (a space is a Base45 digit).
    let on_scan = Callback::new(move |text: String| {
        let text = protocol::text_form::tidy(&text);
        match protocol::qr_text::parse_qr_text(&text)
            .ok()
            .as_ref()
            .and_then(Scanned::of)
        {
            Some(Scanned::Identity(code)) if code.identity.ik() == &mine => {
                notice.set(Some(
                    "That is your own pairing code: read the other person's.".into(),
                ));
            }
            Some(read) => {
                if let Scanned::Identity(code) = &read {
                    name.set(code.name.clone());
                }
                notice.set(None);
                pairing.set(Pairing::Read(read));
            }
            None => notice.set(Some("That is not a Cutout pairing code.".into())),
        }
    });
    let pasted = RwSignal::new(String::new());

    let name_and_save = move |read: Scanned| {
        // Someone already verified here under this name with another key, or this very person.
        let standing = match &read {
            Scanned::Identity(code) => {
                let verified = browser::verified();
                match verified.name_of(code.identity.ik()) {
                    Some(was) => Some(Err(was.to_owned())),
                    None => match verified.standing(code.identity.ik(), &code.name) {
                        Standing::IdentityChanged { was } => Some(Ok(was)),
                        _ => None,
                    },
                }
            }
            Scanned::Key(_) => None,
        };
        let warning = standing.map(|standing| match standing {
            Ok(was) => view! {
                <p class="identity-warning" role="alert" data-testid="identity-changed">
                    <strong>"Not the person you verified. "</strong>
                    {format!(
                        "You verified someone called {was} with another key. This may be someone \
                         else using the name, or {was} with a new browser or cleared storage. Save \
                         only if you are pairing with them in person now."
                    )}
                </p>
            }
            .into_any(),
            Err(was) => view! {
                <p class="hint" data-testid="pair-known">
                    {format!("You already verified this person, as {was}. Saving keeps them under the name below.")}
                </p>
            }
            .into_any(),
        });
        let (check, explain, label) = match &read {
            Scanned::Identity(code) => (
                view! {
                    <span>"Safety number"</span>
                    <strong class="safety-number mono" data-testid="pair-check-code">
                        {pair_number(&mine, code.identity.ik())}
                    </strong>
                }
                .into_any(),
                "Their device shows the same safety number for you; compare it before saving. \
                 Saving verifies them, in every room too.",
                "Name for this person (the one they chose)",
            ),
            Scanned::Key(key) => (
                view! {
                    "Check code: "
                    <strong data-testid="pair-check-code">{key.check_code().to_string()}</strong>
                }
                .into_any(),
                "Both devices show the same code; compare them before saving. This code is \
                 from an older copy of Cutout: the contact is kept, but not verified.",
                "Name for this contact",
            ),
        };
        view! {
            {warning}
            <div class="check">{check}</div>
            <p class="hint">{explain}</p>
            <form class="stack" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                save(read.clone());
            }>
                <label class="field">
                    <span>{label}</span>
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
    let read_buttons = move || {
        view! {
            <div class="row">
                <button class="button" data-testid="pair-scan" on:click=move |_| {
                    notice.set(None);
                    pairing.set(Pairing::Scanning);
                }>"Scan their pairing code"</button>
                <button class="button ghost" data-testid="pair-paste-open" on:click=move |_| {
                    notice.set(None);
                    pasted.set(String::new());
                    pairing.set(Pairing::Pasting);
                }>"Paste their pairing text"</button>
            </div>
        }
    };
    // This device's code, with the name it carries.
    let own_code = move || {
        let text = Memo::new(move |_| {
            PairingCode {
                identity: browser::identity().public(),
                name: clean_name(&own_name.get()),
            }
            .text()
        });
        view! {
            <label class="field">
                <span>"Your name, as the other person will keep it"</span>
                <input
                    data-testid="pair-own-name"
                    maxlength=MAX_NAME.to_string()
                    prop:value=move || own_name.get()
                    on:input=move |ev| own_name.set(event_target_value(&ev))
                    on:change=move |_| browser::save(
                        Store::Device,
                        crate::room::page::NAME_KEY,
                        &clean_name(&own_name.get_untracked()),
                    )
                />
            </label>
            {move || view! { <QrCodeView text=text.get() label="Your pairing QR code" testid="pair-qr" /> }}
            <label class="field">
                <span>"No camera? Send the other device this text"</span>
                <input class="mono" readonly data-testid="pair-text" prop:value=move || text.get() />
            </label>
            <div class="row">
                <CopyText text=text testid="pair-copy" />
            </div>
        }
    };

    view! {
        <section class="panel" aria-labelledby="contacts-title" data-testid="contacts">
            <h2 id="contacts-title">"Contacts"</h2>
            <p class="hint">
                "To pair, each of you shows your pairing code and reads the other's. Pairing "
                "verifies the other person: a paired contact can send you offline messages "
                "without a passphrase that only you can open, and you them. Contacts are kept "
                "in this browser on this device only."
            </p>
            <p class="status" role="status" data-testid="contacts-notice">{move || notice.get()}</p>
            {move || match pairing.get() {
                Pairing::Idle => view! {
                    <div class="row">
                        <button class="button primary" data-testid="pair-show" on:click=move |_| {
                            notice.set(None);
                            pairing.set(Pairing::Showing);
                        }>"Show your pairing code"</button>
                        {read_buttons()}
                    </div>
                }.into_any(),
                Pairing::Showing => view! {
                    <div class="own-code">
                        <p class="hint">"Let the other person scan this code with Cutout (Offline, Contacts), then read theirs."</p>
                        {own_code()}
                        <div class="row">{read_buttons()}</div>
                    </div>
                }.into_any(),
                Pairing::Pasting => view! {
                    <form class="stack" on:submit=move |ev: leptos::ev::SubmitEvent| {
                        ev.prevent_default();
                        on_scan.run(pasted.get_untracked());
                    }>
                        <label class="field">
                            <span>"The other device's pairing text (it starts with CT2P)"</span>
                            <textarea
                                rows="3"
                                class="mono"
                                data-testid="pair-paste"
                                maxlength="600"
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
                        title="Scan their pairing code"
                        on_close=Callback::new(move |()| pairing.set(Pairing::Idle))
                        on_read=on_scan
                    />
                }.into_any(),
                Pairing::Read(read) => {
                    let identity = matches!(read, Scanned::Identity(_));
                    view! {
                        <p class="status" role="status">"Pairing code read."</p>
                        {name_and_save(read)}
                        {identity.then(|| view! {
                            <details class="own-code">
                                <summary>"Show your code, for them to read"</summary>
                                {own_code()}
                            </details>
                        })}
                    }.into_any()
                }
            }}
            <ul class="contacts" data-testid="contact-list">
                <For each=move || list.get() key=|c| (c.id(), c.name().to_owned()) let:contact>
                    <ContactRow contact=contact list=list />
                </For>
            </ul>
            <Show when=move || list.get().is_empty()>
                <p class="hint">"No contacts yet."</p>
            </Show>
        </section>
    }
}
