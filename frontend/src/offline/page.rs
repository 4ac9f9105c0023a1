//! The Offline screen: send, receive, and contacts, all with no relay (PROTOCOL.md C). Nothing
//! here talks to the network: once the app is loaded (or cached, `sw.js`), it works with no
//! server anywhere.

use leptos::prelude::*;
use protocol::qr_text::{QrText, parse_qr_text};

use crate::offline::contacts_panel::{ContactsPanel, Scanned};
use crate::offline::kept_app::OfflineStatus;
use crate::offline::receive::OfflineReceive;
use crate::offline::send::OfflineSend;

/// Which tab shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    /// Compose and show.
    Send,
    /// Scan and open.
    Receive,
    /// Pair and manage contacts.
    Contacts,
}

/// The Offline screen. `scanned` is a code the home page's scanner read: an offline message
/// opens the Receive tab with it, a pairing code the Contacts tab.
#[component]
pub fn OfflinePage(scanned: Option<String>, on_home: Callback<()>) -> impl IntoView {
    let (first_tab, pairing, first_code) = match scanned.as_deref().map(|t| parse_qr_text(t.trim()))
    {
        Some(Ok(text @ (QrText::ContactKey(_) | QrText::Pairing(_)))) => {
            (Tab::Contacts, Scanned::of(&text), None)
        }
        Some(_) => (Tab::Receive, None, scanned),
        None => (Tab::Send, None, None),
    };
    let tab = RwSignal::new(first_tab);
    // One list for the three tabs: a contact paired here can be used to send at once.
    let contacts = RwSignal::new(crate::offline::contacts::load());
    let tabs = [
        (Tab::Send, "Send", "tab-send"),
        (Tab::Receive, "Receive", "tab-receive"),
        (Tab::Contacts, "Contacts", "tab-contacts"),
    ];
    // Arrow keys, Home and End move between the tabs (WAI-ARIA tabs pattern).
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let at = tabs
            .iter()
            .position(|t| t.0 == tab.get_untracked())
            .unwrap_or(0);
        let next = match ev.key().as_str() {
            "ArrowRight" => (at + 1) % tabs.len(),
            "ArrowLeft" => (at + tabs.len() - 1) % tabs.len(),
            "Home" => 0,
            "End" => tabs.len() - 1,
            _ => return,
        };
        ev.prevent_default();
        tab.set(tabs[next].0);
        if let Some(button) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(&format!("{}-tab", tabs[next].2)))
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = button.focus();
        }
    };
    let shown = move |which: Tab| Signal::derive(move || tab.get() == which);
    // Each tab keeps its state while another shows; a hidden tab stops its camera and codes.
    view! {
        <div class="panel-head">
            <h1>"Offline messages"</h1>
            <button class="button ghost" data-testid="offline-home" on:click=move |_| on_home.run(())>"Home"</button>
        </div>
        <p class="hint"><OfflineStatus /></p>
        <div class="tabs" role="tablist" aria-label="Offline messages" on:keydown=on_key>
            {tabs.into_iter().map(|(which, label, testid)| view! {
                <button
                    role="tab"
                    class="tab"
                    id=format!("{testid}-tab")
                    data-testid=testid
                    aria-controls=format!("{testid}-panel")
                    aria-selected=move || (tab.get() == which).to_string()
                    tabindex=move || if tab.get() == which { "0" } else { "-1" }
                    on:click=move |_| tab.set(which)
                >
                    {label}
                </button>
            }).collect_view()}
        </div>
        <div role="tabpanel" id="tab-send-panel" aria-labelledby="tab-send-tab" class:hidden=move || tab.get() != Tab::Send>
            <OfflineSend contacts=contacts active=shown(Tab::Send) />
        </div>
        <div role="tabpanel" id="tab-receive-panel" aria-labelledby="tab-receive-tab" class:hidden=move || tab.get() != Tab::Receive>
            <OfflineReceive first=first_code contacts=contacts active=shown(Tab::Receive) />
        </div>
        <div role="tabpanel" id="tab-contacts-panel" aria-labelledby="tab-contacts-tab" class:hidden=move || tab.get() != Tab::Contacts>
            <ContactsPanel scanned=pairing list=contacts active=shown(Tab::Contacts) />
        </div>
    }
}
