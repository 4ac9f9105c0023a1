//! Paired contacts (PROTOCOL.md C.2, `CT1K`): a name and a 32-byte key each, kept in this
//! browser's local storage on this device only, one per line as `hex::encode(key) name`.

use protocol::contact::ContactKey;

use crate::browser::{self, Store};
use protocol::hex;

/// Where the contacts are kept.
const KEY: &str = "cutout.contacts";
/// Longest contact name, in characters.
pub const MAX_NAME: usize = 40;

/// One paired contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// What the person called them.
    pub name: String,
    /// The shared key.
    pub key: ContactKey,
}

/// A name fit to keep: one line, trimmed, at most [`MAX_NAME`] characters.
pub fn clean_name(name: &str) -> String {
    let one_line: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    one_line.trim().chars().take(MAX_NAME).collect()
}

/// Every contact on this device, in the order they were paired.
pub fn load() -> Vec<Contact> {
    browser::load(Store::Device, KEY)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (key, name) = line.split_once(' ')?;
            Some(Contact {
                name: name.to_string(),
                key: ContactKey::from_bytes(hex::decode(key).ok()?),
            })
        })
        .collect()
}

/// Keeps `contacts` as the whole list.
pub fn save(contacts: &[Contact]) {
    let lines: Vec<String> = contacts
        .iter()
        .map(|c| format!("{} {}", hex::encode(c.key.as_bytes()), clean_name(&c.name)))
        .collect();
    browser::save(Store::Device, KEY, &lines.join("\n"));
}
