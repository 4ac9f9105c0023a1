//! The people this device has verified (docs/PROTOCOL.md I.4, I.5, I.6): who they are (their
//! identity key, and their whole published identity once met), what they called themselves when
//! verified, how that is stored, and what a member of a room is in their light — verified, not
//! yet, or someone under a verified person's name with another key. The people whose whole
//! identity is known are the contacts offline codes can be sealed for (I.6).
//!
//! Stored as text, one person a line: `hex(identity) name` (the 128 published bytes), or
//! `hex(ik) name` for someone verified in a room by a version that kept only the key; the name
//! as the person chose it, without control characters (so it stays on its line). A line that
//! cannot be read is skipped; a key met twice keeps its last line.

use std::collections::BTreeMap;

use thiserror::Error;

use crate::hex;
use crate::identity::safety::VerificationCode;
use crate::identity::{IDENTITY_LEN, PublicIdentity, SigningPublic};
use crate::room_io::name_skeleton;

/// At most this many people are kept: a device does not verify thousands, and the stored text
/// stays small. Verifying one more forgets the one verified longest ago.
pub const MAX_PEOPLE: usize = 1_000;

/// The people verified on this device, by identity key.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verified {
    /// Identity key → who they are.
    people: BTreeMap<SigningPublic, Person>,
    /// Keys in the order they were verified, oldest first (for [`MAX_PEOPLE`]).
    order: Vec<SigningPublic>,
}

