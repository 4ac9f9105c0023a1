//! The shared known-answer vectors (`testdata/cutout-v1.json`, computed by an independent
//! implementation from PROTOCOL.md), one data-driven `check` per family.
//!
//! The same code runs natively (`cargo test`) and in wasm (`wasm-bindgen-test`): the vectors are
//! compiled in with `include_str!`, so no file system is needed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use protocol::envelope::{Kind, SealedEnvelope};
use protocol::ids::{FileId, SenderId};
use protocol::invite::{invite_fragment, parse_invite_fragment};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::replay::ReplayWindow;
use protocol::session::SenderSession;
use serde_json::Value;

const VECTORS: &str = include_str!("../testdata/cutout-v1.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_field(value: &Value, key: &str) -> Vec<u8> {
    hex(value[key].as_str().unwrap_or_else(|| panic!("missing {key}")))
}

fn array<const N: usize>(bytes: Vec<u8>) -> [u8; N] {
    bytes.try_into().unwrap()
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_else(|| panic!("missing {key}")).to_string()
}

fn room(keys: &Value, name: &str) -> RoomKeys {
    RoomKeys::derive(&RoomSecret::from_bytes(array(hex_field(keys, name))))
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn key_schedule_matches_vectors() {
    let v = vectors();
    let k = &v["keys"];
    let keys = room(k, "room_secret");
    let alice = SenderId(array(hex_field(k, "sender_id_alice")));
    let bob = SenderId(array(hex_field(k, "sender_id_bob")));
    let file = FileId(array(hex_field(k, "file_id")));
    assert_eq!(keys.room_id().0.to_vec(), hex_field(k, "room_id"));
    assert_eq!(keys.message_key_bytes(alice).to_vec(), hex_field(k, "k_msg_alice"));
    assert_eq!(keys.message_key_bytes(bob).to_vec(), hex_field(k, "k_msg_bob"));
    assert_eq!(keys.file_key_bytes(alice, file).to_vec(), hex_field(k, "k_file_alice_file_id"));
    assert_eq!(keys.check_bytes().to_vec(), hex_field(k, "check_bytes"));
    assert_eq!(keys.check_code().to_string(), text(k, "check_code_text"));
    assert_eq!(room(k, "other_room_secret").room_id().0.to_vec(), hex_field(k, "other_room_id"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn invite_fragment_matches_vectors() {
    let v = vectors();
    let k = &v["keys"];
    let secret = RoomSecret::from_bytes(array(hex_field(k, "room_secret")));
    let fragment = text(k, "invite_fragment_text");
    assert_eq!(invite_fragment(&secret), fragment);
    assert_eq!(parse_invite_fragment(&fragment).unwrap().as_bytes(), secret.as_bytes());
}

fn envelope_body(case: &Value) -> Vec<u8> {
    match case["body_text"].as_str() {
        Some(body) => body.as_bytes().to_vec(),
        None => hex_field(case, "body_hex"),
    }
}

fn open_once(keys: &RoomKeys, bytes: &[u8], window: &mut ReplayWindow) -> Option<(Kind, u64, Vec<u8>)> {
    let sealed = SealedEnvelope::parse(bytes).ok()?;
    let header = *sealed.header();
    let key = keys.message_key(header.sender);
    let body = sealed.open(&keys.room_id(), &key, window).ok()?;
    Some((header.kind, header.seq, body))
}

fn check_valid_envelope(v: &Value, case: &Value) {
    let name = text(case, "name");
    let keys = room(&v["keys"], &text(case, "room"));
    let bytes = hex_field(case, "envelope");
    let body = envelope_body(case);
    let kind = Kind::from_code(case["kind"].as_u64().unwrap() as u8).unwrap();
    let seq = case["seq"].as_u64().unwrap();

    let opened = open_once(&keys, &bytes, &mut ReplayWindow::default());
    assert_eq!(opened, Some((kind, seq, body.clone())), "{name}: open");

    // Sealing the same body at the same seq reproduces the vector byte for byte.
    let sender = SenderId(array(bytes[2..18].to_vec()));
    let mut session = SenderSession::with_sender(&keys, sender);
    session.skip_to(seq);
    assert_eq!(session.seal(kind, &body).unwrap(), bytes, "{name}: seal");
}

fn check_rejected_envelope(v: &Value, case: &Value) {
    let name = text(case, "name");
    let keys = room(&v["keys"], &text(case, "room"));
    let mut window = ReplayWindow::default();
    let before = window.clone();
    assert_eq!(open_once(&keys, &hex_field(case, "envelope"), &mut window), None, "{name}");
    assert_eq!(window, before, "{name}: a failed open changed the window");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn envelopes_match_vectors() {
    let v = vectors();
    let envelopes = &v["envelopes"];
    for case in envelopes["valid"].as_array().unwrap() {
        check_valid_envelope(&v, case);
    }
    for case in envelopes["must_reject"].as_array().unwrap() {
        check_rejected_envelope(&v, case);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn replay_rule_rejects_second_open() {
    let v = vectors();
    let first = &v["envelopes"]["valid"][0];
    assert!(text(first, "name").starts_with("alice seq0"));
    let keys = room(&v["keys"], "room_secret");
    let bytes = hex_field(first, "envelope");
    let mut window = ReplayWindow::default();
    assert!(open_once(&keys, &bytes, &mut window).is_some());
    assert_eq!(open_once(&keys, &bytes, &mut window), None, "{}", text(&v["envelopes"], "replay_rule"));
}

/// The repository's copy of the vectors must stay byte-identical to the shared original.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn vector_copy_matches_shared_original() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/cutout-v1.json");
    match std::fs::read(&shared) {
        Ok(original) => assert!(original == VECTORS.as_bytes(), "testdata/cutout-v1.json differs from {}", shared.display()),
        Err(_) => println!("skipped: {} not found; compared nothing", shared.display()),
    }
}
