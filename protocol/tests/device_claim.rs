//! Device ids across tabs (PROTOCOL.md B.3): a reload keeps its tab's id, a duplicated tab mints
//! its own, a crashed tab's id is taken back. Tabs are modelled as the browser runs them: each
//! page's claim, its tab's `sessionStorage` text (copied by "Duplicate tab"), and a broadcast
//! channel that delivers a message to every other live page of the origin.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use protocol::device_claim::{ClaimMessage, DeviceClaim, Stored};
use protocol::hex;
use protocol::ids::DeviceId;

/// A tab: its storage text and the page now in it (none while it reloads or after it closed).
struct Tab {
    storage: Option<String>,
    page: Option<DeviceClaim>,
}

/// The tabs of one browser and the channel between their pages.
struct Browser {
    tabs: Vec<Tab>,
    entropy: SeededEntropy,
}

impl Browser {
    fn new(seed: u64) -> Self {
        Self {
            tabs: Vec::new(),
            entropy: SeededEntropy::new(seed),
        }
    }

    /// Opens a tab with `storage` (a copy, for a duplicate) and starts its page; returns the tab.
    fn open(&mut self, storage: Option<String>) -> usize {
        self.tabs.push(Tab {
            storage,
            page: None,
        });
        let tab = self.tabs.len() - 1;
        self.start(tab);
        tab
    }

    /// Starts the page of `tab`: it takes its id or probes, and every answer arrives before the
    /// wait ends (a live tab answers within milliseconds).
    fn start(&mut self, tab: usize) {
        let stored = Stored::parse(self.tabs[tab].storage.as_deref());
        let (claim, probe) = DeviceClaim::start(stored, &mut self.entropy);
        self.tabs[tab].page = Some(claim);
        self.save(tab);
        if let Some(probe) = probe {
            self.broadcast(tab, probe);
        }
    }

    /// Ends the wait of `tab`'s page: what it holds now is its own.
    fn settle(&mut self, tab: usize) {
        self.page(tab).settle();
        self.save(tab);
    }

    /// Delivers `message` from `from` to every other live page, and their answers back.
    fn broadcast(&mut self, from: usize, message: ClaimMessage) {
        for other in 0..self.tabs.len() {
            if other == from {
                continue;
            }
            let Some(page) = self.tabs[other].page.as_mut() else {
                continue;
            };
            if let Some(answer) = page.hear(message, &mut self.entropy) {
                self.save(other);
                self.broadcast(other, answer);
            }
        }
        self.save(from);
    }

    /// Reloads `tab`: `pagehide`, then a new page in the same tab.
    fn reload(&mut self, tab: usize) {
        self.page(tab).hide();
        self.save(tab);
        self.tabs[tab].page = None;
        self.start(tab);
        self.settle(tab);
    }

    /// The page of `tab` dies without `pagehide`.
    fn crash(&mut self, tab: usize) {
        self.tabs[tab].page = None;
    }

    fn page(&mut self, tab: usize) -> &mut DeviceClaim {
        self.tabs[tab].page.as_mut().expect("a live page")
    }

    fn save(&mut self, tab: usize) {
        if let Some(page) = &self.tabs[tab].page {
            self.tabs[tab].storage = page.stored().to_text();
        }
    }

    fn id(&self, tab: usize) -> DeviceId {
        self.tabs[tab].page.as_ref().expect("a live page").id()
    }
}

#[test]
fn a_new_tab_mints_an_id_and_holds_it_at_once() {
    let mut browser = Browser::new(1);
    let tab = browser.open(None);
    assert!(browser.page(tab).is_settled(), "no wait for a new tab");
    let id = browser.id(tab);
    assert_eq!(
        browser.tabs[tab].storage.as_deref(),
        Some(format!("live:{}", hex::encode(id.as_bytes())).as_str())
    );
    let other = browser.open(None);
    assert_ne!(browser.id(other), id, "each tab its own");
}

#[test]
fn a_reload_keeps_its_tabs_id_without_waiting() {
    let mut browser = Browser::new(2);
    let tab = browser.open(None);
    let id = browser.id(tab);
    browser.page(tab).hide();
    browser.save(tab);
    browser.tabs[tab].page = None;
    browser.start(tab);
    assert!(
        browser.page(tab).is_settled(),
        "a freed id is taken at once"
    );
    assert_eq!(browser.id(tab), id);
}

#[test]
fn a_duplicated_tab_mints_its_own_id_and_the_original_keeps_its() {
    let mut browser = Browser::new(3);
    let original = browser.open(None);
    let id = browser.id(original);
    let copy = browser.tabs[original].storage.clone();
    let duplicate = browser.open(copy);
    assert!(
        browser.page(duplicate).is_settled(),
        "the answer settles it"
    );
    assert_ne!(browser.id(duplicate), id);
    assert_eq!(browser.id(original), id);
    // Both keep theirs across reloads.
    let minted = browser.id(duplicate);
    browser.reload(duplicate);
    browser.reload(original);
    assert_eq!(browser.id(duplicate), minted);
    assert_eq!(browser.id(original), id);
}

