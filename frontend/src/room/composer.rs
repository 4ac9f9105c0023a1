//! Writing a message: Enter sends, Shift+Enter makes a new line. The attach button offers files.

use leptos::html::Input;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::room::live::ChatError;
use crate::ui::focus::focus_when_mounted;

/// The files of a `FileList` (an input's, a drop's or a paste's).
pub fn file_list(list: Option<web_sys::FileList>) -> Vec<web_sys::File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// The composer; `on_send` gets the text and answers with an error to show, if any;
/// `on_files` gets the files picked with the attach button.
#[component]
pub fn Composer(
    on_send: Callback<String, Result<(), ChatError>>,
    on_files: Callback<Vec<web_sys::File>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move || {
        let message = text.get_untracked();
        match on_send.run(message) {
            Ok(()) => {
                text.set(String::new());
                error.set(None);
            }
            Err(why) => error.set(Some(why.to_string())),
        }
    };
    // Once in the room, the message box is where the next keystroke goes.
    let message_box = NodeRef::<leptos::html::Textarea>::new();
    focus_when_mounted(message_box);
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label class="sr-only" for="composer">"Message"</label>
            <textarea
                node_ref=message_box
                id="composer"
                rows="2"
                placeholder="Write a message"
                data-testid="composer"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }
            ></textarea>
            <AttachButton on_files=on_files input="file-input" button="attach" title="Offer files to the room (or drop them here, or paste)" />
            <button class="button primary" type="submit" data-testid="send">"Send"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

/// The attach button and its hidden file input (test ids `input` and `button`); `on_files` gets
/// the files picked.
#[component]
pub fn AttachButton(
    on_files: Callback<Vec<web_sys::File>>,
    input: &'static str,
    button: &'static str,
    title: &'static str,
) -> impl IntoView {
    let picker = NodeRef::<Input>::new();
    let picked = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let files = file_list(input.files());
        // Cleared, so picking the same file again fires `change` again.
        input.set_value("");
        on_files.run(files);
    };
    view! {
        <input
            type="file"
            multiple
            class="sr-only"
            tabindex="-1"
            aria-hidden="true"
            data-testid=input
            node_ref=picker
            on:change=picked
        />
        <button
            class="button ghost attach"
            type="button"
            data-testid=button
            title=title
            on:click=move |_| {
                if let Some(input) = picker.get() {
                    input.click();
                }
            }
        >
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                <path
                    d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5"
                    fill="none"
                    stroke="currentColor"
                    stroke-width="1.8"
                    stroke-linecap="round"
                />
            </svg>
            <span class="sr-only">"Offer files"</span>
        </button>
    }
}
