//! On plain HTTP at a LAN address (not a secure context), chat works but the live camera and
//! installing the app need HTTPS: say so, and show the way there.

use leptos::prelude::*;

use crate::ui::ca_replaced::CaReplaced;

/// Shown only outside a secure context.
#[component]
pub fn SecureBanner() -> impl IntoView {
    let https = RwSignal::new(None::<String>);
    if !crate::browser::is_secure_context() {
        leptos::task::spawn_local(async move {
            let origins = crate::browser::relay_origins().await;
            https.set(origins.into_iter().find(|o| o.starts_with("https://")));
        });
    }
    view! {
        <Show when=|| !crate::browser::is_secure_context()>
            <aside class="banner" data-testid="insecure-banner">
                <p>
                    "You are on plain HTTP. Chat and files work and stay end-to-end encrypted, but "
                    "the live camera and installing Cutout need HTTPS."
                </p>
                <ol class="install-steps" data-testid="install-steps">
                    <li>
                        "Download this relay's certificate: "
                        <a href="/ca.crt" download="cutout-ca.crt">"cutout-ca.crt"</a>"."
                        <CaReplaced />
                    </li>
                    <li data-testid="compare-fingerprint">
                        <strong>"Before you trust it, compare its SHA-256 fingerprint"</strong>
                        " (your device shows it when installing) with the one the relay printed in "
                        "its terminal. They must match: this page and the file came over plain "
                        "HTTP, so anyone on the network could have swapped them."
                    </li>
                    <li>
                        "Install it (below), "
                        {move || match https.get() {
                            Some(url) => view! { "then open " <a href=format!("{url}/")>{url.clone()}</a> }.into_any(),
                            None => view! { "then open this relay's HTTPS address" }.into_any(),
                        }}
                        "."
                    </li>
                </ol>
                <details>
                    <summary>"How to install the certificate"</summary>
                    <ul>
                        <li><strong>"Android: "</strong>"Settings → Security → Encryption & credentials → Install a certificate → CA certificate, then pick the file."</li>
                        <li><strong>"iPhone / iPad: "</strong>"open the file, then Settings → Profile Downloaded → Install; then Settings → General → About → Certificate Trust Settings → turn it on."</li>
                        <li><strong>"macOS: "</strong>"open the file in Keychain Access, double-click the certificate, Trust → Always Trust."</li>
                        <li><strong>"Windows: "</strong>"open the file → Install Certificate → Local Machine → Trusted Root Certification Authorities."</li>
                        <li><strong>"Linux: "</strong>"copy it to /usr/local/share/ca-certificates/ and run update-ca-certificates; Firefox and Chromium: Settings → Certificates → Authorities → Import."</li>
                    </ul>
                </details>
            </aside>
        </Show>
    }
}
