//! The Offline screen: send, receive, and contacts, all with no relay (PROTOCOL.md C). Nothing
//! here talks to the network: once the app is loaded (or cached, `sw.js`), it works with no
//! server anywhere.

use leptos::prelude::*;
use protocol::qr_text::{QrText, parse_qr_text};

use crate::components::contacts_panel::ContactsPanel;
use crate::components::offline_receive::OfflineReceive;
use crate::components::offline_send::OfflineSend;
use crate::offline_app::OfflineStatus;

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
        Some(Ok(QrText::ContactKey(key))) => (Tab::Contacts, Some(key), None),
        Some(_) => (Tab::Receive, None, scanned),
        None => (Tab::Send, None, None),
    };
    let tab = RwSignal::new(first_tab);
    // One list for the three tabs: a contact paired here can be used to send at once.
    let contacts = RwSignal::new(crate::contacts::load());
    let tab_button = move |which: Tab, label: &'static str, testid: &'static str| {
        view! {
            <button
                role="tab"
                class="tab"
                data-testid=testid
                aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| tab.set(which)
            >
                {label}
            </button>
        }
    };
    // Each tab keeps its state while another shows.
    view! {
        <div class="panel-head">
            <h1>"Offline messages"</h1>
            <button class="button ghost" data-testid="offline-home" on:click=move |_| on_home.run(())>"Home"</button>
        </div>
        <p class="hint"><OfflineStatus /></p>
        <div class="tabs" role="tablist">
            {tab_button(Tab::Send, "Send", "tab-send")}
            {tab_button(Tab::Receive, "Receive", "tab-receive")}
            {tab_button(Tab::Contacts, "Contacts", "tab-contacts")}
        </div>
        <div class:hidden=move || tab.get() != Tab::Send><OfflineSend contacts=contacts /></div>
        <div class:hidden=move || tab.get() != Tab::Receive><OfflineReceive first=first_code contacts=contacts /></div>
        <div class:hidden=move || tab.get() != Tab::Contacts><ContactsPanel scanned=pairing list=contacts /></div>
    }
}
