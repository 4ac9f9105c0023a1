//! An offline message being written (PROTOCOL.md C.1): what it holds, how it is locked, and
//! what sealing it needs. Every rule is checked here, before any key derivation, so nothing is
//! lost to a message that cannot go: the screen turns a [`Draft`] into a [`SealRequest`] or
//! shows the [`DraftError`].

use crate::blob::BlobContent;
use crate::contact::{ContactKey, SIDE_LEN, Side};
use crate::contact_book::Contact;
use crate::file_name::sanitise_file_name;
use crate::fountain::MAX_BLOB_LEN;
use crate::passphrase_input::normalise;
use crate::transfer_rate::format_size;

/// A passphrase blob's header (21 bytes) and AES-GCM tag (16), PROTOCOL.md C.1.
const PASSPHRASE_OVERHEAD: usize = 21 + 16;
/// A contact blob's header (18 bytes), AES-GCM tag (16) and the sealer's side (mode 0x82,
/// docs/PROTOCOL.md "Contact codes that say who sealed them").
const CONTACT_OVERHEAD: usize = 18 + 16 + SIDE_LEN;
/// Bytes a blob adds to a file however it is locked: the larger overhead, the type byte and the
/// name's length byte.
const FILE_OVERHEAD: usize = max(PASSPHRASE_OVERHEAD, CONTACT_OVERHEAD) + 2;
/// Largest name kept in a blob (its length is one byte).
const MAX_NAME_BYTES: usize = 255;
/// Largest file that fits one offline message whatever its name.
pub const MAX_FILE: usize = MAX_BLOB_LEN as usize - FILE_OVERHEAD - MAX_NAME_BYTES;

/// How the message is locked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lock {
    /// Words drawn from the EFF list.
    #[default]
    Generated,
    /// A passphrase the person typed.
    Typed,
    /// A paired contact's key (no passphrase, no key derivation).
    Contact,
}

/// What the person has written and chosen so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    /// The text box.
    pub text: String,
    /// An attached file (name, bytes): it replaces the text.
    pub file: Option<(String, Vec<u8>)>,
    /// How to lock it.
    pub lock: Lock,
    /// The generated passphrase, once the worker made one.
    pub generated: Option<String>,
    /// The typed passphrase.
    pub typed: String,
    /// The light Argon2id profile (PROTOCOL.md C.1).
    pub light: bool,
}

/// What sealing a draft takes.
#[derive(Debug, PartialEq, Eq)]
pub enum SealRequest {
    /// Seal at once with a contact's key.
    Contact {
        /// The contact's key.
        key: ContactKey,
        /// This device's side of the pairing, which the code carries.
        side: Side,
        /// What to seal.
        content: BlobContent,
    },
    /// Derive a key from a passphrase (in a worker: it takes seconds), then seal.
    Passphrase {
        /// The passphrase, as the person will type it on the other side.
        passphrase: String,
        /// The light profile.
        light: bool,
        /// What to seal.
        content: BlobContent,
    },
}

/// Why a draft cannot be sealed; the message is what the person reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    /// Nothing written, nothing attached.
    #[error("Write a message or attach a file first.")]
    Empty,
    /// The blob would be longer than one offline message carries.
    #[error("This is {} too long for an offline message: shorten it.", format_size(*.excess))]
    TooLong {
        /// Bytes over the limit.
        excess: u64,
    },
    /// The chosen contact was deleted meanwhile (or there is none).
    #[error(
        "That contact is no longer on this device: choose another, or pair one (Contacts tab)."
    )]
    NoContact,
    /// No passphrase yet (typed box empty, or no words generated).
    #[error("Choose a passphrase first.")]
    NoPassphrase,
    /// A file too large to attach.
    #[error("{name} is {}: offline messages hold files of up to {}.", format_size(*.size), format_size(MAX_FILE as u64))]
    FileTooLarge {
        /// The file's name.
        name: String,
        /// Its size.
        size: u64,
    },
}

/// Whether a file of `size` bytes may be attached (checked before it is read).
pub fn check_attachment(name: &str, size: u64) -> Result<(), DraftError> {
    if size > MAX_FILE as u64 {
        return Err(DraftError::FileTooLarge {
            name: name.to_owned(),
            size,
        });
    }
    Ok(())
}

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}

/// The length of the blob `content` makes, locked by `lock`: header, tag (and for a contact the
/// sealer's side), then the type byte and the text, or the type byte, the name's length, the
/// name and the file.
pub fn sealed_len(content: &BlobContent, lock: Lock) -> usize {
    let overhead = match lock {
        Lock::Contact => CONTACT_OVERHEAD,
        Lock::Generated | Lock::Typed => PASSPHRASE_OVERHEAD,
    };
    overhead
        + match content {
            BlobContent::Text(text) => 1 + text.len(),
            BlobContent::File { name, bytes } => 2 + name.len() + bytes.len(),
        }
}

impl Draft {
    /// What to seal: the file (its name sanitised) or else the text.
    pub fn content(&self) -> Result<BlobContent, DraftError> {
        let content = match &self.file {
            Some((name, bytes)) => BlobContent::File {
                name: sanitise_file_name(name),
                bytes: bytes.clone(),
            },
            None if self.text.is_empty() => return Err(DraftError::Empty),
            None => BlobContent::Text(self.text.clone()),
        };
        let length = sealed_len(&content, self.lock);
        if length > MAX_BLOB_LEN as usize {
            return Err(DraftError::TooLong {
                excess: (length - MAX_BLOB_LEN as usize) as u64,
            });
        }
        Ok(content)
    }

