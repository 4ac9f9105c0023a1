//! Contact codes that say who sealed them (blob mode 0x82, docs/PROTOCOL.md): the known-answer
//! vectors of `testdata/contact-sided.json`, written by an independent implementation
//! (`testdata/gen/contact_sided.py`, pyca/cryptography), checked by one function each; and the
//! journeys of two paired devices: a code shown back to the device that sealed it says so, the
//! other device reads it as the contact's, codes of earlier versions still open without naming a
//! sealer, and a contact saved before sides existed gets one and keeps it.
//!
//! The same code runs natively and in wasm (`wasm-bindgen-test`): the vectors are compiled in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{CountingKdf, SeededEntropy};
use protocol::blob::{
    self, BlobContent, BlobError, Sealer, open_from_contact, open_with_contact_key,
    seal_for_contact, seal_with_contact_key,
};
use protocol::contact::{ContactKey, Side};
use protocol::contact_book::{self, Contact, Opened};
use protocol::entropy::Entropy;
use protocol::hex;
use serde_json::Value;

const VECTORS: &str = include_str!("../testdata/contact-sided.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

fn field<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing {key} in {value}"))
}

fn bytes(value: &Value, key: &str) -> Vec<u8> {
    let text = field(value, key);
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn side(value: &Value, key: &str) -> Side {
    Side::from_bytes(bytes(value, key).try_into().unwrap())
}

fn key(value: &Value, key: &str) -> ContactKey {
    ContactKey::from_bytes(bytes(value, key).try_into().unwrap())
}

/// The content a valid case carries.
fn content(case: &Value) -> BlobContent {
    match case.get("text") {
        Some(_) => BlobContent::Text(field(case, "text").into()),
        None => BlobContent::File {
            name: field(case, "file_name").into(),
            bytes: bytes(case, "file_bytes"),
        },
    }
}

fn sealer(name: &str) -> Sealer {
    match name {
        "contact" => Sealer::Contact,
        "you" => Sealer::You,
        "either" => Sealer::EitherSide,
        other => panic!("unknown sealer {other}"),
    }
}

/// The salt of a blob: the salt `seal_for_contact` draws.
struct Salt([u8; 16]);

impl Entropy for Salt {
    fn fill(&mut self, dest: &mut [u8]) {
        dest.copy_from_slice(&self.0[..dest.len()]);
    }
}

/// One valid case: opened with `own_side`, it gives its content and sealer; sealing the same
/// content with the sealer's side and the blob's salt gives the same bytes.
fn check_valid(v: &Value, case: &Value) {
    let name = field(case, "name");
    let blob = bytes(case, "blob");
    let contact_key = key(v, "contact_key");
    let expected = sealer(field(case, "sealer"));
    assert_eq!(
        open_from_contact(&blob, &contact_key, side(case, "own_side")),
        Ok((content(case), expected)),
        "{name}"
    );
    let salt = Salt(blob[2..18].try_into().unwrap());
    if expected == Sealer::EitherSide {
        // Mode 0x02: what earlier versions sealed, and what `open_with_contact_key` reads.
        assert_eq!(
            open_with_contact_key(&blob, &contact_key),
            Ok(content(case))
        );
        let mut salt = salt;
        assert_eq!(
            seal_with_contact_key(&contact_key, &content(case), &mut salt).unwrap(),
            blob,
            "{name}: sealed again"
        );
        return;
    }
    // Whichever side opened it, the sealer's side is the one that gives "you".
    let sealers_side = if expected == Sealer::You {
        side(case, "own_side")
    } else if side(case, "own_side") == side(v, "side_a") {
        side(v, "side_b")
    } else if side(case, "own_side") == side(v, "side_b") {
        side(v, "side_a")
    } else {
        return; // a third side: nothing to seal again
    };
    let mut salt = salt;
    assert_eq!(
        seal_for_contact(&contact_key, sealers_side, &content(case), &mut salt).unwrap(),
        blob,
        "{name}: sealed again"
    );
    // Mode 0x82 is no mode 0x02 blob, nor a passphrase one, and no password KDF runs for it.
    assert_eq!(
        open_with_contact_key(&blob, &contact_key),
        Err(BlobError::WrongMode),
        "{name}"
    );
    let mut kdf = CountingKdf::default();
    assert_eq!(
        blob::open_with_passphrase(&blob, "correct horse battery staple", &mut kdf),
        Err(BlobError::WrongMode),
        "{name}"
    );
    assert_eq!(kdf.calls, 0, "{name}: Argon2 ran");
}

fn check_rejected(v: &Value, case: &Value, expected: BlobError) {
    let name = field(case, "name");
    let contact_key = case
        .get("contact_key")
        .map_or_else(|| key(v, "contact_key"), |_| key(case, "contact_key"));
    for own in [side(v, "side_a"), side(v, "side_b")] {
        assert_eq!(
            open_from_contact(&bytes(case, "blob"), &contact_key, own),
            Err(expected),
            "{name}"
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn contact_codes_match_the_vectors() {
    let v = vectors();
    let valid = v["valid"].as_array().unwrap();
    assert!(valid.iter().any(|c| field(c, "sealer") == "you"));
    for case in valid {
        check_valid(&v, case);
    }
    for case in v["must_reject_before_kdf"].as_array().unwrap() {
        check_rejected(&v, case, BlobError::Header);
        let mut kdf = CountingKdf::default();
        let opened = blob::open_with_passphrase(&bytes(case, "blob"), "x", &mut kdf);
        assert_eq!(opened, Err(BlobError::Header), "{}", field(case, "name"));
        assert_eq!(kdf.calls, 0);
    }
    for case in v["must_reject"].as_array().unwrap() {
        let expected = match field(case, "error") {
            "authentication" => BlobError::Authentication,
            "contents" => BlobError::Contents,
            other => panic!("unknown error class {other}"),
        };
        check_rejected(&v, case, expected);
    }
}

// ---------------------------------------------------------------- two paired devices

/// A and B paired with one key; each device keeps the other under a name, with its own side.
fn pair(seed: u64) -> (Vec<Contact>, Vec<Contact>) {
    let mut entropy = SeededEntropy::new(seed);
    let key = ContactKey::generate(&mut entropy);
    let on_a = Contact::paired("Ben".into(), key.clone(), &mut entropy);
    let on_b = Contact::paired("Ana".into(), key, &mut entropy);
    assert_ne!(on_a.side, on_b.side, "each device mints its own side");
    (vec![on_a], vec![on_b])
}

fn text(text: &str) -> BlobContent {
    BlobContent::Text(text.into())
}

/// What the app does to send: seal for the contact with this device's side.
fn seal_on(device: &[Contact], message: &str) -> Vec<u8> {
    let contact = &device[0];
    seal_for_contact(
        &contact.key,
        contact.side,
        &text(message),
        &mut SeededEntropy::new(99),
    )
    .unwrap()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_code_shown_back_to_the_device_that_sealed_it_says_so_never_from_the_contact() {
    let (a, b) = pair(1);
    let for_ana = seal_on(&b, "the door code is 4711");
    let reflected = contact_book::open(&for_ana, &b).expect("B's own key opens it");
    assert_eq!(
        reflected,
        Opened {
            content: text("the door code is 4711"),
            identity: None,
            contact: "Ana".into(),
            sealer: Sealer::You,
        },
        "B sealed it for Ana: shown back to B, it is B's own code"
    );
    let received = contact_book::open(&for_ana, &a).unwrap();
    assert_eq!(received.sealer, Sealer::Contact, "A reads it as from Ben");
    assert_eq!(received.contact, "Ben");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn each_side_reads_the_others_code_as_from_the_contact() {
    let (a, b) = pair(2);
    let from_ana = seal_on(&a, "hello Ben");
    assert_eq!(
        contact_book::open(&from_ana, &b),
        Some(Opened {
            content: text("hello Ben"),
            identity: None,
            contact: "Ana".into(),
            sealer: Sealer::Contact,
        })
    );
    assert_eq!(
        contact_book::open(&from_ana, &a).unwrap().sealer,
        Sealer::You
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn codes_of_earlier_versions_still_open_and_name_no_sealer() {
    let (a, b) = pair(3);
    let old =
        seal_with_contact_key(&b[0].key, &text("from 0.x"), &mut SeededEntropy::new(4)).unwrap();
    for device in [&a, &b] {
        let opened = contact_book::open(&old, device).unwrap();
        assert_eq!(opened.content, text("from 0.x"));
        assert_eq!(opened.sealer, Sealer::EitherSide);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_contact_saved_without_a_side_gets_one_keeps_it_and_keeps_working() {
    let mut entropy = SeededEntropy::new(5);
    let key = ContactKey::generate(&mut entropy);
    // What earlier versions stored: `hex(key) name`, and no sides at all.
    let stored = format!("{} Ana", hex::encode(key.as_bytes()));
    let old_code = seal_with_contact_key(&key, &text("sealed by 0.x"), &mut entropy).unwrap();

    let first = contact_book::read(&stored, "", &mut entropy);
    assert!(first.minted, "a side was minted: it must be written back");
    assert_eq!(first.contacts.len(), 1);
    let ana = &first.contacts[0];
    assert_eq!((ana.name.as_str(), &ana.key), ("Ana", &key));
    assert_eq!(
        contact_book::contacts_text(&first.contacts),
        stored,
        "the contacts text stays as earlier versions read it"
    );
    let sides = contact_book::sides_text(&first.contacts);

    let again = contact_book::read(&stored, &sides, &mut entropy);
    assert!(!again.minted);
    assert_eq!(again.contacts, first.contacts, "the side is kept");

    // Its earlier codes open as before, and its new ones know their sealer after a reload.
    let opened = contact_book::open(&old_code, &again.contacts).unwrap();
    assert_eq!(
        (opened.content, opened.sealer),
        (text("sealed by 0.x"), Sealer::EitherSide)
    );
    let own = seal_on(&first.contacts, "mine");
    let reloaded = contact_book::read(&stored, &sides, &mut entropy);
    assert_eq!(
        contact_book::open(&own, &reloaded.contacts).unwrap().sealer,
        Sealer::You
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_deleted_contact_takes_its_side_and_key_with_it() {
    let (mut on_a, _) = pair(6);
    let (more, _) = pair(7);
    on_a.extend(more);
    let gone = on_a.remove(0);
    let sides = contact_book::sides_text(&on_a);
    assert!(!sides.contains(&hex::encode(gone.key.as_bytes())));
    assert!(!sides.contains(&hex::encode(gone.side.as_bytes())));
    let read = contact_book::read(
        &contact_book::contacts_text(&on_a),
        &sides,
        &mut SeededEntropy::new(8),
    );
    assert_eq!(read.contacts, on_a);
    assert!(!read.minted);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn stored_lines_that_cannot_be_read_are_skipped() {
    let mut entropy = SeededEntropy::new(9);
    let key = ContactKey::generate(&mut entropy);
    let contacts = format!(
        "zz Nobody\n{} Ana\nno-space-here",
        hex::encode(key.as_bytes())
    );
    let sides = format!("{} not-hex\nshort 00", hex::encode(key.as_bytes()));
    let book = contact_book::read(&contacts, &sides, &mut entropy);
    assert_eq!(book.contacts.len(), 1);
    assert!(book.minted, "Ana's side could not be read: a fresh one");
}