#[test]
fn a_crashed_tabs_id_is_taken_back_when_nobody_holds_it() {
    let mut browser = Browser::new(4);
    let tab = browser.open(None);
    let id = browser.id(tab);
    browser.crash(tab);
    browser.start(tab);
    assert!(
        !browser.page(tab).is_settled(),
        "marked in use: it asks first"
    );
    browser.settle(tab);
    assert_eq!(browser.id(tab), id);
    assert!(browser.page(tab).is_settled());
}

#[test]
fn two_duplicates_of_a_dead_tab_end_with_two_ids() {
    for seed in 0..64 {
        let mut browser = Browser::new(100 + seed);
        let original = browser.open(None);
        let id = browser.id(original);
        let copy = browser.tabs[original].storage.clone();
        browser.crash(original);
        // Both start before either's wait ends.
        let first = browser.open(copy.clone());
        let second = browser.open(copy);
        browser.settle(first);
        browser.settle(second);
        assert_ne!(browser.id(first), browser.id(second), "seed {seed}");
        assert!(
            browser.id(first) == id || browser.id(second) == id,
            "one of them keeps the id (seed {seed})"
        );
    }
}

#[test]
fn a_hidden_page_does_not_answer_and_asks_again_when_shown() {
    let mut browser = Browser::new(5);
    let original = browser.open(None);
    let id = browser.id(original);
    // Kept in the back/forward cache: hidden, its id marked free, then duplicated.
    browser.page(original).hide();
    browser.save(original);
    let copy = browser.tabs[original].storage.clone();
    let duplicate = browser.open(copy);
    assert_eq!(browser.id(duplicate), id, "a free id is taken at once");
    // Shown again, the original asks, hears the duplicate holds it, and mints its own.
    let page = browser.tabs[original].page.as_mut().unwrap();
    let probe = page.show(&mut browser.entropy).unwrap();
    browser.broadcast(original, probe);
    assert!(browser.page(original).is_settled());
    assert_ne!(browser.id(original), id);
    assert_eq!(browser.id(duplicate), id);
}

#[test]
fn a_page_answers_only_for_its_own_id() {
    let mut entropy = SeededEntropy::new(6);
    let (mut claim, _) = DeviceClaim::start(Stored::Nothing, &mut entropy);
    let other = DeviceId([7; 16]);
    let probe = ClaimMessage::Probe {
        id: other,
        nonce: [1; 16],
    };
    assert_eq!(claim.hear(probe, &mut entropy), None);
    let mine = ClaimMessage::Probe {
        id: claim.id(),
        nonce: [1; 16],
    };
    assert_eq!(
        claim.hear(mine, &mut entropy),
        Some(ClaimMessage::Held { id: claim.id() })
    );
    // A page that holds its id keeps it whatever others say.
    let id = claim.id();
    assert_eq!(claim.hear(ClaimMessage::Held { id }, &mut entropy), None);
    assert_eq!(claim.id(), id);
}

#[test]
fn stored_text_reads_back_and_tolerates_other_versions() {
    let id = DeviceId(core::array::from_fn(|i| i as u8));
    let hex_id = hex::encode(id.as_bytes());
    for stored in [Stored::Free(id), Stored::InUse(id)] {
        assert_eq!(Stored::parse(stored.to_text().as_deref()), stored);
    }
    assert_eq!(Stored::Nothing.to_text(), None);
    let cases: [(Option<&str>, Stored); 6] = [
        (None, Stored::Nothing),
        // Earlier versions stored the bare id: it was not marked, so it counts as free.
        (Some(hex_id.as_str()), Stored::Free(id)),
        (Some("live:zz"), Stored::Nothing),
        (Some(""), Stored::Nothing),
        (Some("busy:00"), Stored::Nothing),
        (Some(&hex_id[..30]), Stored::Nothing),
    ];
    for (text, expected) in cases {
        assert_eq!(Stored::parse(text), expected, "{text:?}");
    }
}

#[test]
fn messages_read_back_and_anything_else_is_ignored() {
    let id = DeviceId([0xab; 16]);
    for message in [
        ClaimMessage::Probe { id, nonce: [3; 16] },
        ClaimMessage::Held { id },
    ] {
        assert_eq!(ClaimMessage::parse(&message.to_text()), Some(message));
    }
    let held = ClaimMessage::Held { id }.to_text();
    for text in [
        "",
        "held",
        "probe",
        "held 00",
        "hello world",
        &format!("{held} extra"),
        &format!("probe {}", hex::encode(id.as_bytes())),
    ] {
        assert_eq!(ClaimMessage::parse(text), None, "{text:?}");
    }
}
