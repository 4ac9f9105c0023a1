//! A private conversation with one member of the room (docs/PROTOCOL.md R.10): what the two
//! said to each other, oldest first, the files they offered each other, and a box to write to
//! them alone (and a button to offer them files). Nobody else in the room holds its keys.

use leptos::prelude::*;

use crate::files::file_list::FileCard;
use crate::files::live::FileAction;
use crate::room::composer::AttachButton;
use crate::room::live::LiveRoom;
use crate::ui::focus::focus_when_mounted;

/// The open private conversation of `live`, if one is open.
#[component]
pub fn PrivateThread(live: LiveRoom) -> impl IntoView {
    move || {
        let peer = live.open_thread.get()?;
        let name = live
            .members
            .with(|m| m.iter().find(|m| m.peer == peer).map(|m| m.name.clone()))?;
        Some(view! { <ThreadPanel live=live peer=peer name=name /> })
    }
}

#[component]
fn ThreadPanel(live: LiveRoom, peer: String, name: String) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let field = NodeRef::<leptos::html::Textarea>::new();
    focus_when_mounted(field);
    let to = peer.clone();
    let send = move || match live.send_private(&to, &text.get_untracked()) {
        Ok(()) => {
            text.set(String::new());
            error.set(None);
        }
        Err(why) => error.set(Some(why.to_string())),
    };
    let send_now = send.clone();
    // Their connection now: files go to it, and the cards shared with it are this thread's.
    let wire = {
        let peer = peer.clone();
        Memo::new(move |_| {
            live.members
                .with(|m| m.iter().find(|m| m.peer == peer).and_then(|m| m.wire))
        })
    };
    let cards = Memo::new(move |_| {
        let wire = wire.get();
        live.files.views.with(|v| {
            v.iter()
                .filter(|c| c.private_with.is_some() && c.private_with == wire)
                .map(|c| c.key.clone())
                .collect::<Vec<_>>()
        })
    });
    let offer = Callback::new(
        move |files: Vec<web_sys::File>| match wire.get_untracked() {
            Some(to) => live.files.offer_privately(files, to),
            None => live.files.notice.set(Some(
                "They are offline: offer the files once they are back.".into(),
            )),
        },
    );
    let act = Callback::new(move |(key, action): (String, FileAction)| {
        live.files.file_action(&key, action)
    });
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send_now();
        }
    };
    view! {
        <section class="panel thread" data-testid="dm-thread" data-peer=name.clone() aria-labelledby="thread-title">
            <div class="panel-head">
                <h2 id="thread-title">{format!("Just you and {name}")}</h2>
                <button class="button small ghost" type="button" data-testid="dm-close" on:click=move |_| live.open_thread(None)>
                    "Close"
                </button>
            </div>
            <p class="hint">"Only the two of you can read this, with keys no one else in the room holds."</p>
            <ol class="thread-log" aria-live="polite">
                <For
                    each=move || live.thread.get()
                    key=|line| (line.key.clone(), line.state)
                    let(line)
                >
                    <li class="message" class:mine=line.mine data-testid="dm-message" data-state=line.state>
                        <span class="meta">
                            <span class="author">{if line.mine { "You".to_owned() } else { line.author.clone() }}</span>
                            <time>{line.time.clone()}</time>
                        </span>
                        <span class="text">{line.text.clone()}</span>
                    </li>
                </For>
            </ol>
            <ul class="files" aria-label="Files between you">
                <For each=move || cards.get() key=|key| key.clone() let(key)>
                    <FileCard key=key files=live.files.views on_action=act />
                </For>
            </ul>
            <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <label class="sr-only" for="dm-composer">{format!("Message to {name}")}</label>
                <textarea
                    node_ref=field
                    id="dm-composer"
                    rows="2"
                    placeholder=format!("Write to {name}")
                    data-testid="dm-composer"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=keydown
                ></textarea>
                <AttachButton on_files=offer input="dm-file-input" button="dm-attach" title="Offer files to them alone" />
                <button class="button primary" type="submit" data-testid="dm-send">"Send"</button>
            </form>
            <p class="error" role="alert">{move || error.get()}</p>
        </section>
    }
}
