//! The home screen: start a room, join one, or exchange messages offline.

use leptos::prelude::*;

use crate::components::scan_panel::ScanPanel;

/// What a person sees first.
#[component]
pub fn HomePage() -> impl IntoView {
    let (scanning, set_scanning) = signal(false);

    view! {
        <section class="hero">
            <h1>"Private rooms for the people around you"</h1>
            <p class="lede">
                "Chat and share files over this network, end-to-end encrypted. "
                "No accounts, nothing to install, nothing stored on the relay."
            </p>
        </section>

        <div class="actions">
            <article class="card" data-testid="card-new-room">
                <h2>"New room"</h2>
                <p>"Start an encrypted room and invite people with a QR code or a link."</p>
                <button class="button primary" data-testid="new-room" disabled>
                    "New room"
                </button>
                <p class="soon">"Rooms arrive in the next release."</p>
            </article>

            <article class="card" data-testid="card-join">
                <h2>"Join"</h2>
                <p>"Scan an invite QR code, or open the invite link you were sent."</p>
                <button
                    class="button primary"
                    data-testid="open-scanner"
                    aria-expanded=move || scanning.get().to_string()
                    on:click=move |_| set_scanning.set(true)
                >
                    "Scan a QR code"
                </button>
            </article>

            <article class="card" data-testid="card-offline">
                <h2>"Offline"</h2>
                <p>"No network? Pass a sealed message from screen to camera as QR codes."</p>
                <button class="button" data-testid="offline" disabled>
                    "Offline message"
                </button>
                <p class="soon">"Offline messages arrive in a later release."</p>
            </article>
        </div>

        <Show when=move || scanning.get()>
            <ScanPanel on_close=Callback::new(move |()| set_scanning.set(false)) />
        </Show>
    }
}
