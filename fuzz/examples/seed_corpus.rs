//! Writes the seed corpus, `corpus/<target>/seed-*`, from the project's own encoders and the
//! shared vectors (`protocol/testdata/cutout-v1.json`):
//!
//! ```text
//! cargo +nightly run --example seed_corpus      # from fuzz/
//! ```
//!
//! Seeds are valid inputs (and the vectors' must-reject cases), so each target starts with its
//! happy path covered and the fuzzer spends its time on the edges. The fuzzer adds what it finds
//! next to them; `cargo fuzz cmin <target>` keeps the set small.
//!
//! One file over 500 lines on purpose: every target's seeds sit side by side, so a new
//! decoder's seeds are written beside the others from the same encoders.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

use protocol::blob::{self, BlobContent};
use protocol::body::{Body, Chat, FileCtrl, FileOffer, Presence};
use protocol::contact::ContactKey;
use protocol::entropy::Entropy;
use protocol::envelope::{Header, Kind, seal};
use protocol::fountain::FountainEncoder;
use protocol::ids::{Challenge, DeviceId, FileId, MsgId, SenderId};
use protocol::invite::invite_fragment;
use protocol::kdf::{Argon2Params, KdfError, PasswordKdf};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::qr_text;
use serde_json::Value;
use wire::{ClientFrame, ErrorCode, MemberId, RelayFrame, RoomId};
use zeroize::Zeroizing;

const VECTORS: &str = include_str!("../../protocol/testdata/cutout-v1.json");

/// The fake KDF of the `blob` target: one fixed key for every input.
struct FixedKdf;

impl PasswordKdf for FixedKdf {
    fn derive(
        &mut self,
        _password: &[u8],
        _salt: &[u8; 16],
        _params: Argon2Params,
    ) -> Result<Zeroizing<[u8; 32]>, KdfError> {
        Ok(Zeroizing::new([0x42; 32]))
    }
}

/// Deterministic bytes, so regenerating gives the same seeds.
struct Counter(u8);

impl Entropy for Counter {
    fn fill(&mut self, dest: &mut [u8]) {
        for byte in dest {
            *byte = self.0;
            self.0 = self.0.wrapping_add(1);
        }
    }
}

struct Corpus {
    dir: PathBuf,
}

