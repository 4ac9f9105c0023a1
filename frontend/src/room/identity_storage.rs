//! Where this browser keeps its identity keys, said under the member list: held by WebCrypto,
//! out of the page's reach, or in the page's own storage (docs/SECURITY.md says what each
//! exposes).

use leptos::prelude::*;

use crate::browser::{self, KeyHome};

/// One line about this browser's identity keys (`data-kind`: `webcrypto` or `storage`).
#[component]
pub fn IdentityStorage() -> impl IntoView {
    let home = browser::identity().home();
    let words = match home {
        KeyHome::WebCrypto => {
            "Your identity keys are held by the browser; this page cannot read them."
        }
        // Plain HTTP at a LAN address has no WebCrypto at all; a secure page whose browser
        // lacks Ed25519 or X25519 (or IndexedDB) has it, but not what the keys need.
        KeyHome::Storage if !browser::is_secure_context() => {
            "This address has no WebCrypto: your identity keys are kept in this page's storage."
        }
        KeyHome::Storage => {
            "This browser cannot keep your identity keys out of the page's reach: they are kept \
             in this page's storage."
        }
    };
    view! {
        <p
            class="hint identity-storage"
            class:exposed=home == KeyHome::Storage
            data-testid="identity-storage"
            data-kind=home.as_str()
        >
            {words}
        </p>
    }
}