/// One verified person.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Person {
    /// The name they used when verified (or the one this device gave them since).
    name: String,
    /// Their whole published identity, once this device has seen it (a pairing code, a room's
    /// certificate); `None` only for a person stored by a version that kept just the key.
    identity: Option<PublicIdentity>,
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
        for line in text.lines() {
            if let Some((bytes, name)) = hex::keyed_lines::<IDENTITY_LEN>(line).next() {
                if let Ok(identity) = PublicIdentity::parse(&bytes) {
                    verified.verify_identity(&identity, name);
                }
            } else if let Some((ik, name)) = hex::keyed_lines::<32>(line).next() {
                verified.verify(ik, name);
            }
        }
        verified
    }

    /// The text to store.
    pub fn stored_text(&self) -> String {
        self.order
            .iter()
            .filter_map(|ik| {
                let person = self.people.get(ik)?;
                let line = match &person.identity {
                    Some(identity) => hex::keyed_line(&identity.to_bytes(), &person.name),
                    None => hex::keyed_line(ik, &person.name),
                };
                Some(line + "\n")
            })
            .collect()
    }

    /// Remembers `ik` as verified, under `name` (a key verified again takes the new name and
    /// keeps the identity known for it).
    pub fn verify(&mut self, ik: SigningPublic, name: &str) {
        let identity = self.people.get(&ik).and_then(|p| p.identity);
        self.insert(ik, name, identity);
    }

    /// Remembers the whole `identity` as verified, under `name`.
    pub fn verify_identity(&mut self, identity: &PublicIdentity, name: &str) {
        self.insert(*identity.ik(), name, Some(*identity));
    }

    fn insert(&mut self, ik: SigningPublic, name: &str, identity: Option<PublicIdentity>) {
        let name: String = name.chars().filter(|c| !c.is_control()).collect();
        self.order.retain(|k| *k != ik);
        self.order.push(ik);
        self.people.insert(ik, Person { name, identity });
        while self.order.len() > MAX_PEOPLE {
            let oldest = self.order.remove(0);
            self.people.remove(&oldest);
        }
    }

    /// Fills in the whole identity of a person verified by key alone, met now in a room; `true`
    /// if that changed what is stored.
    pub fn learn(&mut self, identity: &PublicIdentity) -> bool {
        match self.people.get_mut(identity.ik()) {
            Some(person) if person.identity.is_none() => {
                person.identity = Some(*identity);
                true
            }
            _ => false,
        }
    }

    /// Gives a verified person another name on this device; `false` if not verified.
    pub fn rename(&mut self, ik: &SigningPublic, name: &str) -> bool {
        match self.people.get_mut(ik) {
            Some(person) => {
                person.name = name.chars().filter(|c| !c.is_control()).collect();
                true
            }
            None => false,
        }
    }

    /// Forgets a verified person (un-verify, or delete the contact); `false` if not verified.
    pub fn forget(&mut self, ik: &SigningPublic) -> bool {
        self.order.retain(|k| k != ik);
        self.people.remove(ik).is_some()
    }

    /// Is `ik` verified here?
    pub fn is_verified(&self, ik: &SigningPublic) -> bool {
        self.people.contains_key(ik)
    }

    /// The name `ik` had when verified.
    pub fn name_of(&self, ik: &SigningPublic) -> Option<&str> {
        self.people.get(ik).map(|p| p.name.as_str())
    }

    /// The people offline codes can be sealed for: those whose whole identity is known, in the
    /// order they were verified, with their names.
    pub fn contacts(&self) -> impl Iterator<Item = (&str, &PublicIdentity)> {
        self.order.iter().filter_map(|ik| {
            let person = self.people.get(ik)?;
            Some((person.name.as_str(), person.identity.as_ref()?))
        })
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
            .find(|(key, theirs)| *key != ik && name_skeleton(&theirs.name) == skeleton)
            .map_or(Standing::Unverified, |(_, was)| Standing::IdentityChanged {
                was: was.name.clone(),
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

    fn identity(seed: u8) -> PublicIdentity {
        use crate::identity::{IdentityKeys, IdentitySigner};
        IdentityKeys::from_seeds(&[seed; 32], &[seed.wrapping_add(1); 32]).public()
    }

    #[test]
    fn whole_identities_are_kept_and_key_only_lines_still_read() {
        let (carol, dave) = (identity(10), identity(20));
        let mut verified = Verified::default();
        verified.verify(ALICE, "Alice");
        verified.verify_identity(&carol, "Carol");
        verified.verify_identity(&dave, "Dave");
        let text = verified.stored_text();
        assert!(text.contains(&hex::encode(&carol.to_bytes())));
        let again = Verified::from_stored_text(&text);
        assert_eq!(again, verified);
        let contacts: Vec<_> = again.contacts().map(|(n, i)| (n.to_owned(), *i)).collect();
        assert_eq!(contacts, [("Carol".into(), carol), ("Dave".into(), dave)]);
        // An identity whose binding does not check is skipped, not kept by its key.
        let mut bad = carol.to_bytes();
        bad[100] ^= 1;
        let text = format!("{} Mallory\n", hex::encode(&bad));
        assert!(Verified::from_stored_text(&text).is_empty());
    }

    #[test]
    fn a_key_only_person_learns_their_identity_once_met() {
        let carol = identity(10);
        let mut verified = Verified::default();
        verified.verify(*carol.ik(), "Carol");
        assert_eq!(verified.contacts().count(), 0);
        assert!(verified.learn(&carol));
        assert!(!verified.learn(&carol));
        assert!(
            !verified.learn(&identity(20)),
            "not verified: nothing learnt"
        );
        assert_eq!(verified.contacts().count(), 1);
        // Verifying again by key keeps the identity.
        verified.verify(*carol.ik(), "Caz");
        assert_eq!(verified.contacts().next(), Some(("Caz", &carol)));
    }

    #[test]
    fn renamed_and_forgotten_people() {
        let mut verified = Verified::default();
        verified.verify(ALICE, "Alice");
        verified.verify(BOB, "Bob");
        assert!(verified.rename(&ALICE, "Ally\n"));
        assert_eq!(verified.name_of(&ALICE), Some("Ally"));
        assert!(!verified.rename(&MALLORY, "M"));
        assert!(verified.forget(&ALICE));
        assert!(!verified.forget(&ALICE));
        assert!(!verified.is_verified(&ALICE));
        assert_eq!(
            Verified::from_stored_text(&verified.stored_text()),
            verified
        );
        assert_eq!(verified.standing(&MALLORY, "Ally"), Standing::Unverified);
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