impl Corpus {
    fn new(target: &str) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(target);
        fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    fn add(&self, name: &str, bytes: &[u8]) {
        let name: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        fs::write(self.dir.join(format!("seed-{name}")), bytes).unwrap();
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn hex_field(value: &Value, key: &str) -> Vec<u8> {
    hex(value[key].as_str().unwrap())
}

fn cases(value: &Value) -> &[Value] {
    value.as_array().unwrap()
}

fn name(case: &Value) -> &str {
    case["name"].as_str().unwrap()
}

fn vector_keys() -> RoomKeys {
    RoomKeys::derive(&RoomSecret::from_bytes(core::array::from_fn(|i| i as u8)))
}

fn wire_frames() {
    let corpus = Corpus::new("wire_frames");
    let room = RoomId(core::array::from_fn(|i| i as u8));
    let client = [
        ClientFrame::Join {
            version: wire::WIRE_VERSION,
            room,
        },
        ClientFrame::Broadcast {
            payload: b"ciphertext",
        },
        ClientFrame::SendTo {
            to: MemberId(7),
            payload: b"ciphertext",
        },
        ClientFrame::Ping { nonce: 0xdead_beef },
    ];
    for frame in client {
        corpus.add(&format!("client-{:?}", frame.frame_type()), &frame.encode());
    }
    let members = [MemberId(2), MemberId(3), MemberId(0xffff_ffff)];
    let mut relay = vec![
        RelayFrame::Welcome {
            your_id: MemberId(1),
            max_payload: 131_072,
            members: Cow::Borrowed(&members),
        },
        RelayFrame::Deliver {
            from: MemberId(7),
            payload: b"ciphertext",
        },
        RelayFrame::Joined(MemberId(4)),
        RelayFrame::Left(MemberId(4)),
        RelayFrame::Pong { nonce: 0xdead_beef },
    ];
    relay.extend(ErrorCode::ALL.map(RelayFrame::Error));
    for (i, frame) in relay.iter().enumerate() {
        corpus.add(
            &format!("relay-{i}-{:?}", frame.frame_type()),
            &frame.encode().unwrap(),
        );
    }
}

fn bodies() -> Vec<(&'static str, Kind, Vec<u8>)> {
    let file_id = FileId([0xf0; 16]);
    let presence = [
        Presence::Join {
            challenge: Challenge([1; 16]),
            name: "alice".into(),
            device_id: DeviceId([2; 16]),
            ts_ms: 1_700_000_000_000,
            member_id: 7,
        },
        Presence::Here {
            echo: Challenge([1; 16]),
            challenge: Challenge([3; 16]),
            name: "bob".into(),
            device_id: DeviceId([4; 16]),
            ts_ms: 1_700_000_000_001,
            member_id: 8,
        },
        Presence::Ack {
            echo: Challenge([3; 16]),
        },
        Presence::Heartbeat { ts_ms: 300 },
        Presence::Leave,
        // v2 (docs/PROTOCOL.md I.3): the signed forms, with certificate and signature of the
        // right lengths (their contents are checked by the room, not by decoding).
        Presence::SignedJoin {
            challenge: Challenge([1; 16]),
            name: "alice".into(),
            device_id: DeviceId([2; 16]),
            ts_ms: 1_700_000_000_000,
            member_id: 7,
            cert: vec![0xce; 224],
            signature: vec![0x51; 64],
        },
        Presence::SignedHere {
            echo: Challenge([1; 16]),
            challenge: Challenge([3; 16]),
            name: "bob".into(),
            device_id: DeviceId([4; 16]),
            ts_ms: 1_700_000_000_001,
            member_id: 8,
            cert: vec![0xce; 224],
            signature: vec![0x51; 64],
        },
        Presence::SignedAck {
            echo: Challenge([3; 16]),
            signature: vec![0x51; 64],
        },
    ];
    let ctrl = [
        FileCtrl::Accept { file_id },
        FileCtrl::Decline { file_id },
        FileCtrl::Cancel { file_id },
        FileCtrl::Ack {
            file_id,
            next_index: 4,
        },
    ];
    let mut out: Vec<_> = presence
        .iter()
        .map(|p| ("presence", Kind::Presence, p.encode().unwrap()))
        .collect();
    out.extend(
        ctrl.iter()
            .map(|c| ("file-ctrl", Kind::FileCtrl, c.encode().unwrap())),
    );
    let chat = Chat {
        msg_id: MsgId([5; 16]),
        sent_at_ms: 1_700_000_000_002,
        text: "hello, room".into(),
    };
    out.push(("chat", Kind::Chat, chat.encode().unwrap()));
    let offer = FileOffer {
        file_id,
        name: "../photo\u{202e}gnp.exe".into(),
        mime: "image/png".into(),
        size: 100_000,
        chunk_size: 65_536,
        n_chunks: 2,
    };
    out.push(("file-offer", Kind::FileOffer, offer.encode().unwrap()));
    out
}

fn body_and_envelope(v: &Value) {
    let body_corpus = Corpus::new("body");
    let envelope_corpus = Corpus::new("envelope");
    let keys = vector_keys();
    let sender = SenderId(hex_field(&v["keys"], "sender_id_alice").try_into().unwrap());
    for (seq, (label, kind, body)) in bodies().into_iter().enumerate() {
        body_corpus.add(&format!("{label}-{seq}"), &body);
        let header = Header {
            kind,
            sender,
            seq: seq as u64,
        };
        let sealed = seal(&keys.room_id(), &keys.message_key(sender), &header, &body).unwrap();
        envelope_corpus.add(&format!("{label}-{seq}"), &sealed);
    }
    let envelopes = &v["envelopes"];
    for case in cases(&envelopes["valid"])
        .iter()
        .chain(cases(&envelopes["must_reject"]))
    {
        envelope_corpus.add(
            &format!("vector-{}", name(case)),
            &hex_field(case, "envelope"),
        );
    }
}

fn chunk_frames(v: &Value) {
    let corpus = Corpus::new("chunk_frame");
    let fs = &v["file_stream"];
    for (i, chunk) in cases(&fs["chunks"]).iter().enumerate() {
        corpus.add(&format!("vector-chunk-{i}"), &hex(chunk.as_str().unwrap()));
    }
    corpus.add(
        "vector-empty-file",
        &hex(fs["empty_file"]["chunks"][0].as_str().unwrap()),
    );
    for case in cases(&fs["must_reject"]) {
        for (i, chunk) in cases(&case["chunks"]).iter().enumerate() {
            corpus.add(
                &format!("vector-{}-{i}", name(case)),
                &hex(chunk.as_str().unwrap()),
            );
        }
    }
}

fn blobs(v: &Value) {
    let corpus = Corpus::new("blob");
    let offline = &v["offline"];
    for family in ["valid", "must_reject_before_kdf", "must_reject"] {
        for case in cases(&offline[family]) {
            corpus.add(&format!("vector-{}", name(case)), &hex_field(case, "blob"));
        }
    }
    let contents = [
        BlobContent::Text("meet at 6pm".into()),
        BlobContent::File {
            name: "notes.txt".into(),
            bytes: b"bring the map".to_vec(),
        },
        BlobContent::File {
            name: String::new(),
            bytes: Vec::new(),
        },
    ];
    let contact = ContactKey::from_bytes(hex_field(offline, "contact_key").try_into().unwrap());
    let mut entropy = Counter(0);
    for (i, content) in contents.iter().enumerate() {
        let sealed = blob::seal_with_passphrase(
            "correct horse battery staple",
            Argon2Params::new(14, 1, 1).unwrap(),
            content,
            &mut entropy,
            &mut FixedKdf,
        )
        .unwrap();
        corpus.add(&format!("fixed-kdf-{i}"), &sealed);
        let sealed = blob::seal_with_contact_key(&contact, content, &mut entropy).unwrap();
        corpus.add(&format!("contact-{i}"), &sealed);
        // Mode 0x82, sealed here (the fuzz target's own side) and by the other side.
        for (who, side) in [("own", [0x5a; 16]), ("other", [0xa5; 16])] {
            let side = protocol::contact::Side::from_bytes(side);
            let sealed = blob::seal_for_contact(&contact, side, content, &mut entropy).unwrap();
            corpus.add(&format!("contact-sided-{who}-{i}"), &sealed);
        }
        // Mode 0xC2 under the same key as a pair key, from the contact and from this device
        // (the fuzz target's ME and THEM).
        for (who, sealer, recipient) in [("them", [0x22; 32], [0x11; 32]), ("me", [0x11; 32], [0x22; 32])] {
            let sealed =
                blob::seal_for_paired(&contact, &sealer, &recipient, content, &mut entropy)
                    .unwrap();
            corpus.add(&format!("paired-from-{who}-{i}"), &sealed);
        }
    }
}

fn qr_texts(v: &Value) {
    let corpus = Corpus::new("qr_text");
    let offline = &v["offline"];
    for case in cases(&offline["valid"]) {
        if let Some(text) = case["qr_text"].as_str() {
            corpus.add(&format!("vector-{}", name(case)), text.as_bytes());
        }
    }
    corpus.add(
        "vector-pairing",
        offline["pairing_qr_text"].as_str().unwrap().as_bytes(),
    );
    // A pairing code (docs/PROTOCOL.md I.6) and a verification code (I.5).
    let identity = protocol::identity::IdentityKeys::from_seeds(&[1; 32], &[2; 32]);
    let public = protocol::identity::IdentitySigner::public(&identity);
    let pairing = protocol::identity::pairing::PairingCode {
        identity: public,
        name: "Ana".into(),
    };
    corpus.add("pairing-ct2p", pairing.text().as_bytes());
    let verification = protocol::identity::safety::VerificationCode {
        shown: *public.ik(),
        seen: [9; 32],
    };
    corpus.add("verification-ct2v", verification.text().as_bytes());
    let invite = v["keys"]["invite_fragment_text"].as_str().unwrap();
    corpus.add(
        "invite-url",
        format!("https://192.0.2.1:8443/{invite}").as_bytes(),
    );
    let encoder = FountainEncoder::new(&[7; 100], 64).unwrap();
    corpus.add(
        "fountain-frame",
        qr_text::fountain_frame_text(&encoder.frame(0)).as_bytes(),
    );
    for (input, encoded) in v["rfc9285_base45_text"].as_object().unwrap() {
        corpus.add(
            &format!("rfc9285-{input}"),
            encoded.as_str().unwrap().as_bytes(),
        );
    }
}

/// The `fountain` target's layout: a frame count, then u16-length-prefixed frames.
fn fountain_input(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![u8::try_from(frames.len()).unwrap()];
    for frame in frames {
        out.extend_from_slice(&u16::try_from(frame.len()).unwrap().to_be_bytes());
        out.extend_from_slice(frame);
    }
    out
}

fn fountain(v: &Value) {
    let corpus = Corpus::new("fountain");
    let default_blob = cases(&v["offline"]["valid"])
        .iter()
        .find(|case| name(case).contains("default profile"))
        .map(|case| hex_field(case, "blob"))
        .unwrap();
    corpus.add(
        "vector-default-blob",
        &fountain_input(&[FountainEncoder::new(&default_blob, 64).unwrap().frame(0)]),
    );

    // Five source symbols of 64 bytes.
    let blob: Vec<u8> = (0..300u32).map(|i| (i * 7) as u8).collect();
    let encoder = FountainEncoder::new(&blob, 64).unwrap();
    let k = encoder.source_symbols();
    let source: Vec<_> = (0..k).map(|esi| encoder.frame(esi)).collect();
    corpus.add("source-symbols", &fountain_input(&source));
    let repair: Vec<_> = (k..2 * k + 2).map(|esi| encoder.frame(esi)).collect();
    corpus.add("repair-symbols", &fountain_input(&repair));

    let small = FountainEncoder::new(b"one symbol", 64).unwrap();
    corpus.add("one-symbol", &fountain_input(&[small.frame(0)]));
    let mut duplicate = small.frame(5);
    corpus.add(
        "duplicate",
        &fountain_input(&[duplicate.clone(), duplicate.clone()]),
    );

    // A second message in the middle (Foreign), then the first one's header with another
    // symbol size (Inconsistent).
    let wider = FountainEncoder::new(&blob, 128).unwrap();
    corpus.add(
        "foreign-and-inconsistent",
        &fountain_input(&[
            source[0].clone(),
            small.frame(0),
            wider.frame(1),
            source[1].clone(),
        ]),
    );
    // A corrupted symbol: reconstruction gives bytes whose hash is not the msg_id.
    duplicate[20] ^= 1;
    corpus.add("corrupt", &fountain_input(&[duplicate]));
}

fn invites(v: &Value) {
    let corpus = Corpus::new("invite");
    corpus.add(
        "vector",
        v["keys"]["invite_fragment_text"]
            .as_str()
            .unwrap()
            .as_bytes(),
    );
    corpus.add(
        "ff",
        invite_fragment(&RoomSecret::from_bytes([0xff; 32])).as_bytes(),
    );
    corpus.add(
        "non-canonical",
        b"#r1.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",
    );
}

fn main() {
    let v: Value = serde_json::from_str(VECTORS).unwrap();
    wire_frames();
    body_and_envelope(&v);
    chunk_frames(&v);
    blobs(&v);
    qr_texts(&v);
    fountain(&v);
    invites(&v);
    relay_member();
    qr_images();
}

/// `qr_image` seeds: width − 1, height − 1, then the pixels. A version 1 and a version 2 code
/// at 3 pixels a module in a grey margin, one of them light on dark, and a flat picture.
fn qr_images() {
    let corpus = Corpus::new("qr_image");
    let picture = |text: &[u8], inverted: bool| {
        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).unwrap();
        let (modules, scale, margin) = (code.width(), 3, 10);
        let side = (modules + 8) * scale + 2 * margin;
        let colors = code.to_colors();
        let mut input = vec![u8::try_from(side - 1).unwrap(); 2];
        for y in 0..side {
            for x in 0..side {
                let inside = |c: usize| c >= margin && c < side - margin;
                let module = |c: usize| (c - margin) / scale;
                let dark = inside(x) && inside(y) && {
                    let (mx, my) = (module(x), module(y));
                    (4..modules + 4).contains(&mx)
                        && (4..modules + 4).contains(&my)
                        && colors[(my - 4) * modules + mx - 4] == qrcode::Color::Dark
                };
                let light = if inside(x) && inside(y) { 235 } else { 150 };
                let value = if dark { 20 } else { light };
                input.push(if inverted { 255 - value } else { value });
            }
        }
        input
    };
    corpus.add("v1", &picture(b"CT1K:seed", false));
    corpus.add(
        "v2-inverted",
        &picture(b"http://192.168.1.20:8080/#r1.seed", true),
    );
    corpus.add("flat", &[63, 47, 128]);
}

/// One operation of the `relay_member` target: a header byte, then for kinds with bytes a u16
/// little-endian length and the bytes.
fn op(input: &mut Vec<u8>, member: u8, kind: u8, bytes: &[u8]) {
    input.push(member | kind << 2);
    if !matches!(kind, 4 | 6) {
        input.extend_from_slice(&u16::try_from(bytes.len()).unwrap().to_le_bytes());
        input.extend_from_slice(bytes);
    }
}

/// A client's masked binary WebSocket frame (RFC 6455 5.2), for the raw member.
fn masked(payload: &[u8]) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut frame = vec![0x82];
    match payload.len() {
        n @ 0..=125 => frame.push(0x80 | n as u8),
        n => {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
        }
    }
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    frame
}

