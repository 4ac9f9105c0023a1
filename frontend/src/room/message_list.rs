//! The chat log: author, time, text, and for one's own messages whether the relay has them.
//! The log has a fixed height and keeps the newest message in view while the person reads the
//! newest, and always after they send one; when they have scrolled up to read older ones, new
//! messages wait below and a button says so.
//!
//! Whether the person is at the newest is known from their scrolling, before a message
//! arrives: measured after it is drawn, a tall message would itself push the bottom away.

use leptos::html::Ol;
use leptos::prelude::*;
use protocol::links::{Piece, pieces};

use crate::room::live::LineView;

/// How close to the bottom (px) still counts as "reading the newest".
const STICKY_PX: i32 = 48;

/// Where the person is in the log, and what arrived below them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Follow {
    /// Scrolled up: new messages do not move the view.
    reading_older: bool,
    /// Messages from others that arrived below the view.
    unseen: usize,
}

/// A message's text with its web addresses as links: shown in full, opened in a new tab with
/// no opener and no referrer (`protocol::links` finds only http and https addresses).
fn text_with_links(text: &str) -> impl IntoView + use<> {
    pieces(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_owned().into_any(),
            Piece::Link(address) => view! {
                <a href=address.to_owned() target="_blank" rel="noopener noreferrer" data-testid="message-link">
                    {address.to_owned()}
                </a>
            }
            .into_any(),
        })
        .collect_view()
}

/// The chat log, oldest first.
#[component]
pub fn MessageList(lines: RwSignal<Vec<LineView>>) -> impl IntoView {
    let list = NodeRef::<Ol>::new();
    let follow = RwSignal::new(Follow::default());
    let to_bottom = move || {
        if let Some(list) = list.get_untracked() {
            // After this update is drawn, so the new line's height counts.
            request_animation_frame(move || list.set_scroll_top(list.scroll_height()));
        }
        follow.set(Follow::default());
    };
    // New lines: follow them unless the person is reading older ones (one's own always).
    Effect::new(move |seen: Option<Option<String>>| {
        let (last, added, mine) = lines.with(|lines| {
            let last = lines.last().map(|l| l.key.clone());
            let known = seen.clone().flatten();
            let from = known
                .and_then(|key| lines.iter().rposition(|l| l.key == key))
                .map_or(0, |at| at + 1);
            let added = lines.get(from..).unwrap_or_default();
            let said = added.iter().filter(|l| l.arrival.is_none()).count();
            (last, said, added.iter().any(|l| l.mine))
        });
        if added > 0 {
            if !follow.get_untracked().reading_older || mine {
                to_bottom();
            } else {
                follow.update(|f| f.unseen += added);
            }
        }
        last
    });
    let scrolled = move |_| {
        let Some(list) = list.get_untracked() else {
            return;
        };
        let below = list.scroll_height() - list.scroll_top() - list.client_height();
        let reading_older = below > STICKY_PX;
        if follow.get_untracked().reading_older != reading_older {
            follow.update(|f| {
                f.reading_older = reading_older;
                if !reading_older {
                    f.unseen = 0;
                }
            });
        }
    };
    view! {
        <div class="messages-frame">
            <ol class="messages" aria-label="Messages" node_ref=list tabindex="0" on:scroll=scrolled>
                <li class="log-note" data-testid="history-note">
                    "Messages sent before you joined are not shown: the relay keeps nothing."
                </li>
                <For
                    each=move || lines.get()
                    key=|l| (l.key.clone(), l.state)
                    let(line)
                >
                    {match line.arrival {
                        Some(what) => view! {
                            <li class="log-note arrival" data-testid="arrival-line">
                                <span class="author">{line.author.clone()}</span>
                                {format!(" {what} · ")}
                                <time>{line.time.clone()}</time>
                            </li>
                        }.into_any(),
                        None => view! {
                    <li class="message" class:mine=line.mine data-testid="message" data-state=line.state>
                        <div class="meta">
                            <span class="author">{line.author.clone()}</span>
                            <time>{line.time.clone()}</time>
                            {(line.state == "pending").then(|| view! {
                                <span class="pending" title="Goes out as soon as someone is in the room and the relay confirms it">" not delivered yet"</span>
                            })}
                        </div>
                        <p class="text">{text_with_links(&line.text)}</p>
                    </li>
                        }.into_any(),
                    }}
                </For>
            </ol>
            <Show when=move || { follow.get().unseen > 0 }>
                <button class="button new-messages" type="button" data-testid="new-messages" on:click=move |_| to_bottom()>
                    {move || match follow.get().unseen {
                        1 => "1 new message ↓".to_string(),
                        n => format!("{n} new messages ↓"),
                    }}
                </button>
            </Show>
        </div>
    }
}
