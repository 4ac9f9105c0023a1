//! The chat log: author, time, text, and for one's own messages whether the relay has them.
//! The log has a fixed height and keeps the newest message in view, unless the person has
//! scrolled up to read older ones.

use leptos::html::Ol;
use leptos::prelude::*;

use crate::room::live::LineView;

/// How close to the bottom (px) still counts as "reading the newest".
const STICKY_PX: i32 = 48;

/// The chat log, oldest first.
#[component]
pub fn MessageList(lines: RwSignal<Vec<LineView>>) -> impl IntoView {
    let list = NodeRef::<Ol>::new();
    Effect::new(move |_| {
        let count = lines.with(Vec::len);
        let Some(list) = list.get() else { return count };
        let near_bottom =
            list.scroll_height() - list.scroll_top() - list.client_height() <= STICKY_PX + 200;
        if near_bottom {
            // After this update is drawn, so the new line's height counts.
            request_animation_frame(move || list.set_scroll_top(list.scroll_height()));
        }
        count
    });
    view! {
        <ol class="messages" aria-label="Messages" node_ref=list tabindex="0">
            <For
                each=move || lines.get()
                key=|l| (l.key.clone(), l.state)
                let(line)
            >
                <li class="message" class:mine=line.mine data-testid="message" data-state=line.state>
                    <div class="meta">
                        <span class="author">{line.author.clone()}</span>
                        <time>{line.time.clone()}</time>
                        {(line.state == "pending").then(|| view! {
                            <span class="pending" title="Goes out as soon as someone is in the room and the relay confirms it">" not delivered yet"</span>
                        })}
                    </div>
                    <p class="text">{line.text.clone()}</p>
                </li>
            </For>
        </ol>
    }
}
