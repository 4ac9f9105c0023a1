//! The home screen: start a room, join one, or exchange messages offline.

use leptos::prelude::*;
use protocol::invite::parse_invite_fragment;
use protocol::keys::RoomSecret;
use protocol::qr_text::{QrText, parse_qr_text};

use crate::kept_list::KeptList;
use crate::scan::panel::ScanPanel;
use crate::ui::focus::reveal_when_mounted;

/// The room secret in a pasted or scanned invite link, if it holds one.
fn invite_in(text: &str) -> Option<RoomSecret> {
    let fragment = &text.trim()[text.trim().find('#')?..];
    parse_invite_fragment(fragment).ok()
}

/// What a person sees first. `open_room` enters a room by its invite; `notice` explains a
/// damaged invite.
#[component]
pub fn HomePage(
    notice: Option<&'static str>,
    /// Makes a new room and enters it.
    new_room: Callback<()>,
    open_room: Callback<RoomSecret>,
    /// Opens a room kept on this device, by its kept id and secret.
    open_kept: Callback<(String, RoomSecret)>,
    /// Opens the offline messages, with a code read by the scanner here (a message or a
    /// pairing code).
    open_offline: Callback<Option<String>>,
) -> impl IntoView {
    let (scanning, set_scanning) = signal(false);
    let pasted = RwSignal::new(String::new());
    let paste_error = RwSignal::new(None::<&'static str>);
    let scanned_invite = RwSignal::new(None::<String>);

    let join_pasted = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match invite_in(&pasted.get_untracked()) {
            Some(secret) => open_room.run(secret),
            None => paste_error.set(Some("That is not a Cutout invite link.")),
        }
    };
    let on_scan = Callback::new(move |text: String| {
        if invite_in(&text).is_some() {
            scanned_invite.set(Some(text));
            set_scanning.set(false);
        } else if matches!(
            parse_qr_text(text.trim()),
            Ok(QrText::Message(_)
                | QrText::FountainFrame(_)
                | QrText::ContactKey(_)
                | QrText::Pairing(_))
        ) {
            open_offline.run(Some(text));
        }
    });

    view! {
        {notice.map(|n| view! { <p class="banner" role="alert">{n}</p> })}
        <section class="hero">
            <h1>"Private rooms for the people around you"</h1>
            <p class="lede">
                "Chat and share files over this network, end-to-end encrypted. "
                "No accounts, nothing to install, nothing stored on the relay."
            </p>
        </section>

        <KeptList open=open_kept />

        <div class="actions">
            <article class="card" data-testid="card-new-room">
                <h2>"New room"</h2>
                <p>"Start an encrypted room and invite people with a QR code or a link."</p>
                <button class="button primary" data-testid="new-room" on:click=move |_| new_room.run(())>
                    "New room"
                </button>
            </article>

            <article class="card" data-testid="card-join">
                <h2>"Join"</h2>
                <p>"Open the invite link you were sent, paste it here, or scan its QR code."</p>
                <form class="stack" on:submit=join_pasted>
                    <label class="field">
                        <span class="sr-only">"Invite link"</span>
                        <input
                            data-testid="join-link"
                            placeholder="Paste an invite link"
                            prop:value=move || pasted.get()
                            on:input=move |ev| {
                                pasted.set(event_target_value(&ev));
                                paste_error.set(None);
                            }
                        />
                    </label>
                    <p class="error" role="alert">{move || paste_error.get()}</p>
                    <div class="row">
                        <button class="button" type="submit" data-testid="join-pasted">"Join"</button>
                        <button
                            class="button primary"
                            type="button"
                            data-testid="open-scanner"
                            aria-expanded=move || scanning.get().to_string()
                            on:click=move |_| set_scanning.set(true)
                        >
                            "Scan a QR code"
                        </button>
                    </div>
                </form>
            </article>

            <article class="card" data-testid="card-offline">
                <h2>"Offline"</h2>
                <p>"No network? Pass a sealed message from screen to camera as QR codes, and pair devices."</p>
                <button class="button" data-testid="offline" on:click=move |_| open_offline.run(None)>
                    "Offline messages"
                </button>
            </article>
        </div>

        {move || scanned_invite.get().map(|text| {
            let dialog = NodeRef::<leptos::html::Section>::new();
            reveal_when_mounted(dialog);
            view! {
            <section class="panel" role="alertdialog" aria-labelledby="scanned-title" node_ref=dialog data-testid="scanned-invite">
                <h2 id="scanned-title">"Join this room?"</h2>
                <p class="hint">"The code you scanned is a Cutout invite."</p>
                <div class="row">
                    <button class="button primary" data-testid="confirm-join" on:click=move |_| {
                        if let Some(secret) = invite_in(&text) {
                            open_room.run(secret);
                        }
                    }>"Join"</button>
                    <button class="button ghost" on:click=move |_| scanned_invite.set(None)>"Not now"</button>
                </div>
            </section>
            }
        })}

        <Show when=move || scanning.get()>
            <ScanPanel on_close=Callback::new(move |()| set_scanning.set(false)) on_read=on_scan />
        </Show>
    }
}
