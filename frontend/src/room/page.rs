//! The room screen: pick a name, then chat with the people in the room.

use std::sync::Arc;

use leptos::prelude::*;
use protocol::body::MAX_NAME_LEN;
use protocol::group::settings::RoomSettings;
use protocol::ids::DeviceId;
use protocol::invite::invite_fragment;
use protocol::keys::{RoomKeys, RoomSecret};

use crate::browser::kept::Listed;
use crate::browser::{self, Store};
use crate::files::file_list::FileNotice;
use crate::files::live::FileAction;
use crate::room::attention::NotifyToggle;
use crate::room::composer::{Composer, file_list};
use crate::room::identity_storage::IdentityStorage;
use crate::room::invite_panel::InvitePanel;
use crate::room::keep_panel::KeepPanel;
use crate::room::live::LiveRoom;
use crate::room::live::keep::kept_for;
use crate::room::member_list::{MemberActions, MemberList};
use crate::room::message_list::MessageList;
use crate::room::thread::PrivateThread;
use crate::room::verify_view::VerifyView;
use crate::ui::focus::focus_when_mounted;

/// Where the display name is remembered on this device.
pub const NAME_KEY: &str = "cutout.name";
/// Set in this tab once it has joined, so a reload rejoins without asking again.
pub const JOINED_KEY: &str = "cutout.joined";
/// The room's history for newcomers (R.12) in this tab: `chosen` when the person made the room
/// with it, then `held:1` or `held:0` once a group told it, so that after a reload a group cannot
/// turn it on (R.1) and a group this tab makes again keeps it.
pub const HISTORY_KEY: &str = "cutout.history";

/// The room of `secret`. `on_leave` returns to the home screen.
#[component]
pub fn RoomPage(
    secret: Arc<RoomSecret>,
    /// This person just made the room (the name prompt starts it rather than joins it).
    created: bool,
    on_leave: Callback<()>,
) -> impl IntoView {
    let remembered = browser::load(Store::Device, NAME_KEY).unwrap_or_default();
    let rejoin = browser::load(Store::Tab, JOINED_KEY).is_some() && !remembered.trim().is_empty();
    let joined_as = RwSignal::new(rejoin.then(|| remembered.clone()));
    let history = RwSignal::new(false);
    let check_code = RoomKeys::derive(&secret).check_code().to_string();
    let device = LocalResource::new(browser::device_id);
    // A room kept on this device comes back as it was, under the name it was kept with.
    let kept = LocalResource::new({
        let secret = secret.clone();
        move || {
            let secret = secret.clone();
            async move { kept_for(&secret).await }
        }
    });

    // Invites carry the relay's LAN address even when this page was opened at 127.0.0.1.
    let origin = RwSignal::new(browser::origin());
    leptos::task::spawn_local(async move {
        if let Some(first) = browser::relay_origins().await.into_iter().next() {
            origin.set(first);
        }
    });

    let page = move |kept: Option<Listed>| {
        if let Some(kept) = &kept {
            joined_as.set(Some(kept.room.name.clone()));
        }
        let kept = StoredValue::new_local(kept);
        move || match joined_as.get() {
            None => view! {
                <NamePrompt
                    initial=remembered.clone()
                    created=created
                    check_code=check_code.clone()
                    history=history
                    on_join=Callback::new(move |name: String| {
                        browser::save(Store::Device, NAME_KEY, &name);
                        browser::save(Store::Tab, JOINED_KEY, "1");
                        if created && history.get_untracked() {
                            browser::save(Store::Tab, HISTORY_KEY, "chosen");
                        }
                        joined_as.set(Some(name));
                    })
                    on_cancel=on_leave
                />
            }
            .into_any(),
            // The tab's device id may take a moment: a duplicated tab asks the others first.
            Some(name) => {
                let secret = secret.clone();
                (move || device.get().map(|device| {
                    let kept = kept.try_update_value(Option::take).flatten();
                    view! {
                        <RoomView secret=secret.clone() name=name.clone() device=device origin=origin kept=kept on_leave=on_leave />
                    }
                })).into_any()
            }
        }
    };
    view! { {move || kept.get().map(page.clone())} }
}

