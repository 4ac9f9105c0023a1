//! What arrives while the person looks elsewhere: the unread count in the tab's title while the
//! page is hidden (`protocol::unread`), and, if the person turned them on, a notification per
//! message — the sender and the room, the text only if they chose so. Off by default; the
//! browser is asked for permission only from the toggle, a click.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::conversation::Line;
use protocol::unread::Unread;

use crate::browser::{self, Store, notify};

/// The tab's title with nothing unread.
const TITLE: &str = "Cutout";
/// Where the person's choice is kept, for every room of this browser.
const SETTING_KEY: &str = "cutout.notify";
/// The longest text a notification shows.
const MAX_TEXT: usize = 200;

/// Whether and how messages that arrive while the page is hidden are announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notify {
    /// No notifications (the default).
    Off,
    /// The sender and the room.
    On,
    /// The sender, the room and the message's text.
    WithText,
}

impl Notify {
    fn stored() -> Self {
        match browser::load(Store::Device, SETTING_KEY).as_deref() {
            Some("on") => Self::On,
            Some("text") => Self::WithText,
            _ => Self::Off,
        }
    }

    fn store(self) {
        let value = match self {
            Self::Off => "off",
            Self::On => "on",
            Self::WithText => "text",
        };
        browser::save(Store::Device, SETTING_KEY, value);
    }
}

/// The room's attention state; `Copy`, shared by the live room and the toggle.
#[derive(Clone, Copy)]
pub struct Attention {
    unread: StoredValue<Unread>,
    /// The person's choice.
    pub notify: RwSignal<Notify>,
}

impl Attention {
    /// Starts counting; the count clears when the page shows again, and the title is restored
    /// when the room closes.
    pub fn start() -> Self {
        let attention = Self {
            unread: StoredValue::new(Unread::default()),
            notify: RwSignal::new(if notify::granted() {
                Notify::stored()
            } else {
                Notify::Off
            }),
        };
        let shown = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !notify::page_hidden() {
                attention.seen();
            }
        });
        on_cleanup(move || {
            shown.remove();
            notify::set_title(TITLE);
        });
        attention
    }

    /// Messages from others arrived: counted and announced while the page is hidden.
    pub fn arrived(&self, lines: &[Line]) {
        let hidden = notify::page_hidden();
        let changed = self
            .unread
            .try_update_value(|u| u.arrived(lines.len(), !hidden))
            .unwrap_or(false);
        if changed {
            self.show_title();
        }
        let Some(last) = lines.last().filter(|_| hidden) else {
            return;
        };
        let body = match self.notify.get_untracked() {
            Notify::Off => return,
            Notify::On => "New message".to_owned(),
            Notify::WithText => last.text.chars().take(MAX_TEXT).collect(),
        };
        notify::show(
            &format!("{} in a Cutout room", last.author),
            &body,
            "cutout-room",
        );
    }

    fn seen(&self) {
        if self.unread.try_update_value(|u| u.seen()).unwrap_or(false) {
            self.show_title();
        }
    }

    fn show_title(&self) {
        if let Some(unread) = self.unread.try_get_value() {
            notify::set_title(&unread.title(TITLE));
        }
    }
}

/// The notifications toggle (`notify-toggle`, `aria-pressed`), and, when on, whether the text is
/// shown (`notify-text`).
#[component]
pub fn NotifyToggle(attention: Attention) -> impl IntoView {
    let notify = attention.notify;
    let hint = RwSignal::new(None::<&'static str>);
    let toggle = move |_| {
        hint.set(None);
        if notify.get_untracked() != Notify::Off {
            notify.set(Notify::Off);
            Notify::Off.store();
            return;
        }
        if !notify::supported() {
            hint.set(Some(
                "This browser cannot show notifications for this page.",
            ));
            return;
        }
        spawn_local(async move {
            if notify::request().await {
                notify.set(Notify::On);
                Notify::On.store();
            } else {
                hint.set(Some(
                    "Notifications are blocked for this page: allow them in the browser's site settings.",
                ));
            }
        });
    };
    view! {
        <div class="notify">
            // A toggle keeps one name; aria-pressed says whether it is on. On narrow screens only
            // the bell shows, and the name stays for assistive technology.
            <button
                class="button ghost notify-toggle"
                data-testid="notify-toggle"
                aria-pressed=move || (notify.get() != Notify::Off).to_string()
                aria-label="Notifications"
                title="A notification for each message that arrives while this page is hidden"
                on:click=toggle
            >
                <svg class="bell" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
                    <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z M10 20a2 2 0 0 0 4 0" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
                    <Show when=move || notify.get() == Notify::Off>
                        <path d="M4 4l16 16" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
                    </Show>
                </svg>
                <span class="label" aria-hidden="true">" Notifications"</span>
            </button>
            <Show when=move || notify.get() != Notify::Off>
                <label class="choice">
                    <input
                        type="checkbox"
                        data-testid="notify-text"
                        prop:checked=move || notify.get() == Notify::WithText
                        on:change=move |ev| {
                            let chosen = if event_target_checked(&ev) { Notify::WithText } else { Notify::On };
                            notify.set(chosen);
                            chosen.store();
                        }
                    />
                    "Show the text"
                </label>
            </Show>
            {move || hint.get().map(|h| view! { <p class="hint" role="status">{h}</p> })}
        </div>
    }
}
