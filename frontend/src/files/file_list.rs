//! File cards: offers from others (Accept / Decline), transfers with a progress bar, speed and
//! time left (per receiver on one's own files), and finished files to save. Received files are
//! offered as downloads (typed octet-stream); a received picture is also shown as an image,
//! once whole and verified, which runs nothing (an `<img>` runs no script, even an SVG's).

use leptos::prelude::*;

use crate::files::live::FileAction;

/// Received pictures up to this size are shown on their card.
const MAX_PREVIEW_BYTES: u64 = 16 * 1024 * 1024;
use protocol::transfers::{FileView, ProgressView};

/// Why files could not be offered or accepted, above the conversation.
#[component]
pub fn FileNotice(notice: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        notice.get().map(|text| {
            view! { <p class="banner warn" role="alert" data-testid="file-notice">{text}</p> }
        })
    }
}

/// One card, drawn from the live list by key: its buttons stay put while progress moves.
#[component]
pub fn FileCard(
    key: String,
    files: RwSignal<Vec<FileView>>,
    on_action: Callback<(String, FileAction)>,
) -> impl IntoView {
    let card = {
        let key = key.clone();
        Memo::new(move |_| files.with(|f| f.iter().find(|c| c.key == key).cloned()))
    };
    let field = move |get: fn(&FileView) -> bool| {
        Memo::new(move |_| card.with(|c| c.as_ref().is_some_and(get)))
    };
    let can_accept = field(|c| c.can_accept);
    let offered = field(|c| c.state == "offered");
    let can_cancel = field(|c| c.can_cancel);
    let finished = field(|c| !c.can_cancel && c.state != "offered");
    // A received picture is shown once whole and verified, never before the person accepted
    // it, and only up to a size a phone decodes without trouble.
    let preview = Memo::new(move |_| {
        card.with(|c| {
            c.as_ref()
                .filter(|c| !c.outgoing && c.kind == "image" && c.bytes <= MAX_PREVIEW_BYTES)
                .and_then(|c| c.save_url.clone().map(|url| (url, c.name.clone())))
        })
    });
    let save = Memo::new(move |_| {
        card.with(|c| {
            c.as_ref()
                .and_then(|c| c.save_url.clone().map(|url| (url, c.name.clone())))
        })
    });
    let text = move |get: fn(&FileView) -> String| {
        move || card.with(|c| c.as_ref().map(get).unwrap_or_default())
    };
    let key = StoredValue::new(key);
    let act = move |action: FileAction| move |_| on_action.run((key.get_value(), action));
    let outgoing = card.with_untracked(|c| c.as_ref().is_some_and(|c| c.outgoing));
    view! {
        <li
            class="file-card"
            data-testid="file-card"
            data-direction=if outgoing { "out" } else { "in" }
            data-state=move || card.with(|c| c.as_ref().map(|c| c.state).unwrap_or_default())
            data-name=text(|c| c.name.clone())
        >
            <span class="file-badge" aria-hidden="true" data-kind=move || card.with(|c| c.as_ref().map(|c| c.kind).unwrap_or_default())>
                {text(|c| c.badge.clone())}
            </span>
            <div class="file-main">
                <p class="file-name" data-testid="file-name">{text(|c| c.name.clone())}</p>
                <p class="file-meta">
                    {text(|c| c.size.clone())}
                    {if outgoing { " · your file".to_owned() } else {
                        card.with_untracked(|c| c.as_ref().map(|c| format!(" · from {}", c.author)).unwrap_or_default())
                    }}
                </p>
                <p class="file-status" data-testid="file-status">{text(|c| c.status.clone())}</p>
                {move || card.with(|c| c.as_ref().map(|c| c.progress.clone()).unwrap_or_default())
                    .into_iter()
                    .map(progress_line)
                    .collect_view()}
                {move || preview.get().map(|(url, name)| view! {
                    <img class="file-preview" data-testid="file-preview" src=url alt=name decoding="async" />
                })}
            </div>
            <div class="file-actions">
                <Show when=move || offered.get()>
                    <button class="button primary" data-testid="file-accept" disabled=move || !can_accept.get() on:click=act(FileAction::Accept)>"Accept"</button>
                    <button class="button ghost" data-testid="file-decline" on:click=act(FileAction::Decline)>"Decline"</button>
                </Show>
                <Show when=move || can_cancel.get()>
                    <button class="button ghost" data-testid="file-cancel" on:click=act(FileAction::Cancel)>
                        {if outgoing { "Stop sharing" } else { "Cancel" }}
                    </button>
                </Show>
                {move || save.get().map(|(url, name)| view! {
                    <a class="button primary" data-testid="file-save" href=url download=name rel="noopener">"Save"</a>
                })}
                <Show when=move || finished.get()>
                    <button class="button ghost" data-testid="file-dismiss" aria-label="Remove from the list" on:click=act(FileAction::Dismiss)>"✕"</button>
                </Show>
            </div>
        </li>
    }
}

fn progress_line(p: ProgressView) -> impl IntoView {
    let label = format!("{}: {}", p.who, p.detail);
    view! {
        <div class="file-progress" data-testid="file-progress" data-who=p.who.clone() data-state=p.state>
            <span class="who">{p.who.clone()}</span>
            <progress max=p.total.max(1) as f64 value=if p.total == 0 && p.state == "done" { 1.0 } else { p.bytes as f64 } aria-label=label></progress>
            <span class="detail">{p.detail}</span>
        </div>
    }
}