    /// What sealing takes, given the contact chosen on screen (`None`: none left).
    pub fn seal_request(&self, contact: Option<&Contact>) -> Result<SealRequest, DraftError> {
        let content = self.content()?;
        let passphrase = match self.lock {
            Lock::Contact => {
                let contact = contact.ok_or(DraftError::NoContact)?;
                return Ok(SealRequest::Contact {
                    key: contact.key.clone(),
                    side: contact.side,
                    content,
                });
            }
            Lock::Generated => self.generated.clone().unwrap_or_default(),
            Lock::Typed => self.typed.clone(),
        };
        // Only white space is no passphrase: it normalises to nothing.
        if normalise(&passphrase).is_empty() {
            return Err(DraftError::NoPassphrase);
        }
        Ok(SealRequest::Passphrase {
            passphrase,
            light: self.light,
            content,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::blob::{Sealer, open_from_contact, seal_for_contact};
    use crate::entropy::SystemEntropy;

    fn text(text: &str) -> Draft {
        Draft {
            text: text.into(),
            generated: Some("correct horse battery staple".into()),
            ..Draft::default()
        }
    }

    #[test]
    fn nothing_written_cannot_be_sealed() {
        assert_eq!(text("").seal_request(None), Err(DraftError::Empty));
    }

    #[test]
    fn text_is_sealed_with_the_generated_words_by_default() {
        let request = text("hi").seal_request(None).unwrap();
        assert_eq!(
            request,
            SealRequest::Passphrase {
                passphrase: "correct horse battery staple".into(),
                light: false,
                content: BlobContent::Text("hi".into()),
            }
        );
    }

    #[test]
    fn a_typed_passphrase_must_not_be_empty() {
        let mut draft = text("hi");
        draft.lock = Lock::Typed;
        assert_eq!(draft.seal_request(None), Err(DraftError::NoPassphrase));
        draft.typed = " \t ".into();
        assert_eq!(draft.seal_request(None), Err(DraftError::NoPassphrase));
        draft.typed = "my own words".into();
        draft.light = true;
        assert!(matches!(
            draft.seal_request(None).unwrap(),
            SealRequest::Passphrase { passphrase, light: true, .. } if passphrase == "my own words"
        ));
    }

    #[test]
    fn no_generated_words_yet_means_no_passphrase() {
        let mut draft = text("hi");
        draft.generated = None;
        assert_eq!(draft.seal_request(None), Err(DraftError::NoPassphrase));
    }

    #[test]
    fn a_contact_lock_needs_a_contact_and_seals_for_it() {
        let mut draft = text("for you");
        draft.lock = Lock::Contact;
        assert_eq!(draft.seal_request(None), Err(DraftError::NoContact));
        let key = ContactKey::from_bytes([4; 32]);
        let contact = Contact::paired("Ana".into(), key.clone(), &mut SystemEntropy);
        let SealRequest::Contact {
            key: chosen,
            side,
            content,
        } = draft.seal_request(Some(&contact)).unwrap()
        else {
            panic!("a contact lock seals with the contact's key");
        };
        assert_eq!(side, contact.side, "with this device's side");
        let blob = seal_for_contact(&chosen, side, &content, &mut SystemEntropy).unwrap();
        assert_eq!(blob.len(), sealed_len(&content, Lock::Contact));
        assert_eq!(
            open_from_contact(&blob, &key, Side::from_bytes([9; 16])).unwrap(),
            (BlobContent::Text("for you".into()), Sealer::Contact)
        );
    }

    #[test]
    fn an_attached_file_replaces_the_text_and_its_name_is_sanitised() {
        let mut draft = text("ignored");
        draft.file = Some(("../secret.txt".into(), vec![1, 2, 3]));
        let content = draft.content().unwrap();
        let BlobContent::File { name, bytes } = content else {
            panic!("the file is what is sealed");
        };
        assert_eq!(bytes, [1, 2, 3]);
        assert!(!name.contains('/'), "{name}");
    }

    #[test]
    fn the_largest_message_fits_and_one_byte_more_is_refused_with_the_excess() {
        let fits = MAX_BLOB_LEN as usize - PASSPHRASE_OVERHEAD - 1;
        assert!(text(&"a".repeat(fits)).content().is_ok());
        assert_eq!(
            text(&"a".repeat(fits + 5)).content(),
            Err(DraftError::TooLong { excess: 5 })
        );
        assert_eq!(
            DraftError::TooLong { excess: 5 }.to_string(),
            "This is 5 B too long for an offline message: shorten it."
        );
    }

    #[test]
    fn the_largest_file_fits_even_with_the_longest_name() {
        let mut draft = text("");
        draft.file = Some(("n".repeat(MAX_NAME_BYTES), vec![0; MAX_FILE]));
        draft.lock = Lock::Contact;
        assert_eq!(
            sealed_len(&draft.content().unwrap(), Lock::Contact),
            MAX_BLOB_LEN as usize,
            "a contact's blob is the longer"
        );
        draft.lock = Lock::Generated;
        assert!(draft.content().is_ok());
        assert!(check_attachment("f", MAX_FILE as u64).is_ok());
        let too_big = check_attachment("big.bin", MAX_FILE as u64 + 1).unwrap_err();
        assert!(too_big.to_string().starts_with("big.bin is "), "{too_big}");
    }
}
