//! The invite: a QR code hidden until tapped (so nobody photographs it over a shoulder), the
//! link with a copy button, the room check code people compare aloud, and where an opened link
//! stays (the browser's history: `tests/browser/history.spec.ts`).

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ui::qr_code::QrCodeView;

/// Invite panel for `link`, with the room's `check_code`.
#[component]
pub fn InvitePanel(
    /// The full invite URL.
    link: Signal<String>,
    /// The room check code, "NNNN NNNN" (it changes with the link when the room moves).
    #[prop(into)]
    check_code: Signal<String>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let text = link.get_untracked();
        spawn_local(async move {
            copied.set(Some(crate::browser::copy(&text).await));
        });
    };
    view! {
        <section class="panel invite" aria-labelledby="invite-title">
            <div class="panel-head">
                <h2 id="invite-title">"Invite people"</h2>
                <button
                    class="button"
                    data-testid="invite-toggle"
                    aria-expanded=move || shown.get().to_string()
                    aria-controls="invite-qr"
                    on:click=move |_| shown.update(|s| *s = !*s)
                >
                    {move || if shown.get() { "Hide QR code" } else { "Show QR code" }}
                </button>
            </div>
            <div id="invite-qr">
                <Show
                    when=move || shown.get()
                    fallback=|| view! {
                        <p class="hint">"The QR code stays hidden until you show it, so nobody can photograph it over your shoulder."</p>
                    }
                >
                    {move || view! {
                        <QrCodeView text=link.get() label="Invite QR code" testid="invite-qr" />
                    }}
                </Show>
            </div>
            <label class="field">
                <span>"Invite link"</span>
                <div class="row">
                    <input
                        readonly
                        class="mono"
                        data-testid="invite-link"
                        prop:value=move || link.get()
                        on:focus=move |ev| {
                            use wasm_bindgen::JsCast;
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }
                    />
                    <button class="button" data-testid="copy-invite" on:click=copy>"Copy"</button>
                </div>
            </label>
            <p class="status" role="status">
                {move || match copied.get() {
                    Some(true) => "Link copied.",
                    Some(false) => "Copying is not allowed here: select the link and copy it.",
                    None => "",
                }}
            </p>
            <p class="check">
                "Check code: " <strong data-testid="check-code">{move || check_code.get()}</strong>
                <span class="hint">" Everyone in the room sees the same code; compare it aloud."</span>
            </p>
            <p class="hint">"Anyone with this link can join the room and read what is said from then on. Remove someone and the room moves to a new link."</p>
            <p class="hint" data-testid="invite-history">
                "A link opened in a browser stays in that browser's history, room secret and all, "
                "until someone clears it. To leave no trace, scan the QR code with Cutout's own "
                "scanner (“Scan a QR code” on the first screen), or open the link in a private "
                "window."
            </p>
        </section>
    }
}
