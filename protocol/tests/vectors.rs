//! The shared known-answer vectors (`testdata/cutout-v1.json`, computed by an independent
//! implementation from PROTOCOL.md), one data-driven `check` per family.
//!
//! The same code runs natively (`cargo test`) and in wasm (`wasm-bindgen-test`): the vectors are
//! compiled in with `include_str!`, so no file system is needed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::CountingKdf;
use common::json::{array, hex, hex_field, text};
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
    assert_eq!(
        keys.message_key_bytes(alice).to_vec(),
        hex_field(k, "k_msg_alice")
    );
    assert_eq!(
        keys.message_key_bytes(bob).to_vec(),
        hex_field(k, "k_msg_bob")
    );
    assert_eq!(
        keys.file_key_bytes(alice, file).to_vec(),
        hex_field(k, "k_file_alice_file_id")
    );
    assert_eq!(keys.check_bytes().to_vec(), hex_field(k, "check_bytes"));
    assert_eq!(keys.check_code().to_string(), text(k, "check_code_text"));
    assert_eq!(
        room(k, "other_room_secret").room_id().0.to_vec(),
        hex_field(k, "other_room_id")
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn invite_fragment_matches_vectors() {
    let v = vectors();
    let k = &v["keys"];
    let secret = RoomSecret::from_bytes(array(hex_field(k, "room_secret")));
    let fragment = text(k, "invite_fragment_text");
    assert_eq!(invite_fragment(&secret), fragment);
    assert_eq!(
        parse_invite_fragment(&fragment).unwrap().as_bytes(),
        secret.as_bytes()
    );
}

fn envelope_body(case: &Value) -> Vec<u8> {
    match case["body_text"].as_str() {
        Some(body) => body.as_bytes().to_vec(),
        None => hex_field(case, "body_hex"),
    }
}

fn open_once(
    keys: &RoomKeys,
    bytes: &[u8],
    window: &mut ReplayWindow,
) -> Option<(Kind, u64, Vec<u8>)> {
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
    assert_eq!(
        open_once(&keys, &hex_field(case, "envelope"), &mut window),
        None,
        "{name}"
    );
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
    assert_eq!(
        open_once(&keys, &bytes, &mut window),
        None,
        "{}",
        text(&v["envelopes"], "replay_rule")
    );
}

/// The repository's copy of the vectors must stay byte-identical to the shared original.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn vector_copy_matches_shared_original() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/vectors/cutout-v1.json");
    match std::fs::read(&shared) {
        Ok(original) => assert!(
            original == VECTORS.as_bytes(),
            "testdata/cutout-v1.json differs from {}",
            shared.display()
        ),
        Err(_) => println!("skipped: {} not found; compared nothing", shared.display()),
    }
}

// ---------------------------------------------------------------- file streams (B.4)

use protocol::MemberId;
use protocol::body::FileOffer;
use protocol::stream_receive::{ChunkOutcome, FileReceiver};

const ALICE_MEMBER: MemberId = MemberId(7);

fn stream_offer(offer: &Value, file_id: FileId) -> FileOffer {
    FileOffer {
        file_id,
        name: "vector.bin".into(),
        mime: "application/octet-stream".into(),
        size: offer["size"].as_u64().unwrap(),
        chunk_size: offer["chunk_size"].as_u64().unwrap() as u32,
        n_chunks: offer["n_chunks"].as_u64().unwrap() as u32,
    }
}

/// Feeds `chunks` to a receiver that accepted `offer`; returns each frame's outcome.
fn feed(v: &Value, offer: &FileOffer, chunks: &[Value]) -> Vec<ChunkOutcome> {
    let fs = &v["file_stream"];
    let keys = room(&v["keys"], &text(fs, "room"));
    let sender = SenderId(array(hex_field(&v["keys"], &text(fs, "sender"))));
    let mut receiver = FileReceiver::default();
    receiver
        .accept(&keys, ALICE_MEMBER, sender, offer, u64::MAX)
        .unwrap();
    chunks
        .iter()
        .map(|chunk| receiver.receive(&keys.room_id(), ALICE_MEMBER, &hex(chunk.as_str().unwrap())))
        .collect()
}

/// The file a receiver released: every chunk's bytes up to the Complete, and that frame's
/// position. Chunks of an aborted transfer are never released.
fn released(outcomes: &[ChunkOutcome]) -> Vec<(usize, Vec<u8>)> {
    let mut parts = Vec::new();
    let mut out = Vec::new();
    for (i, outcome) in outcomes.iter().enumerate() {
        match outcome {
            ChunkOutcome::Progress { bytes, .. } => parts.extend_from_slice(bytes),
            ChunkOutcome::Complete { bytes, file, .. } => {
                parts.extend_from_slice(bytes);
                assert_eq!(parts.len() as u64, file.size);
                out.push((i, std::mem::take(&mut parts)));
            }
            ChunkOutcome::Aborted { .. } => parts.clear(),
            ChunkOutcome::Dropped => {}
        }
    }
    out
}

