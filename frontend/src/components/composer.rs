//! Writing a message: Enter sends, Shift+Enter makes a new line.

use leptos::prelude::*;

/// The composer; `on_send` gets the text and answers with an error to show, if any.
#[component]
pub fn Composer(on_send: Callback<String, Result<(), String>>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let submit = move || {
        let message = text.get_untracked();
        match on_send.run(message) {
            Ok(()) => {
                text.set(String::new());
                error.set(None);
            }
            Err(why) => error.set(Some(why)),
        }
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <label class="sr-only" for="composer">"Message"</label>
            <textarea
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
            <button class="button primary" type="submit" data-testid="send">"Send"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}
