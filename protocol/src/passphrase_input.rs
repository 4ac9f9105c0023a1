//! What a person types as a passphrase, tidied before key derivation (docs/PROTOCOL.md,
//! "Offline passphrases as typed"): a trailing space from a phone keyboard, a capital it added
//! to the first word, or a double space must not turn the right passphrase into a wrong one.
//!
//! This is a layer above the vector-defined blob functions ([`crate::blob`]), which derive from
//! NFC(passphrase) exactly as PROTOCOL.md C.1 and its vectors say. Sealing feeds them the
//! normalised passphrase. Opening does too, and if that fails and the passphrase as typed
//! differs from its normalised form, tries it as typed: that is what versions before
//! normalisation fed the KDF, so the messages they sealed keep opening.

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::blob::{self, BlobContent, BlobError};
use crate::entropy::Entropy;
use crate::kdf::{Argon2Params, PasswordKdf};

/// The passphrase as keyed: NFC; every run of white space (Unicode `White_Space`: spaces,
/// no-break spaces, tabs, line breaks) one U+0020, none at either end; lower case (Unicode
/// default case mapping, no locale); NFC again, as lower-casing may leave a sequence
/// unnormalised. Generated passphrases (lower-case words, single spaces) are unchanged.
pub fn normalise(typed: &str) -> Zeroizing<String> {
    let composed: Zeroizing<String> = Zeroizing::new(typed.nfc().collect());
    let mut spaced = Zeroizing::new(String::with_capacity(composed.len()));
    for word in composed.split_whitespace() {
        if !spaced.is_empty() {
            spaced.push(' ');
        }
        spaced.push_str(word);
    }
    let lower = Zeroizing::new(spaced.to_lowercase());
    Zeroizing::new(lower.nfc().collect())
}

/// Whether opening with `typed` may take a second key derivation: its normalised form differs
/// from what versions before normalisation derived from, NFC(`typed`).
pub fn may_try_as_typed(typed: &str) -> bool {
    let as_typed: Zeroizing<String> = Zeroizing::new(typed.nfc().collect());
    *normalise(typed) != *as_typed
}

/// Seals `content` under the normalised `passphrase` (see [`blob::seal_with_passphrase`]).
pub fn seal(
    passphrase: &str,
    params: Argon2Params,
    content: &BlobContent,
    entropy: &mut dyn Entropy,
    kdf: &mut dyn PasswordKdf,
) -> Result<Vec<u8>, BlobError> {
    blob::seal_with_passphrase(&normalise(passphrase), params, content, entropy, kdf)
}

/// Opens a passphrase blob with the normalised `passphrase`; if the key is wrong and
/// [`may_try_as_typed`], once more with `passphrase` as typed (a second key derivation).
pub fn open(
    sealed: &[u8],
    passphrase: &str,
    kdf: &mut dyn PasswordKdf,
) -> Result<BlobContent, BlobError> {
    match blob::open_with_passphrase(sealed, &normalise(passphrase), kdf) {
        Err(BlobError::Authentication) if may_try_as_typed(passphrase) => {
            blob::open_with_passphrase(sealed, passphrase, kdf)
        }
        opened => opened,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passphrases_are_left_as_they_are() {
        let phrase = crate::passphrase::generate(6, &mut crate::entropy::SystemEntropy);
        assert_eq!(*normalise(&phrase), phrase);
        assert!(!may_try_as_typed(&phrase));
    }

    #[test]
    fn only_a_passphrase_that_changes_may_be_tried_as_typed() {
        assert!(!may_try_as_typed("correct horse"));
        assert!(
            !may_try_as_typed("cafe\u{301} au lait"),
            "NFC alone changes nothing new"
        );
        assert!(may_try_as_typed("correct horse "));
        assert!(may_try_as_typed("Correct horse"));
        assert!(may_try_as_typed("correct  horse"));
    }
}
