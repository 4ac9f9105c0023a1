//! The people this device has verified (docs/PROTOCOL.md I.4, I.5): who they are (their identity
//! key), what they called themselves when verified, how that is stored, and what a member of a
//! room is in their light — verified, not yet, or someone under a verified person's name with
//! another key.
//!
//! Stored as text, one person a line: `hex(ik) name`, the name as the person chose it, without
//! control characters (so it stays on its line). A line that cannot be read is skipped; a key
//! met twice keeps its last name.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::hex;
use crate::identity::SigningPublic;
use crate::identity::safety::VerificationCode;
use crate::room_io::name_skeleton;

/// At most this many people are kept: a device does not verify thousands, and the stored text
/// stays small. Verifying one more forgets the one verified longest ago.
pub const MAX_PEOPLE: usize = 1_000;

/// The people verified on this device, by identity key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    /// Identity key → the name they used when verified.
    people: BTreeMap<SigningPublic, String>,
    /// Keys in the order they were verified, oldest first (for [`MAX_PEOPLE`]).
    order: Vec<SigningPublic>,
}

/// What a member of a room is to this device.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Standing {
    /// Their identity key is one this device verified.
    Verified,
    /// Not verified, and their name is not a verified person's.
    Unverified,
    /// Their name looks like the name of a person verified here, but their key is another:
    /// someone else, or that person with a new identity. `was` is the verified person's name.
    IdentityChanged {
        /// The name the verified person had.
        was: String,
    },
}

/// Why a scanned verification code verifies nobody (docs/PROTOCOL.md I.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum CodeMismatch {
    /// The code shows this device's own key: it is this device's own code.
    #[error("this is your own code: scan the other person's")]
    OwnCode,
    /// The shower's key is not the key this device sees for the member.
    #[error("the key in the code is not the key this room shows for them")]
    Shown,
    /// The shower sees another key for this device.
    #[error("they see another key for you than yours")]
    Seen,
    /// Neither key is as expected.
    #[error("neither key matches: the code is not theirs, nor made for you")]
    Both,
}

/// Checks a scanned code against the member being verified: `theirs` is the key this device
/// sees for them, `mine` this device's own key.
pub fn check_code(
    code: &VerificationCode,
    mine: &SigningPublic,
    theirs: &SigningPublic,
) -> Result<(), CodeMismatch> {
    if code.shown == *mine {
        return Err(CodeMismatch::OwnCode);
    }
    match (code.shown == *theirs, code.seen == *mine) {
        (true, true) => Ok(()),
        (false, true) => Err(CodeMismatch::Shown),
        (true, false) => Err(CodeMismatch::Seen),
        (false, false) => Err(CodeMismatch::Both),
    }
}

impl Verified {
    /// Reads the stored text (empty or unreadable: nobody verified).
    pub fn from_stored_text(text: &str) -> Self {
        let mut verified = Self::default();
        for (ik, name) in hex::keyed_lines::<32>(text) {
            verified.verify(ik, name);
        }
        verified
    }

    /// The text to store.
    pub fn stored_text(&self) -> String {
        self.order
            .iter()
            .filter_map(|ik| Some(hex::keyed_line(ik, self.people.get(ik)?) + "\n"))
            .collect()
    }

    /// Remembers `ik` as verified, under `name` (a key verified again takes the new name).
    pub fn verify(&mut self, ik: SigningPublic, name: &str) {
        let name: String = name.chars().filter(|c| !c.is_control()).collect();
        self.order.retain(|k| *k != ik);
        self.order.push(ik);
        self.people.insert(ik, name);
        while self.order.len() > MAX_PEOPLE {
            let oldest = self.order.remove(0);
            self.people.remove(&oldest);
        }
    }

    /// Is `ik` verified here?
    pub fn is_verified(&self, ik: &SigningPublic) -> bool {
        self.people.contains_key(ik)
    }

    /// The name `ik` had when verified.
    pub fn name_of(&self, ik: &SigningPublic) -> Option<&str> {
        self.people.get(ik).map(String::as_str)
    }

    /// How many people are verified.
    pub fn len(&self) -> usize {
        self.people.len()
    }

    /// Nobody verified?
    pub fn is_empty(&self) -> bool {
        self.people.is_empty()
    }

