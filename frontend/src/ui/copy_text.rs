//! "Copy the text" for a code's text form, with what came of it said beside the button: copied,
//! or how to copy by hand where the browser refuses (plain HTTP at a LAN address has no
//! clipboard API).

use leptos::prelude::*;
use leptos::task::spawn_local;

/// The button (`testid`) that copies `text` as it is when clicked, and its status.
#[component]
pub fn CopyText(#[prop(into)] text: Signal<String>, testid: &'static str) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let text = text.get_untracked();
        spawn_local(async move {
            copied.set(Some(crate::browser::copy(&text).await));
        });
    };
    view! {
        <button class="button" type="button" data-testid=testid on:click=copy>"Copy the text"</button>
        <span class="hint" role="status">{move || match copied.get() {
            Some(true) => "Copied.",
            Some(false) => "This browser does not allow copying here: select the text and copy it.",
            None => "",
        }}</span>
    }
}
