//! The paired contacts of one device, as the app keeps them: a name, the shared key (PROTOCOL.md
//! C.2) and this device's [`Side`] of the pairing each; how they are written to storage and read
//! back; and which of them opens a contact code, and who sealed it.
//!
//! Two texts are stored. The contacts, one a line as `hex(key) name`, the form every version
//! has written, so an earlier version of the app still reads them; and the sides, one a line as
//! `hex(key) hex(side)`, apart, so that no earlier version reads a side as part of a name. A
//! contact with no side stored (saved by an earlier version) gets a fresh one when read, and
//! [`Book::minted`] says the texts must be written back before the side is used: a side that
//! changed would make the codes sealed with the old one pass for the contact's.

use crate::blob::{BlobContent, Sealer, open_from_contact, open_from_paired};
use crate::contact::{ContactKey, SIDE_LEN, Side};
use crate::entropy::Entropy;
use crate::hex;
use crate::identity::SigningPublic;

/// Longest contact name, in characters.
pub const MAX_NAME: usize = 40;

/// One paired contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    /// What the person called them.
    pub name: String,
    /// The shared key.
    pub key: ContactKey,
    /// This device's side of the pairing, carried by the codes it seals for them.
    pub side: Side,
}

impl Contact {
    /// A contact paired just now, with a fresh side.
    pub fn paired(name: String, key: ContactKey, entropy: &mut dyn Entropy) -> Self {
        Self {
            name,
            key,
            side: Side::generate(entropy),
        }
    }
}

/// A name fit to keep: one line, trimmed, at most [`MAX_NAME`] characters.
pub fn clean_name(name: &str) -> String {
    let one_line: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    one_line.trim().chars().take(MAX_NAME).collect()
}

/// The contacts read from storage.
#[derive(Debug, PartialEq, Eq)]
pub struct Book {
    /// Every contact, in the order they were paired.
    pub contacts: Vec<Contact>,
    /// Some contact had no side stored and got one now: write the sides back before using it.
    pub minted: bool,
}

/// Reads the stored `contacts` and `sides` texts; a line that cannot be read is skipped, and a
/// contact without a side gets a fresh one from `entropy`.
pub fn read(contacts: &str, sides: &str, entropy: &mut dyn Entropy) -> Book {
    // Keys as `ContactKey`s, so that they are wiped when dropped.
    let sides: Vec<(ContactKey, Side)> = hex::keyed_lines(sides)
        .filter_map(|(key, side)| {
            let side: [u8; SIDE_LEN] = hex::decode(side).ok()?;
            Some((ContactKey::from_bytes(key), Side::from_bytes(side)))
        })
        .collect();
    let mut minted = false;
    let contacts = hex::keyed_lines(contacts)
        .map(|(key, name)| {
            let key = ContactKey::from_bytes(key);
            let side = match sides.iter().find(|(stored, _)| *stored == key) {
                Some((_, side)) => *side,
                None => {
                    minted = true;
                    Side::generate(entropy)
                }
            };
            Contact {
                name: name.to_owned(),
                key,
                side,
            }
        })
        .collect();
    Book { contacts, minted }
}

/// The contacts text of `contacts`: `hex(key) name` a line, names cleaned.
pub fn contacts_text(contacts: &[Contact]) -> String {
    let lines: Vec<String> = contacts
        .iter()
        .map(|c| hex::keyed_line(c.key.as_bytes(), &clean_name(&c.name)))
        .collect();
    lines.join("\n")
}

/// The sides text of `contacts`: `hex(key) hex(side)` a line. A deleted contact's line goes
/// with it, key and all.
pub fn sides_text(contacts: &[Contact]) -> String {
    let lines: Vec<String> = contacts
        .iter()
        .map(|c| hex::keyed_line(c.key.as_bytes(), &hex::encode(c.side.as_bytes())))
        .collect();
    lines.join("\n")
}

/// A paired identity (docs/PROTOCOL.md I.6) as the app opens and seals codes with it: the
/// name it is kept under, its identity key, and the pair's key, derived where this device's
/// X25519 key lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairedContact {
    /// The name kept for them.
    pub name: String,
    /// Their identity key.
    pub ik: SigningPublic,
    /// The key of the pairing ([`crate::identity::pairing::pair_key`]).
    pub key: ContactKey,
}

/// A contact code opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// What it carried.
    pub content: BlobContent,
    /// The name of the contact whose key opened it.
    pub contact: String,
    /// The contact's identity key when the code is a paired identity's (mode 0xC2): who sealed
    /// it is then known by key, not just by a shared key.
    pub identity: Option<SigningPublic>,
    /// Who sealed it: the contact, this device, or (an earlier version's code) either.
    pub sealer: Sealer,
}

/// Tries every contact's key on a contact code; `None` if none opens it.
pub fn open(blob: &[u8], contacts: &[Contact]) -> Option<Opened> {
    contacts.iter().find_map(|c| {
        let (content, sealer) = open_from_contact(blob, &c.key, c.side).ok()?;
        Some(Opened {
            content,
            contact: c.name.clone(),
            identity: None,
            sealer,
        })
    })
}

/// Tries every paired identity on a mode 0xC2 code, `me` being this device's identity key;
/// `None` if none opens it.
pub fn open_paired(blob: &[u8], paired: &[PairedContact], me: &SigningPublic) -> Option<Opened> {
    paired.iter().find_map(|c| {
        let (content, sealer) = open_from_paired(blob, &c.key, me, &c.ik).ok()?;
        Some(Opened {
            content,
            contact: c.name.clone(),
            identity: Some(c.ik),
            sealer,
        })
    })
}
