//! Paired contacts (PROTOCOL.md C.2, `CT1K`) in this browser's local storage, on this device
//! only. The format and its rules are `protocol::contact_book`'s: the contacts as every version
//! wrote them (`hex(key) name` a line), and this device's side of each pairing (docs/PROTOCOL.md,
//! "Contact codes that say who sealed them") under a key of its own.

use protocol::contact_book;
use protocol::entropy::SystemEntropy;

use crate::browser::{self, Store};

pub use protocol::contact_book::{Contact, MAX_NAME, clean_name};

/// Where the contacts are kept.
const KEY: &str = "cutout.contacts";
/// Where this device's sides of them are kept.
const SIDES_KEY: &str = "cutout.contact-sides";

/// Every contact on this device, in the order they were paired. A contact saved by an earlier
/// version gets its side now, written back at once: a side must never change once a code
/// carries it.
pub fn load() -> Vec<Contact> {
    let contacts = browser::load(Store::Device, KEY).unwrap_or_default();
    let sides = browser::load(Store::Device, SIDES_KEY).unwrap_or_default();
    let book = contact_book::read(&contacts, &sides, &mut SystemEntropy);
    if book.minted {
        browser::save(
            Store::Device,
            SIDES_KEY,
            &contact_book::sides_text(&book.contacts),
        );
    }
    book.contacts
}

/// Keeps `contacts` as the whole list.
pub fn save(contacts: &[Contact]) {
    browser::save(Store::Device, KEY, &contact_book::contacts_text(contacts));
    browser::save(
        Store::Device,
        SIDES_KEY,
        &contact_book::sides_text(contacts),
    );
}
