//! The conversation: messages (author, time, text, and for one's own whether the relay has
//! them), who arrived and left, and file cards where the files were shared.
//! The log has a fixed height and keeps the newest message in view while the person reads the
//! newest, and always after they send one; when they have scrolled up to read older ones, new
//! messages wait below and a button says so.
//!
//! Whether the person is at the newest is known from their scrolling, before a message
//! arrives: measured after it is drawn, a tall message would itself push the bottom away.

use leptos::html::Ol;
use leptos::prelude::*;
use protocol::links::{Piece, pieces};

use crate::files::file_list::FileCard;
use crate::files::live::FileAction;
use crate::files::placement::Placement;
use crate::room::views::{LineView, MemberView, author_entry, standing};
use protocol::transfers::FileView;

/// One entry of the conversation.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    Line(LineView),
    File(Placement),
    /// The day the next line starts: (that line's key, what the separator says).
    Day(String, String),
}

impl Entry {
    /// A stable key: a line's (with its state and how its author is marked, which redraw it),
    /// a card's, or a day separator's (the line it stands before, and what it says).
    fn key(&self) -> (String, &'static str, &'static str, Option<String>) {
        match self {
            Self::Line(line) => (
                line.key.clone(),
                line.state,
                line.standing,
                line.tag.clone(),
            ),
            Self::File(placed) => (placed.file.clone(), "file", "", None),
            Self::Day(line, label) => (line.clone(), "day", "", Some(label.clone())),
        }
    }

    /// Said by someone (a message or a file), not a note about who is here.
    fn said(&self) -> bool {
        match self {
            Self::Line(line) => line.arrival.is_none(),
            Self::File(_) => true,
            Self::Day(..) => false,
        }
    }

    fn mine(&self) -> bool {
        match self {
            Self::Line(line) => line.mine,
            Self::File(placed) => placed.mine,
            Self::Day(..) => false,
        }
    }
}

/// How an author is marked beside their name: the key tag where two people share a name, and
/// whether this device verified them or they use a verified person's name with another key.
fn author_marks(line: &LineView) -> impl IntoView + use<> {
    marks(line.tag.clone(), line.standing)
}

/// The marks for an author with key tag `tag` and standing `standing` ([`standing`]).
fn marks(tag: Option<String>, standing: &'static str) -> impl IntoView + use<> {
    let tag = tag.map(|tag| {
        view! {
            <span class="key-tag" data-testid="author-key" title="Two people use this name: this is the start of this one's identity key">
                {format!("· {tag}")}
            </span>
        }
    });
    let mark = match standing {
        "verified" => Some(view! {
            <span class="verified-mark" data-testid="author-verified" title="Verified on this device">"✓"</span>
        }.into_any()),
        "changed" => Some(view! {
            <span class="changed-mark" data-testid="author-changed" title="Not the person you verified under this name: another key">"⚠ another key"</span>
        }.into_any()),
        _ => None,
    };
    (tag, mark)
}

