//! Offline passphrases as typed (docs/PROTOCOL.md): the normalisation table in
//! `testdata/passphrase-normalisation.json`, checked by one function, and blobs sealed before and
//! after normalisation opening from what people type. Argon2id runs at the lowest costs the
//! protocol allows (16 MiB, one pass), as the vector tests do.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{CountingKdf, SeededEntropy};
use protocol::blob::{self, BlobContent, BlobError};
use protocol::kdf::{Argon2Params, Argon2id};
use protocol::passphrase_input::{self, normalise};
use serde_json::Value;

fn cheapest() -> Argon2Params {
    Argon2Params::new(14, 1, 1).unwrap()
}

fn message() -> BlobContent {
    BlobContent::Text("meet at 6pm".into())
}

/// One case of the table: `typed` normalises to `normalised`, and normalising is idempotent.
fn check(case: &Value) {
    let field = |name: &str| {
        case[name]
            .as_str()
            .unwrap_or_else(|| panic!("{case}: {name}"))
    };
    let (typed, expected, why) = (field("typed"), field("normalised"), field("why"));
    assert_eq!(*normalise(typed), expected, "{why}: {typed:?}");
    assert_eq!(*normalise(expected), expected, "{why}: idempotent");
}

#[test]
fn normalisation_matches_the_table() {
    let table: Value =
        serde_json::from_str(include_str!("../testdata/passphrase-normalisation.json")).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    cases.iter().for_each(check);
}

#[test]
fn a_blob_sealed_now_opens_from_the_passphrase_typed_loosely() {
    let sealed = passphrase_input::seal(
        "correct horse battery staple",
        cheapest(),
        &message(),
        &mut SeededEntropy::new(1),
        &mut Argon2id,
    )
    .unwrap();
    let mut kdf = CountingKdf::default();
    assert_eq!(
        passphrase_input::open(&sealed, " Correct  Horse battery staple ", &mut kdf),
        Ok(message())
    );
    assert_eq!(kdf.calls, 1, "the normalised passphrase opens it at once");
}

#[test]
fn a_blob_sealed_with_the_old_derivation_opens_from_the_exact_old_input() {
    // Before normalisation the KDF was given NFC(passphrase as typed): the vector-defined
    // function below is that derivation.
    let typed = "Correct horse  battery ";
    let sealed = blob::seal_with_passphrase(
        typed,
        cheapest(),
        &message(),
        &mut SeededEntropy::new(2),
        &mut Argon2id,
    )
    .unwrap();
    let mut kdf = CountingKdf::default();
    assert_eq!(
        passphrase_input::open(&sealed, typed, &mut kdf),
        Ok(message())
    );
    assert_eq!(kdf.calls, 2, "normalised first, then as typed");

    // Its normalised form is another key, and as typed it is the same: nothing to try again.
    let mut kdf = CountingKdf::default();
    assert_eq!(
        passphrase_input::open(&sealed, "correct horse battery", &mut kdf),
        Err(BlobError::Authentication)
    );
    assert_eq!(kdf.calls, 1);
}

#[test]
fn a_wrong_passphrase_is_refused_after_at_most_two_derivations() {
    let sealed = passphrase_input::seal(
        "correct horse battery staple",
        cheapest(),
        &message(),
        &mut SeededEntropy::new(3),
        &mut Argon2id,
    )
    .unwrap();
    let mut kdf = CountingKdf::default();
    assert_eq!(
        passphrase_input::open(&sealed, "Correct horse battery stable ", &mut kdf),
        Err(BlobError::Authentication)
    );
    assert_eq!(kdf.calls, 2);
    // A hostile header is refused before any derivation, as before.
    let mut hostile = sealed.clone();
    hostile[2] = 18;
    let mut kdf = CountingKdf::default();
    assert_eq!(
        passphrase_input::open(&hostile, "Correct horse", &mut kdf),
        Err(BlobError::Header)
    );
    assert_eq!(kdf.calls, 0);
}