fn relay_member() {
    const BINARY: u8 = 0;
    const TEXT: u8 = 2;
    const SEND_TO: u8 = 3;
    const CLOSE: u8 = 4;
    const WAIT: u8 = 5;
    const JOIN: u8 = 6;
    const PING: u8 = 7;
    let corpus = Corpus::new("relay_member");
    let broadcast = |payload: &[u8]| ClientFrame::Broadcast { payload }.encode();
    let join = ClientFrame::Join {
        version: wire::WIRE_VERSION,
        room: RoomId([7; 16]),
    }
    .encode();

    let mut chat = Vec::new();
    for member in 0..3 {
        op(&mut chat, member, JOIN, &[]);
    }
    op(&mut chat, 0, BINARY, &broadcast(b"hello"));
    op(&mut chat, 1, SEND_TO, b"\x00to member 0");
    op(&mut chat, 2, PING, &[0, 0, 0, 9]);
    op(&mut chat, 0, CLOSE, &[]);
    op(&mut chat, 1, BINARY, &broadcast(b"after 0 left"));
    corpus.add("chat", &chat);

    let mut raw = Vec::new();
    op(&mut raw, 0, JOIN, &[]);
    op(&mut raw, 3, BINARY, &masked(&join));
    op(
        &mut raw,
        3,
        BINARY,
        &masked(&broadcast(b"from the raw member")),
    );
    op(
        &mut raw,
        3,
        BINARY,
        &masked(&ClientFrame::Ping { nonce: 1 }.encode()),
    );
    op(&mut raw, 0, BINARY, &broadcast(b"to the raw member"));
    corpus.add("raw", &raw);

    // Alone in its own room, the raw member gets nothing to write: only noticing the end of
    // its socket ends its task.
    let mut alone = Vec::new();
    let other_room = ClientFrame::Join {
        version: wire::WIRE_VERSION,
        room: RoomId([8; 16]),
    }
    .encode();
    op(&mut alone, 3, BINARY, &masked(&other_room));
    op(&mut alone, 3, BINARY, &masked(&broadcast(b"to no one")));
    op(&mut alone, 3, CLOSE, &[]);
    corpus.add("raw-alone", &alone);

    let mut refused = Vec::new();
    op(&mut refused, 0, TEXT, b"text");
    op(&mut refused, 1, JOIN, &[]);
    op(&mut refused, 1, JOIN, &[]);
    let mut old = join.clone();
    old[1] = wire::WIRE_VERSION + 1;
    op(&mut refused, 2, BINARY, &old);
    op(&mut refused, 3, BINARY, &masked(&[0x7f, 1, 2]));
    corpus.add("refused", &refused);

    let mut large = Vec::new();
    op(&mut large, 0, JOIN, &[]);
    op(&mut large, 1, JOIN, &[]);
    op(&mut large, 0, BINARY, &broadcast(&[0xab; 513]));
    op(&mut large, 1, BINARY, &broadcast(&[0xcd; 512]));
    corpus.add("large", &large);

    let mut flood = Vec::new();
    op(&mut flood, 0, JOIN, &[]);
    op(&mut flood, 1, JOIN, &[]);
    for i in 0..24u8 {
        op(&mut flood, 0, BINARY, &broadcast(&[i; 300]));
    }
    op(&mut flood, 1, WAIT, &[8]);
    corpus.add("flood", &flood);

    let mut silent = Vec::new();
    op(&mut silent, 0, WAIT, &[]);
    op(&mut silent, 1, JOIN, &[]);
    op(&mut silent, 1, WAIT, &[255]);
    corpus.add("silent", &silent);
}
