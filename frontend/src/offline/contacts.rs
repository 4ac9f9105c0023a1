//! The contacts offline codes are sealed for, on this device only. Two kinds:
//!
//! - **Paired identities** (docs/PROTOCOL.md I.6): every verified person whose whole identity is
//!   known, kept by `browser::verified` (`cutout.verified`). Pairing is verification; the key of
//!   a pair is derived with this browser's X25519 key when a code is sealed or opened, and is
//!   never stored.
//! - **Contacts paired before identities** (PROTOCOL.md C.2, `CT1K`): a shown key, kept as every
//!   version wrote them (`hex(key) name` a line, `protocol::contact_book`), with this device's
//!   side of each pairing under a key of its own. They keep working, and are listed as not
//!   verified.

use protocol::blob::{BlobHeader, ContactMode};
use protocol::contact::ContactKey;
use protocol::contact_book::{self, Opened, PairedContact};
use protocol::entropy::SystemEntropy;
use protocol::hex;
use protocol::identity::PublicIdentity;
use protocol::identity::pairing::pair_key;

use crate::browser::{self, Store};

pub use protocol::contact_book::{Contact, MAX_NAME, clean_name};

/// Where the contacts paired before identities are kept.
const KEY: &str = "cutout.contacts";
/// Where this device's sides of them are kept.
const SIDES_KEY: &str = "cutout.contact-sides";

/// One contact, as the lists show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A verified person, paired by their identity.
    Paired {
        /// The name kept for them.
        name: String,
        /// Their identity.
        identity: PublicIdentity,
    },
    /// A contact paired by a shown key (`CT1K`), before identities.
    Legacy(Contact),
}

impl Entry {
    /// The name kept for them.
    pub fn name(&self) -> &str {
        match self {
            Self::Paired { name, .. } => name,
            Self::Legacy(contact) => &contact.name,
        }
    }

    /// A key that tells entries apart and stays while they are renamed.
    pub fn id(&self) -> String {
        match self {
            Self::Paired { identity, .. } => format!("p{}", hex::encode(identity.ik())),
            Self::Legacy(contact) => format!("k{}", hex::encode(&contact.key.check_bytes())),
        }
    }
}

/// Every contact on this device: the paired identities in the order they were verified, then
/// the contacts paired before identities.
pub fn load() -> Vec<Entry> {
    let verified = browser::verified();
    let paired = verified.contacts().map(|(name, identity)| Entry::Paired {
        name: name.to_owned(),
        identity: *identity,
    });
    paired
        .chain(load_legacy().into_iter().map(Entry::Legacy))
        .collect()
}

/// The contacts paired before identities. One saved by an earlier version gets its side now,
/// written back at once: a side must never change once a code carries it.
pub fn load_legacy() -> Vec<Contact> {
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

/// Keeps `contacts` as the whole list of contacts paired before identities.
pub fn save_legacy(contacts: &[Contact]) {
    browser::save(Store::Device, KEY, &contact_book::contacts_text(contacts));
    browser::save(
        Store::Device,
        SIDES_KEY,
        &contact_book::sides_text(contacts),
    );
}

/// The key this browser shares with `identity` (docs/PROTOCOL.md I.6); `None` for this
/// browser's own identity or a key that cannot be paired with.
pub async fn pair_key_with(identity: &PublicIdentity) -> Option<ContactKey> {
    let mine = *browser::identity().public().ik();
    let shared = browser::agree(identity.xk()).await?;
    pair_key(&shared, &mine, identity.ik()).ok()
}

/// Opens a contact code with every contact of its kind: a mode 0xC2 code with each paired
/// identity, the others with each contact paired before identities. `None` if none opens it.
pub async fn open(blob: &[u8]) -> Option<Opened> {
    let paired = matches!(
        BlobHeader::parse(blob),
        Ok((
            BlobHeader::Contact {
                mode: ContactMode::Paired,
                ..
            },
            ..
        ))
    );
    if !paired {
        return contact_book::open(blob, &load_legacy());
    }
    let mine = *browser::identity().public().ik();
    let mut keys = Vec::new();
    for entry in load() {
        if let Entry::Paired { name, identity } = entry
            && let Some(key) = pair_key_with(&identity).await
        {
            keys.push(PairedContact {
                name,
                ik: *identity.ik(),
                key,
            });
        }
    }
    contact_book::open_paired(blob, &keys, &mine)
}
