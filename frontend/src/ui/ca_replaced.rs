//! "This relay replaced its certificate authority": said where the app shows how to install the
//! CA, for as long as the relay reports it (`/relay-info`). A device that installed the earlier
//! CA no longer trusts the relay's HTTPS address until it installs the new one; the earlier one
//! may vouch for nothing of this relay any more, so it can be removed.

use leptos::prelude::*;

use crate::browser;

/// The notice, drawn only when the relay reports a replaced CA.
#[component]
pub fn CaReplaced() -> impl IntoView {
    let replaced = RwSignal::new(None::<browser::EarlierCa>);
    leptos::task::spawn_local(async move {
        let ca = browser::relay_info().await.ca_replaced;
        // The owner may be gone by now (the screen changed).
        let _ = replaced.try_set(ca);
    });
    move || {
        replaced.get().map(|ca| {
            view! {
                <span class="ca-replaced" data-testid="ca-replaced">
                    {format!(
                        "This relay replaced its certificate authority on {}. A phone or computer \
                         that installed the earlier one (\u{201c}{}\u{201d}) must install this one; \
                         it may then remove the earlier one.",
                        browser::local_date(ca.replaced_at_ms),
                        ca.name,
                    )}
                </span>
            }
        })
    }
}
