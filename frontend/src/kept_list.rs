//! The home screen's list of rooms kept on this device (`kept-room`, with `data-unread` and
//! `data-private-unread`): one click opens a room as it was. The list follows writes from other
//! tabs (`browser::kept::told`), so a room kept and talking in another tab shows its unread
//! count here. A record that does not open (another version's, or damaged) is listed as such,
//! to be deleted.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::keys::RoomSecret;

use crate::browser;
use crate::browser::kept::{self, Keeper, Kept};
use crate::room::keep_panel::size_text;

/// Who a kept room is with, as its entry says it.
fn with_whom(members: &[String]) -> String {
    match members {
        [] => "Only you, last time".to_owned(),
        [one] => format!("With {one}"),
        [one, two] => format!("With {one} and {two}"),
        [one, two, rest @ ..] => format!("With {one}, {two} and {} more", rest.len()),
    }
}

/// The list; nothing when no room is kept. `open` enters a room by its kept id and secret.
#[component]
pub fn KeptList(open: Callback<(String, RoomSecret)>) -> impl IntoView {
    let kept = RwSignal::new(Kept::default());
    // Read again whenever another tab writes or forgets a kept room.
    let told = kept::told();
    Effect::new(move |_| {
        told.track();
        spawn_local(async move {
            if let Ok(Some(keeper)) = Keeper::open().await
                && let Ok(all) = keeper.all().await
            {
                kept.try_set(all);
            }
        });
    });
    let rooms = Signal::derive(move || kept.with(|k| k.rooms.clone()));
    let unreadable = Signal::derive(move || kept.with(|k| k.unreadable.clone()));
    let delete = move |id: String| {
        spawn_local(async move {
            if let Err(why) = kept::forget(&id).await {
                leptos::logging::warn!("a kept room could not be deleted: {why}");
            }
        });
    };
    let total = move || {
        kept.with(|k| {
            let rooms: usize = k.rooms.iter().map(|r| r.size).sum();
            rooms + k.unreadable.iter().map(|(_, size)| size).sum::<usize>()
        })
    };
    view! {
        <Show when=move || kept.with(|k| !k.rooms.is_empty() || !k.unreadable.is_empty())>
            <section class="card kept-rooms" aria-labelledby="kept-title" data-testid="kept-rooms">
                <h2 id="kept-title">"Kept on this device"</h2>
                <ul class="kept-list">
                    <For each=move || rooms.get() key=|r| (r.id.clone(), r.room.saved_at_ms) let:kept>
                        {
                            let secret = kept.room.secret;
                            let id = kept.id.clone();
                            let (unread, private) = (kept.room.unread, kept.room.private_unread());
                            let at = kept.room.saved_at_ms;
                            let today = browser::local_day(at) == browser::local_day(browser::now_ms());
                            let when = if today { browser::local_time(at) } else { browser::local_date(at) };
                            view! {
                                <li>
                                    <button
                                        class="kept-room"
                                        data-testid="kept-room"
                                        data-unread=unread.to_string()
                                        data-private-unread=private.to_string()
                                        on:click=move |_| open.run((id.clone(), RoomSecret::from_bytes(secret)))
                                    >
                                        <span class="who">{with_whom(&kept.room.members)}</span>
                                        <span class="meta">{{
                                            let n = kept.room.message_count();
                                            format!("as {} · last {when} · {n} message{}", kept.room.name, if n == 1 { "" } else { "s" })
                                        }}</span>
                                        {(unread > 0).then(|| view! { <span class="badge" title="Arrived while you were away">{format!("{unread} new")}</span> })}
                                        {(private > 0).then(|| view! { <span class="badge private" title="Private messages not read yet">{format!("{private} private")}</span> })}
                                    </button>
                                </li>
                            }
                        }
                    </For>
                </ul>
                <For each=move || unreadable.get() key=|(id, _)| id.clone() let:((id, size))>
                    <p class="banner warn kept-unreadable" data-testid="kept-unreadable">
                        {format!("A kept room ({}) cannot be opened: it was kept by another version of Cutout, or it is damaged. ", size_text(size))}
                        <button class="button ghost danger" data-testid="kept-unreadable-delete" on:click=move |_| delete(id.clone())>"Delete it"</button>
                    </p>
                </For>
                <p class="hint">{move || format!("Encrypted, only for this browser: {} in all. Forget a room from inside it.", size_text(total()))}</p>
            </section>
        </Show>
    }
}
