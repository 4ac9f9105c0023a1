//! The chat log: author, time, text, and for one's own messages whether the relay has them.

use leptos::prelude::*;

use crate::live_room::LineView;

/// The chat log, oldest first.
#[component]
pub fn MessageList(lines: RwSignal<Vec<LineView>>) -> impl IntoView {
    view! {
        <ol class="messages" aria-label="Messages">
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
                            <span class="pending" title="Not yet confirmed by the relay">" sending…"</span>
                        })}
                    </div>
                    <p class="text">{line.text.clone()}</p>
                </li>
            </For>
        </ol>
    }
}