fn first_abort(outcomes: &[ChunkOutcome]) -> Option<usize> {
    outcomes
        .iter()
        .position(|o| matches!(o, ChunkOutcome::Aborted { .. }))
}

/// Checks a must-reject stream case against its `expect` text. Its clauses, split by "; ",
/// each name one frame: "abort at frame N", "frame N is out of order: abort", "frame N belongs
/// to no accepted offer: dropped", "frame N dropped", "file released after frame N", or say
/// "nothing released".
fn check_rejected_stream(v: &Value, offer: &FileOffer, case: &Value) {
    let name = text(case, "name");
    let expect = text(case, "expect");
    let outcomes = feed(v, offer, case["chunks"].as_array().unwrap());
    let frame_number = |clause: &str| -> usize {
        let at = clause.find("frame ").unwrap() + "frame ".len();
        clause[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let mut abort = None;
    let mut release = None;
    for clause in expect.split("; ") {
        if clause.contains("abort") {
            abort = Some(frame_number(clause));
        } else if clause.contains("released after") {
            release = Some(frame_number(clause));
        } else if clause.contains("dropped") {
            assert_eq!(
                outcomes[frame_number(clause)],
                ChunkOutcome::Dropped,
                "{name}: {clause}"
            );
        } else {
            assert!(
                clause.contains("nothing released"),
                "{name}: unknown clause {clause}"
            );
        }
    }
    assert_eq!(first_abort(&outcomes), abort, "{name}: {outcomes:?}");
    match release {
        Some(frame) => assert_eq!(
            released(&outcomes),
            [(frame, hex_field(&v["file_stream"], "plaintext"))],
            "{name}"
        ),
        None => assert!(released(&outcomes).is_empty(), "{name}: {outcomes:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn file_streams_match_vectors() {
    let v = vectors();
    let fs = &v["file_stream"];
    let offer = stream_offer(&fs["offer"], FileId(array(hex_field(fs, "file_id"))));
    protocol::stream::validate_offer(&offer).unwrap();
    let outcomes = feed(&v, &offer, fs["chunks"].as_array().unwrap());
    assert_eq!(released(&outcomes), [(2, hex_field(fs, "plaintext"))]);

    let empty = &fs["empty_file"];
    let empty_offer = stream_offer(&empty["offer"], FileId(array(hex_field(empty, "file_id"))));
    let outcomes = feed(&v, &empty_offer, empty["chunks"].as_array().unwrap());
    assert_eq!(released(&outcomes), [(0, Vec::new())]);

    for case in fs["must_reject"].as_array().unwrap() {
        check_rejected_stream(&v, &offer, case);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn file_stream_sender_reproduces_vector_chunks() {
    let v = vectors();
    let fs = &v["file_stream"];
    let keys = room(&v["keys"], "room_secret");
    let alice = SenderId(array(hex_field(&v["keys"], "sender_id_alice")));
    let file_id = FileId(array(hex_field(fs, "file_id")));
    let plaintext = hex_field(fs, "plaintext");
    for (index, (chunk, expected)) in plaintext
        .chunks(16)
        .zip(fs["chunks"].as_array().unwrap())
        .enumerate()
    {
        let header = protocol::stream::ChunkHeader {
            sender: alice,
            file_id,
            index: index as u32,
            flags: u8::from(index == 2),
        };
        let frame = protocol::stream::seal_chunk(
            &keys.room_id(),
            &keys.file_key(alice, file_id),
            &header,
            chunk,
        )
        .unwrap();
        assert_eq!(frame, hex(expected.as_str().unwrap()), "chunk {index}");
    }
}

// ---------------------------------------------------------------- offline blobs (C.1, C.2)

use protocol::blob::{self, BlobContent, BlobError};
use protocol::contact::ContactKey;
use protocol::kdf::{Argon2Params, Argon2id, PasswordKdf};

/// The expected content of a valid blob, read from its name: "... text 'X'" or
/// "... file 'NAME' containing 'BYTES'".
fn expected_content(name: &str) -> BlobContent {
    let quoted: Vec<&str> = name.split('\'').skip(1).step_by(2).collect();
    if name.contains(" file '") {
        BlobContent::File {
            name: quoted[0].into(),
            bytes: quoted[1].as_bytes().to_vec(),
        }
    } else {
        BlobContent::Text(quoted.last().unwrap().to_string())
    }
}

fn open_blob(
    offline: &Value,
    case: &Value,
    kdf: &mut CountingKdf,
) -> Result<BlobContent, BlobError> {
    let bytes = hex_field(case, "blob");
    if bytes.get(1) == Some(&0x02) {
        let key = case.get("contact_key").map_or_else(
            || hex_field(offline, "contact_key"),
            |_| hex_field(case, "contact_key"),
        );
        return blob::open_with_contact_key(&bytes, &ContactKey::from_bytes(array(key)));
    }
    let passphrase = match (case.get("passphrase_nfd_hex"), case.get("passphrase_text")) {
        (Some(_), _) => String::from_utf8(hex_field(case, "passphrase_nfd_hex")).unwrap(),
        (None, Some(_)) => text(case, "passphrase_text"),
        (None, None) => text(offline, "passphrase_text"),
    };
    blob::open_with_passphrase(&bytes, &passphrase, kdf)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn offline_blobs_match_vectors() {
    let v = vectors();
    let offline = &v["offline"];
    for case in offline["valid"].as_array().unwrap() {
        let name = text(case, "name");
        let mut kdf = CountingKdf::default();
        assert_eq!(
            open_blob(offline, case, &mut kdf),
            Ok(expected_content(&name)),
            "{name}"
        );
        if let Some(qr) = case["qr_text"].as_str() {
            assert_eq!(
                protocol::qr_text::message_text(&hex_field(case, "blob")),
                qr,
                "{name}: qr text"
            );
            assert_eq!(
                protocol::qr_text::parse_qr_text(qr),
                Ok(protocol::qr_text::QrText::Message(hex_field(case, "blob"))),
                "{name}"
            );
        }
    }
    for case in offline["must_reject_before_kdf"].as_array().unwrap() {
        let name = text(case, "name");
        let mut kdf = CountingKdf::default();
        assert_eq!(
            open_blob(offline, case, &mut kdf),
            Err(BlobError::Header),
            "{name}"
        );
        assert_eq!(kdf.calls, 0, "{name}: Argon2 ran");
    }
    for case in offline["must_reject"].as_array().unwrap() {
        let name = text(case, "name");
        let result = open_blob(offline, case, &mut CountingKdf::default());
        assert!(
            matches!(result, Err(BlobError::Authentication | BlobError::Contents)),
            "{name}: {result:?}"
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn raw_argon2id_matches_vector() {
    let v = vectors();
    let offline = &v["offline"];
    let params = Argon2Params::new(14, 1, 1).unwrap();
    let raw = Argon2id
        .derive(
            text(offline, "passphrase_text").as_bytes(),
            &array(hex_field(offline, "salt")),
            params,
        )
        .unwrap();
    assert_eq!(raw.to_vec(), hex_field(offline, "argon2id_raw_m14_t1_p1"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn contact_pairing_matches_vectors() {
    let v = vectors();
    let offline = &v["offline"];
    let key = ContactKey::from_bytes(array(hex_field(offline, "contact_key")));
    assert_eq!(
        key.check_bytes().to_vec(),
        hex_field(offline, "contact_check_bytes")
    );
    assert_eq!(
        key.check_code().to_string(),
        text(offline, "contact_check_code_text")
    );
    let qr = text(offline, "pairing_qr_text");
    assert_eq!(protocol::qr_text::contact_key_text(&key), qr);
    assert_eq!(
        protocol::qr_text::parse_qr_text(&qr),
        Ok(protocol::qr_text::QrText::ContactKey(key))
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fountain_msg_id_matches_vector() {
    let v = vectors();
    let offline = &v["offline"];
    let default_blob = offline["valid"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| text(case, "name").contains("default profile"))
        .unwrap();
    assert_eq!(
        protocol::fountain::msg_id(&hex_field(default_blob, "blob")).to_vec(),
        hex_field(offline, "fountain_msg_id_of_default_blob")
    );
}

// ---------------------------------------------------------------- RFC 9106, RFC 9285

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rfc9106_argon2id_matches_vector() {
    let v = vectors();
    let r = &v["rfc9106_argon2id"];
    let ad = hex_field(r, "ad");
    let secret = hex_field(r, "secret");
    let params = argon2::ParamsBuilder::new()
        .m_cost(r["m_kib"].as_u64().unwrap() as u32)
        .t_cost(r["t"].as_u64().unwrap() as u32)
        .p_cost(r["p"].as_u64().unwrap() as u32)
        .data(argon2::AssociatedData::new(&ad).unwrap())
        .output_len(32)
        .build()
        .unwrap();
    let argon2 = argon2::Argon2::new_with_secret(
        &secret,
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        params,
    )
    .unwrap();
    let mut tag = [0u8; 32];
    argon2
        .hash_password_into(&hex_field(r, "password"), &hex_field(r, "salt"), &mut tag)
        .unwrap();
    assert_eq!(tag.to_vec(), hex_field(r, "tag"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rfc9285_base45_matches_vectors() {
    let v = vectors();
    for (input, encoded) in v["rfc9285_base45_text"].as_object().unwrap() {
        let encoded = encoded.as_str().unwrap();
        assert_eq!(
            protocol::base45::encode(input.as_bytes()),
            encoded,
            "{input}"
        );
        assert_eq!(
            protocol::base45::decode(encoded),
            Ok(input.as_bytes().to_vec()),
            "{input}"
        );
    }
}