    /// What a member with key `ik` and display name `name` is: a verified key wins; otherwise a
    /// name that looks like a verified person's (compared by [`name_skeleton`]) warns.
    pub fn standing(&self, ik: &SigningPublic, name: &str) -> Standing {
        if self.is_verified(ik) {
            return Standing::Verified;
        }
        let skeleton = name_skeleton(name);
        self.people
            .iter()
            .find(|(key, theirs)| *key != ik && name_skeleton(theirs) == skeleton)
            .map_or(Standing::Unverified, |(_, was)| Standing::IdentityChanged {
                was: was.clone(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: SigningPublic = [1; 32];
    const BOB: SigningPublic = [2; 32];
    const MALLORY: SigningPublic = [3; 32];

    #[test]
    fn verified_people_read_back_from_their_text() {
        let mut verified = Verified::default();
        verified.verify(ALICE, "Alice");
        verified.verify(BOB, "Bob the builder");
        let again = Verified::from_stored_text(&verified.stored_text());
        assert_eq!(again, verified);
        assert_eq!(again.name_of(&BOB), Some("Bob the builder"));
        assert_eq!(again.len(), 2);
    }

    #[test]
    fn unreadable_lines_are_skipped() {
        let text = format!(
            "nonsense\n{} Alice\nzz{} Bob\n{}\n",
            hex::encode(&ALICE),
            hex::encode(&BOB[1..]),
            hex::encode(&MALLORY)
        );
        let verified = Verified::from_stored_text(&text);
        assert_eq!(verified.len(), 1);
        assert!(verified.is_verified(&ALICE));
        assert!(Verified::from_stored_text("").is_empty());
    }

    #[test]
    fn a_name_with_a_line_break_stays_on_its_line() {
        let mut verified = Verified::default();
        verified.verify(ALICE, "Al\nice");
        verified.verify(BOB, "Bob");
        let again = Verified::from_stored_text(&verified.stored_text());
        assert_eq!(again.name_of(&ALICE), Some("Alice"));
        assert_eq!(again.len(), 2);
    }

    #[test]
    fn verifying_again_takes_the_new_name() {
        let mut verified = Verified::default();
        verified.verify(ALICE, "Alice");
        verified.verify(ALICE, "Ali");
        assert_eq!(verified.len(), 1);
        assert_eq!(verified.name_of(&ALICE), Some("Ali"));
    }

    #[test]
    fn the_oldest_is_forgotten_past_the_limit() {
        let mut verified = Verified::default();
        for i in 0..=MAX_PEOPLE {
            let mut ik = [0; 32];
            ik[..8].copy_from_slice(&(i as u64).to_be_bytes());
            verified.verify(ik, "someone");
        }
        assert_eq!(verified.len(), MAX_PEOPLE);
        assert!(!verified.is_verified(&[0; 32]));
    }

    #[test]
    fn a_verified_name_under_another_key_warns() {
        let mut verified = Verified::default();
        verified.verify(ALICE, "Alice");
        assert_eq!(verified.standing(&ALICE, "Alice"), Standing::Verified);
        // A verified key stays verified under a new name.
        assert_eq!(verified.standing(&ALICE, "Al"), Standing::Verified);
        for lookalike in ["Alice", "alice", " ALICE ", "Ali\u{200b}ce"] {
            assert_eq!(
                verified.standing(&MALLORY, lookalike),
                Standing::IdentityChanged {
                    was: "Alice".into()
                },
                "{lookalike:?}"
            );
        }
        assert_eq!(verified.standing(&BOB, "Bob"), Standing::Unverified);
        assert_eq!(verified.standing(&BOB, "Alicia"), Standing::Unverified);
    }

    #[test]
    fn a_code_verifies_only_when_both_keys_are_right() {
        let code = |shown, seen| VerificationCode { shown, seen };
        // Bob scans Alice's code, made for him.
        assert_eq!(check_code(&code(ALICE, BOB), &BOB, &ALICE), Ok(()));
        assert_eq!(
            check_code(&code(MALLORY, BOB), &BOB, &ALICE),
            Err(CodeMismatch::Shown)
        );
        assert_eq!(
            check_code(&code(ALICE, MALLORY), &BOB, &ALICE),
            Err(CodeMismatch::Seen)
        );
        assert_eq!(
            check_code(&code(MALLORY, MALLORY), &BOB, &ALICE),
            Err(CodeMismatch::Both)
        );
        // Bob's own code, shown back to him.
        assert_eq!(
            check_code(&code(BOB, ALICE), &BOB, &ALICE),
            Err(CodeMismatch::OwnCode)
        );
    }
}
