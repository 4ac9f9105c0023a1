//! Known-answer vectors of pairing (`testdata/cutout-v2-pairing.json`, made by the Python
//! implementation in `testdata/gen/pairing_vectors.py` from docs/PROTOCOL.md I.6): pair keys,
//! pairing codes and the mode 0xC2 contact codes of paired identities, each family with the
//! inputs that must be refused; and the journey of two people who pair and send each other
//! codes that a third cannot open. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::json::{array, family, hex_field, text};
use protocol::blob::{
    self, BlobContent, BlobError, Sealer, open_from_contact, open_from_paired, seal_for_paired,
};
use protocol::contact::{ContactKey, Side};
use protocol::contact_book::{self, PairedContact};
use protocol::entropy::Entropy;
use protocol::identity::pairing::{PairingCode, PairingError, pair_key};
use protocol::identity::{IdentityKeys, IdentitySigner, PublicIdentity};
use protocol::qr_text::{QrText, QrTextError, parse_qr_text};
use serde_json::Value;

const VECTORS: &str = include_str!("../testdata/cutout-v2-pairing.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

/// A person of the vectors, with private keys.
fn person(v: &Value, who: &str) -> IdentityKeys {
    let p = &v["people"][who];
    let keys = IdentityKeys::from_seeds(
        &array(hex_field(p, "ik_seed")),
        &array(hex_field(p, "xk_seed")),
    );
    assert_eq!(keys.public().to_bytes().to_vec(), hex_field(p, "identity"));
    keys
}

fn content(case: &Value) -> BlobContent {
    match case.get("text") {
        Some(_) => BlobContent::Text(text(case, "text")),
        None => BlobContent::File {
            name: text(case, "file_name"),
            bytes: hex_field(case, "file_bytes"),
        },
    }
}

/// The salt of a blob, as `seal_for_paired` draws it.
struct Salt([u8; 16]);

impl Entropy for Salt {
    fn fill(&mut self, dest: &mut [u8]) {
        dest.copy_from_slice(&self.0[..dest.len()]);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn pair_keys() {
    let v = vectors();
    for case in family(&v, "pair_keys") {
        let name = text(&case, "name");
        let own = person(&v, &text(&case, "own"));
        let other = person(&v, &text(&case, "other")).public();
        let shared = own.agree(other.xk()).unwrap();
        let key = pair_key(&shared, own.public().ik(), other.ik()).unwrap();
        assert_eq!(
            key.as_bytes().to_vec(),
            hex_field(&case, "pair_key"),
            "{name}"
        );
    }
    for case in family(&v, "pair_key_rejects") {
        let name = text(&case, "name");
        let own = person(&v, &text(&case, "own"));
        let other_ik = array(hex_field(&case, "other_ik"));
        let expected = match text(&case, "why").as_str() {
            "own" => PairingError::Own,
            "agreement" => PairingError::Agreement,
            other => panic!("unknown reason {other}"),
        };
        // An all-zero agreement is refused where it is computed, and again by `pair_key`.
        let result = match own.agree(&array(hex_field(&case, "other_xk"))) {
            Some(shared) => pair_key(&shared, own.public().ik(), &other_ik),
            None => pair_key(&[0; 32], own.public().ik(), &other_ik),
        };
        assert_eq!(result.map(|_| ()), Err(expected), "{name}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn pairing_codes() {
    let v = vectors();
    for case in family(&v, "pairing_codes") {
        let name = text(&case, "name");
        let code = text(&case, "text");
        let parsed = PairingCode::parse(&code);
        if case["valid"].as_bool().unwrap() {
            let expected = PairingCode {
                identity: PublicIdentity::parse(&hex_field(&case, "identity")).unwrap(),
                name: text(&case, "display_name"),
            };
            assert_eq!(parsed, Ok(expected.clone()), "{name}");
            assert_eq!(expected.text(), code, "{name}: written again");
            assert_eq!(
                parse_qr_text(&code),
                Ok(QrText::Pairing(expected)),
                "{name}"
            );
            continue;
        }
        let expected = match text(&case, "why").as_str() {
            "not_a_code" => PairingError::NotACode,
            "damaged" => PairingError::Damaged,
            "identity" => PairingError::Identity,
            "agreement" => PairingError::Agreement,
            "name" => PairingError::Name,
            other => panic!("unknown reason {other}"),
        };
        assert_eq!(parsed, Err(expected), "{name}");
        if expected != PairingError::NotACode {
            assert_eq!(parse_qr_text(&code), Err(QrTextError::Malformed), "{name}");
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn paired_contact_codes() {
    let v = vectors();
    for case in family(&v, "blobs") {
        let name = text(&case, "name");
        let blob = hex_field(&case, "blob");
        let key = ContactKey::from_bytes(array(hex_field(&case, "pair_key")));
        let (me, them) = (
            array(hex_field(&case, "me")),
            array(hex_field(&case, "them")),
        );
        let sealer = match text(&case, "sealer").as_str() {
            "contact" => Sealer::Contact,
            "you" => Sealer::You,
            other => panic!("unknown sealer {other}"),
        };
        assert_eq!(
            open_from_paired(&blob, &key, &me, &them),
            Ok((content(&case), sealer)),
            "{name}"
        );
        // Sealed again by whoever sealed it, with the blob's salt: the same bytes.
        let (from, to) = if sealer == Sealer::You {
            (me, them)
        } else {
            (them, me)
        };
        let mut salt = Salt(blob[2..18].try_into().unwrap());
        assert_eq!(
            seal_for_paired(&key, &from, &to, &content(&case), &mut salt).unwrap(),
            blob,
            "{name}: sealed again"
        );
        // No contact-key mode reads it, whatever key is tried.
        assert_eq!(
            open_from_contact(&blob, &key, Side::from_bytes([0; 16])),
            Err(BlobError::WrongMode),
            "{name}"
        );
        assert_eq!(
            blob::open_with_contact_key(&blob, &key),
            Err(BlobError::WrongMode),
            "{name}"
        );
    }
    for case in family(&v, "blob_rejects") {
        let name = text(&case, "name");
        let key = ContactKey::from_bytes(array(hex_field(&case, "pair_key")));
        let expected = match text(&case, "error").as_str() {
            "authentication" => BlobError::Authentication,
            "wrong_mode" => BlobError::WrongMode,
            "contents" => BlobError::Contents,
            "header" => BlobError::Header,
            other => panic!("unknown error {other}"),
        };
        assert_eq!(
            open_from_paired(
                &hex_field(&case, "blob"),
                &key,
                &array(hex_field(&case, "me")),
                &array(hex_field(&case, "them"))
            ),
            Err(expected),
            "{name}"
        );
    }
}

/// The journey: Ana and Ben pair by reading each other's codes, each derives the pair key with
/// their own X25519 key, Ana seals for Ben; Ben reads it as Ana's, Ana reads it as her own, and
/// Cy, paired with Ana too, opens nothing.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn two_people_pair_and_a_third_reads_nothing() {
    let v = vectors();
    let (ana, ben, cy) = (person(&v, "ana"), person(&v, "ben"), person(&v, "cy"));
    let read = |keys: &IdentityKeys, name: &str| {
        let code = PairingCode {
            identity: keys.public(),
            name: name.into(),
        };
        let Ok(QrText::Pairing(read)) = parse_qr_text(&code.text()) else {
            panic!("not read back");
        };
        read
    };
    let paired = |own: &IdentityKeys, code: &PairingCode| PairedContact {
        name: code.name.clone(),
        ik: *code.identity.ik(),
        key: pair_key(
            &own.agree(code.identity.xk()).unwrap(),
            own.public().ik(),
            code.identity.ik(),
        )
        .unwrap(),
    };
    let at_ana = [
        paired(&ana, &read(&ben, "Ben")),
        paired(&ana, &read(&cy, "Cy")),
    ];
    let at_ben = [paired(&ben, &read(&ana, "Ana"))];
    let at_cy = [paired(&cy, &read(&ana, "Ana"))];

    let message = BlobContent::Text("the key is under the mat".into());
    let mut salt = Salt([7; 16]);
    let sealed = seal_for_paired(
        &at_ana[0].key,
        ana.public().ik(),
        ben.public().ik(),
        &message,
        &mut salt,
    )
    .unwrap();

    let opened = contact_book::open_paired(&sealed, &at_ben, ben.public().ik()).unwrap();
    assert_eq!(
        (opened.contact.as_str(), opened.sealer, opened.identity),
        ("Ana", Sealer::Contact, Some(*ana.public().ik()))
    );
    assert_eq!(opened.content, message);
    let mine = contact_book::open_paired(&sealed, &at_ana, ana.public().ik()).unwrap();
    assert_eq!((mine.contact.as_str(), mine.sealer), ("Ben", Sealer::You));
    assert_eq!(
        contact_book::open_paired(&sealed, &at_cy, cy.public().ik()),
        None
    );
}