/// Asks for the display name (prefilled with the one remembered on this device).
#[component]
fn NamePrompt(
    initial: String,
    created: bool,
    check_code: String,
    /// For a room this person makes: whether it passes newcomers its recent history (R.12).
    history: RwSignal<bool>,
    on_join: Callback<String>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let name = RwSignal::new(initial);
    let error = RwSignal::new(None::<&'static str>);
    let name_field = NodeRef::<leptos::html::Input>::new();
    focus_when_mounted(name_field);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = name.get_untracked().trim().to_owned();
        if chosen.is_empty() {
            error.set(Some("Pick a name people will recognise."));
        } else if chosen.len() > MAX_NAME_LEN {
            error.set(Some("That name is too long (64 bytes at most)."));
        } else {
            on_join.run(chosen);
        }
    };
    view! {
        <section class="panel narrow" aria-labelledby="join-title">
            <h1 id="join-title">{if created { "Your new room" } else { "Join the room" }}</h1>
            <p class="hint">
                "Check code " <strong data-testid="check-code">{check_code}</strong>
                ": everyone in this room sees the same one. Compare it aloud to be sure you all "
                "joined the same room."
            </p>
            <form on:submit=submit class="stack">
                <label class="field">
                    <span>"Your name"</span>
                    <input
                        node_ref=name_field
                        data-testid="name-input"
                        autocomplete="nickname"
                        maxlength="64"
                        required
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </label>
                <p class="hint">"Remembered on this device only."</p>
                {created.then(|| view! {
                    <label class="choice">
                        <input
                            type="checkbox"
                            data-testid="history-for-newcomers"
                            prop:checked=move || history.get()
                            on:change=move |ev| history.set(event_target_checked(&ev))
                        />
                        " Share recent history with newcomers"
                    </label>
                    <p class="hint">"Everyone who joins later is passed the last messages (up to 500, of the last 24 hours) by the members online. Everyone in the room sees this setting; it cannot be changed later."</p>
                })}
                <p class="error" role="alert">{move || error.get()}</p>
                <div class="row">
                    <button class="button primary" type="submit" data-testid="join-button">
                        {if created { "Start the room" } else { "Join" }}
                    </button>
                    <button class="button ghost" type="button" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}

/// "Leave this room?", with the safe answer focused.
#[component]
fn LeaveConfirm(on_leave: Callback<()>, on_stay: Callback<()>) -> impl IntoView {
    let stay = NodeRef::<leptos::html::Button>::new();
    focus_when_mounted(stay);
    view! {
        <div class="banner leave-confirm" role="alertdialog" aria-labelledby="leave-question" data-testid="leave-confirm">
            <p id="leave-question">"Leave this room? To come back you will need its invite again."</p>
            <div class="row">
                <button class="button primary" data-testid="leave-confirmed" on:click=move |_| on_leave.run(())>
                    "Leave"
                </button>
                <button class="button ghost" node_ref=stay data-testid="leave-cancel" on:click=move |_| on_stay.run(())>
                    "Stay"
                </button>
            </div>
        </div>
    }
}

/// The joined room.
#[component]
fn RoomView(
    secret: Arc<RoomSecret>,
    name: String,
    device: DeviceId,
    /// Where invites point (the relay's LAN address).
    origin: RwSignal<String>,
    /// What was kept of this room on this device, if it was.
    kept: Option<Listed>,
    on_leave: Callback<()>,
) -> impl IntoView {
    let history = browser::load(Store::Tab, HISTORY_KEY);
    let settings = RoomSettings {
        history_for_newcomers: matches!(history.as_deref(), Some("chosen" | "held:1")),
    };
    let held = history.is_some_and(|h| h.starts_with("held:"));
    let live = LiveRoom::start(&secret, &name, device, (kept, settings, held));
    // The room's invite now: it changes when the room moves (someone was removed).
    let link =
        Signal::derive(move || format!("{}/{}", origin.get(), invite_fragment(&live.secret.get())));
    let check_code = Signal::derive(move || {
        RoomKeys::derive(&live.secret.get())
            .check_code()
            .to_string()
    });
    // Leaving asks first: coming back takes the invite again.
    let confirming = RwSignal::new(false);
    let leave = move |_| {
        live.leave();
        on_leave.run(());
    };
    let send = Callback::new(move |text: String| live.send(&text));
    let offer = Callback::new(move |files: Vec<web_sys::File>| live.files.offer_files(files));
    let act = Callback::new(move |(key, action): (String, FileAction)| {
        live.files.file_action(&key, action)
    });
    // The member whose verification view is open, by key.
    let verifying = RwSignal::new(None::<String>);
    let actions = MemberActions {
        verify: Callback::new(move |key: String| verifying.set(Some(key))),
        message: Callback::new(move |peer: String| live.open_thread(Some(peer))),
        remove: Callback::new(move |peer: String| live.remove(&peer)),
    };
    let dragging = RwSignal::new(false);
    let drag_over = move |ev: leptos::ev::DragEvent| {
        let has_files = ev.data_transfer().is_some_and(|dt| {
            dt.types()
                .iter()
                .any(|t| t.as_string().as_deref() == Some("Files"))
        });
        if has_files {
            ev.prevent_default();
            dragging.set(true);
        }
    };
    let drop = move |ev: leptos::ev::DragEvent| {
        dragging.set(false);
        let files = file_list(ev.data_transfer().and_then(|dt| dt.files()));
        if !files.is_empty() {
            ev.prevent_default();
            live.files.offer_files(files);
        }
    };
    let paste = move |ev: leptos::ev::ClipboardEvent| {
        let files = file_list(ev.clipboard_data().and_then(|dt| dt.files()));
        if !files.is_empty() {
            ev.prevent_default();
            live.files.offer_files(files);
        }
    };
    view! {
        <div
            class="room"
            class:dragging=move || dragging.get()
            data-testid="room"
            on:dragover=drag_over
            on:dragleave=move |_| dragging.set(false)
            on:drop=drop
            on:paste=paste
        >
            <p class="drop-hint" aria-hidden="true">"Drop files to offer them to the room"</p>
            <div class="room-bar">
                <p
                    class="connection"
                    data-testid="connection-status"
                    data-state=move || live.status.get().as_str()
                    role="status"
                >
                    <span class="dot" aria-hidden="true"></span>
                    {move || match live.status.get().as_str() {
                        "online" => "Connected",
                        "connecting" => "Connecting…",
                        "removed" => "Not in this room",
                        _ => "Offline — reconnecting",
                    }}
                </p>
                <NotifyToggle attention=live.attention />
                <button
                    class="button ghost"
                    data-testid="leave"
                    aria-expanded=move || confirming.get().to_string()
                    on:click=move |_| confirming.set(true)
                >
                    "Leave"
                </button>
            </div>
            <Show when=move || confirming.get()>
                <LeaveConfirm on_leave=Callback::new(leave) on_stay=Callback::new(move |()| confirming.set(false)) />
            </Show>
            {move || live.refused.get().map(|why| view! { <p class="banner" role="alert">{why}</p> })}
            {move || live.removed.get().map(|by| view! {
                <p class="banner alarm" data-testid="removed-notice" role="alert">
                    {if by.is_empty() { "You were removed from this room.".to_owned() } else { format!("{by} removed you from this room.") }}
                    " You no longer receive what is said here, and this invite no longer lets you in: ask for a new one."
                </p>
            })}
            {move || {
                let dropped = live.dropped.get();
                (dropped > 0).then(|| view! {
                    <p class="banner warn" data-testid="dropped-notice" role="status" class:alarm={dropped >= 5}>
                        {format!(
                            "{dropped} message{} could not be decrypted and {} dropped.",
                            if dropped == 1 { "" } else { "s" },
                            if dropped == 1 { "was" } else { "were" },
                        )}
                        {(dropped >= 5).then_some(" Someone on the network may be tampering with this room's traffic.")}
                    </p>
                })
            }}
            <div class="room-grid">
                <div class="conversation">
                    <FileNotice notice=live.files.notice />
                    <MessageList lines=live.lines files=live.files.views placed=live.files.placed members=live.members on_action=act history=live.history.into() />
                    <Show when=move || live.removed.get().is_none()>
                        <Composer on_send=send on_files=offer />
                    </Show>
                </div>
                <div class="side">
                    {move || verifying.get().and_then(|key| {
                        let member = live.members.get_untracked().into_iter().find(|m| m.key == key)?;
                        Some(view! {
                            <VerifyView
                                member=member
                                on_verified=Callback::new(move |()| live.refresh_members())
                                on_close=Callback::new(move |()| verifying.set(None))
                            />
                        })
                    })}
                    <Show when=move || live.removed.get().is_none()>
                        <PrivateThread live=live />
                        <MemberList members=live.members alone=live.alone verifying=verifying actions=actions />
                    </Show>
                    <Show when=move || live.removed.get().is_none()>
                        <KeepPanel live=live on_forget=Callback::new(move |()| { live.leave(); on_leave.run(()); }) />
                    </Show>
                    <IdentityStorage />
                    <Show when=move || live.removed.get().is_none()>
                        <InvitePanel link=link check_code=check_code />
                    </Show>
                </div>
            </div>
            <p class="sr-only" aria-live="polite" data-testid="announcer">{move || live.announcement.get()}</p>
        </div>
    }
    .into_any()
}