/// Lines in order, each file's card after the line it was shared after (first, when that line
/// is no longer kept).
fn entries(lines: &[LineView], placed: &[Placement]) -> Vec<Entry> {
    let kept = |key: &String| lines.iter().any(|l| l.key == *key);
    let mut out: Vec<Entry> = placed
        .iter()
        .filter(|p| !p.after.as_ref().is_some_and(kept))
        .cloned()
        .map(Entry::File)
        .collect();
    for line in lines {
        if let Some(day) = &line.day {
            out.push(Entry::Day(line.key.clone(), day.clone()));
        }
        out.push(Entry::Line(line.clone()));
        out.extend(
            placed
                .iter()
                .filter(|p| p.after.as_ref() == Some(&line.key))
                .cloned()
                .map(Entry::File),
        );
    }
    out
}

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
pub fn MessageList(
    lines: RwSignal<Vec<LineView>>,
    files: RwSignal<Vec<FileView>>,
    placed: RwSignal<Vec<Placement>>,
    /// The member list, to mark who shared a file as their entry is marked.
    members: RwSignal<Vec<MemberView>>,
    on_action: Callback<(String, FileAction)>,
    /// The room passes newcomers its recent history (a room setting, R.12).
    history: Signal<bool>,
) -> impl IntoView {
    // Who shared the file of card `key`, as the member list marks them: (standing, key tag).
    let shared_by = move |key: &str| {
        let author = files.with(|f| {
            f.iter()
                .find(|c| c.key == key)
                .and_then(|c| c.author_key.clone())
        });
        members.with(|m| {
            let entry = author.as_deref().and_then(|a| author_entry(a, m));
            (standing(entry), entry.and_then(|e| e.tag.clone()))
        })
    };
    let all = Memo::new(move |_| lines.with(|l| placed.with(|p| entries(l, p))));
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
        let (last, added, mine) = all.with(|all| {
            let last = all.last().map(|e| e.key().0);
            let known = seen.clone().flatten();
            let from = known
                .and_then(|key| all.iter().rposition(|e| e.key().0 == key))
                .map_or(0, |at| at + 1);
            let added = all.get(from..).unwrap_or_default();
            let said = added.iter().filter(|e| e.said()).count();
            (last, said, added.iter().any(Entry::mine))
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
                <li class="log-note" data-testid="history-note" data-history=move || history.get().to_string()>
                    {move || if history.get() {
                        "This room passes newcomers its last messages (up to 500, of the last 24 hours), from up to three members online: they are marked as shared, and by whom."
                    } else {
                        "Messages sent before you joined are not shown: the relay keeps nothing, and this room shares no history with newcomers."
                    }}
                </li>
                <For
                    each=move || all.get()
                    key=Entry::key
                    let(entry)
                >
                    {match entry {
                        Entry::File(placed) => view! {
                            <li
                                class="shared"
                                data-testid="shared-file"
                                data-author={
                                    let key = placed.file.clone();
                                    move || if placed.mine { "mine" } else { shared_by(&key).0 }
                                }
                            >
                                <p class="log-note">
                                    <span class="author">{placed.author.clone()}</span>
                                    {
                                        let key = placed.file.clone();
                                        move || (!placed.mine).then(|| {
                                            let (standing, tag) = shared_by(&key);
                                            marks(tag, standing)
                                        })
                                    }
                                    " shared a file · "
                                    <time>{placed.time.clone()}</time>
                                </p>
                                <ul class="files" aria-label="File">
                                    <FileCard key=placed.file.clone() files=files on_action=on_action />
                                </ul>
                            </li>
                        }.into_any(),
                        Entry::Day(_, day) => view! {
                            <li class="day-separator" data-testid="day-separator">
                                <span>{day}</span>
                            </li>
                        }.into_any(),
                        Entry::Line(line) => match line.arrival {
                        Some(what) => view! {
                            <li class="log-note arrival" data-testid="arrival-line">
                                <span class="author">{line.author.clone()}</span>
                                {author_marks(&line)}
                                // Who removed them, for a removal (docs/PROTOCOL.md R.8).
                                {if line.text.is_empty() {
                                    view! { {format!(" {what} · ")} }.into_any()
                                } else {
                                    let (tag, standing) = line.by_marks.clone();
                                    view! {
                                        {format!(" {what} by ")}
                                        <span class="author remover">{line.text.clone()}</span>
                                        {marks(tag, standing)}
                                        " · "
                                    }.into_any()
                                }}
                                <time>{line.time.clone()}</time>
                            </li>
                        }.into_any(),
                        None => view! {
                    <li class="message" class:mine=line.mine class:shared=line.shared_by.is_some() data-testid="message" data-state=line.state data-author=line.standing data-shared=line.shared_by.is_some().then_some("true")>
                        <div class="meta">
                            <span class="author">{line.author.clone()}</span>
                            {author_marks(&line)}
                            <time>{line.time.clone()}</time>
                            {line.shared_by.clone().map(|by| {
                                let (tag, standing) = line.by_marks.clone();
                                view! {
                                    <span class="shared-by" data-testid="shared-by" title="Passed on from this room's history: their word, not the author's">
                                        {format!("shared by {by}")}
                                        {marks(tag, standing)}
                                    </span>
                                }
                            })}
                            {(line.state == "pending").then(|| view! {
                                <span class="pending" title="Goes out as soon as someone is in the room and the relay confirms it">" not delivered yet"</span>
                            })}
                        </div>
                        <p class="text">{text_with_links(&line.text)}</p>
                    </li>
                        }.into_any(),
                        },
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
