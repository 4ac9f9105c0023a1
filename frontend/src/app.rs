//! The application shell: header, the current screen, footer.

use leptos::prelude::*;

use crate::pages::home::HomePage;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="./" aria-label="Cutout home">
                <span class="brand-mark" aria-hidden="true"></span>
                "Cutout"
            </a>
        </header>
        <main class="page" id="main">
            <HomePage />
        </main>
        <footer class="footer">
            "End-to-end encrypted in this browser. The relay only forwards ciphertext."
        </footer>
    }
}
