//! The application shell: header, the current screen, footer. Which screen shows is decided
//! here: an invite in the address bar (read once, then removed from it), a room this tab was in
//! before a reload, home, or the offline messages.

use std::sync::Arc;

use leptos::prelude::*;
use protocol::entropy::SystemEntropy;
use protocol::invite::parse_invite_fragment;
use protocol::keys::RoomSecret;

use crate::browser::{self, Store};
use crate::home::HomePage;
use crate::offline::page::OfflinePage;
use crate::room::live::keep::KEPT_KEY;
use crate::room::page::{HISTORY_KEY, JOINED_KEY, RoomPage};
use crate::ui::secure_banner::SecureBanner;
use protocol::hex;

/// Where this tab keeps the room it is in, so a reload stays in it.
pub(crate) const ROOM_KEY: &str = "cutout.room";

/// What the app shows.
#[derive(Clone)]
enum Screen {
    Home {
        notice: Option<&'static str>,
    },
    /// A room; `created` when this person just made it.
    Room {
        secret: Arc<RoomSecret>,
        created: bool,
    },
    /// Offline messages, with a code the home page's scanner read, if any.
    Offline(Option<String>),
}

/// Enters the room of `secret` in this tab (`created`: one this person just made).
fn enter(secret: RoomSecret, created: bool) -> Screen {
    browser::save(Store::Tab, ROOM_KEY, &hex::encode(secret.as_bytes()));
    browser::forget(Store::Tab, JOINED_KEY);
    browser::forget(Store::Tab, KEPT_KEY);
    browser::forget(Store::Tab, HISTORY_KEY);
    Screen::Room {
        secret: Arc::new(secret),
        created,
    }
}

/// A damaged invite in the address bar.
const DAMAGED: &str = "That invite link is damaged or incomplete. Ask for a new one.";

/// The invite in the address bar, if there is a fragment: read once, then removed from the
/// address bar and the history entry, whatever it holds.
fn invite_in_location() -> Option<Option<RoomSecret>> {
    let hash = browser::location_hash();
    if hash.is_empty() || hash == "#" {
        return None;
    }
    browser::clear_fragment();
    Some(parse_invite_fragment(&hash).ok())
}

fn initial_screen() -> Screen {
    match invite_in_location() {
        Some(Some(secret)) => return enter(secret, false),
        Some(None) => {
            return Screen::Home {
                notice: Some(DAMAGED),
            };
        }
        None => {}
    }
    match browser::load(Store::Tab, ROOM_KEY).and_then(|h| hex::decode(&h).ok()) {
        Some(bytes) => Screen::Room {
            secret: Arc::new(RoomSecret::from_bytes(bytes)),
            created: false,
        },
        None => Screen::Home { notice: None },
    }
}

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let screen = RwSignal::new(initial_screen());
    // A new screen starts at its top, not where the last one was scrolled to (a phone that
    // scrolled down to "Offline messages" would land mid-page).
    Effect::new(move |_| {
        screen.track();
        if let Some(window) = web_sys::window() {
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });
    // An invite pasted into this tab's address bar while the app runs: asked first, as a
    // scanned one is, so a page that changes this tab's address cannot move it to another room.
    let arrived = RwSignal::new(None::<Arc<RoomSecret>>);
    let hash = window_event_listener(leptos::ev::hashchange, move |_| {
        match invite_in_location() {
            // In a room, asked first; elsewhere the name prompt asks anyway.
            Some(Some(secret)) if matches!(screen.get_untracked(), Screen::Room { .. }) => {
                arrived.set(Some(Arc::new(secret)));
            }
            Some(Some(secret)) => screen.set(enter(secret, false)),
            // Out of a room, say so as on first load; in one, a damaged link changes nothing.
            Some(None) if !matches!(screen.get_untracked(), Screen::Room { .. }) => {
                screen.set(Screen::Home {
                    notice: Some(DAMAGED),
                });
            }
            _ => {}
        }
    });
    on_cleanup(move || hash.remove());
    let switch = move |_| {
        if let Some(secret) = arrived.get_untracked() {
            arrived.set(None);
            screen.set(enter((*secret).clone(), false));
        }
    };

    let open_room = Callback::new(move |secret: RoomSecret| screen.set(enter(secret, false)));
    // A kept room from the home screen's list: it opens as it was kept (`room::live::keep`).
    let open_kept = Callback::new(move |(id, secret): (String, RoomSecret)| {
        let room = enter(secret, false);
        browser::save(Store::Tab, KEPT_KEY, &id);
        screen.set(room);
    });
    let new_room = Callback::new(move |()| {
        screen.set(enter(RoomSecret::generate(&mut SystemEntropy), true));
    });
    let go_home = Callback::new(move |()| {
        browser::forget(Store::Tab, ROOM_KEY);
        browser::forget(Store::Tab, JOINED_KEY);
        browser::forget(Store::Tab, KEPT_KEY);
        browser::forget(Store::Tab, HISTORY_KEY);
        screen.set(Screen::Home { notice: None });
    });

    let open_offline =
        Callback::new(move |scanned: Option<String>| screen.set(Screen::Offline(scanned)));
    let offline_home = Callback::new(move |()| screen.set(Screen::Home { notice: None }));

    view! {
        <header class="topbar">
            <a class="brand" href="./" aria-label="Cutout home">
                <span class="brand-mark" aria-hidden="true"></span>
                "Cutout"
            </a>
        </header>
        <SecureBanner />
        {move || arrived.get().map(|_| view! {
            <section class="banner invite-arrived" role="alertdialog" aria-labelledby="arrived-title" data-testid="invite-arrived">
                <p id="arrived-title">
                    "Open the room of the invite in the address bar? You will leave the room you are in."
                </p>
                <div class="row">
                    <button class="button primary" data-testid="invite-arrived-open" on:click=switch>"Open it"</button>
                    <button class="button ghost" data-testid="invite-arrived-ignore" on:click=move |_| arrived.set(None)>"Stay here"</button>
                </div>
            </section>
        })}
        <main class="page" id="main">
            {move || match screen.get() {
                Screen::Home { notice } => view! {
                    <HomePage notice=notice new_room=new_room open_room=open_room open_kept=open_kept open_offline=open_offline />
                }.into_any(),
                Screen::Offline(scanned) => view! { <OfflinePage scanned=scanned on_home=offline_home /> }.into_any(),
                Screen::Room { secret, created } => view! {
                    <RoomPage secret=secret created=created on_leave=go_home />
                }.into_any(),
            }}
        </main>
        <footer class="footer">
            "End-to-end encrypted in this browser. The relay only forwards ciphertext."
        </footer>
    }
}
