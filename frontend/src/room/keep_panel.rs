//! "Keep this room on this device" (`keep-room`, `aria-pressed`) and "Forget this room"
//! (`forget-room`): the room screen says whether the conversation outlives the tab, and how
//! much it takes.

use leptos::prelude::*;

use crate::room::live::LiveRoom;
use crate::room::live::keep::can_keep;

/// Bytes as people read them.
pub fn size_text(bytes: usize) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} KB", bytes.div_ceil(1_000)),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// The panel. `on_forget` leaves the room once what was kept is deleted.
#[component]
pub fn KeepPanel(live: LiveRoom, on_forget: Callback<()>) -> impl IntoView {
    let kept = move || live.kept.get().is_some();
    let possible = can_keep();
    view! {
        <section class="panel keep" aria-labelledby="keep-title" data-testid="keep-panel" data-kept=move || kept().to_string() data-saving=move || live.saving.get().to_string()>
            <h2 id="keep-title">"On this device"</h2>
            <button
                class="button keep-toggle"
                data-testid="keep-room"
                aria-pressed=move || kept().to_string()
                disabled=!possible
                on:click=move |_| live.keep(!kept())
            >
                {move || if kept() { "Kept on this device" } else { "Keep this room on this device" }}
            </button>
            <p class="hint" data-testid="keep-state">
                {move || match (possible, kept(), live.kept_size.get()) {
                    (false, _, _) => "This page cannot keep rooms: it needs a secure connection (HTTPS).".to_owned(),
                    (true, false, _) => "Not kept: closing this tab ends the conversation here.".to_owned(),
                    (true, true, 0) => "Kept, encrypted: it comes back after a reload or a restart.".to_owned(),
                    (true, true, size) => format!("Kept, encrypted: it comes back after a reload or a restart. {} on this device.", size_text(size)),
                }}
            </p>
            <button
                class="button ghost danger"
                data-testid="forget-room"
                title="Leave the room and delete everything of it from this browser"
                on:click=move |_| {
                    live.forget_kept();
                    on_forget.run(());
                }
            >
                "Forget this room"
            </button>
        </section>
    }
}
