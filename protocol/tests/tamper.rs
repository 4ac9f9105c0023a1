//! Tampering beyond the vectors (RustCrypto style): every single-bit flip of a sealed envelope,
//! a chunk frame and an offline blob is rejected, and a failed open changes no state.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use protocol::MemberId;
use protocol::blob::{self, BlobContent};
use protocol::body::FileOffer;
use protocol::contact::{ContactKey, Side};
use protocol::envelope::{Kind, SealedEnvelope};
use protocol::ids::{FileId, SenderId};
use protocol::kdf::{Argon2Params, KdfError, PasswordKdf};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::replay::ReplayWindow;
use protocol::session::SenderSession;
use protocol::stream::{ChunkHeader, seal_chunk};
use protocol::stream_receive::{ChunkOutcome, FileReceiver};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

fn flips(bytes: &[u8]) -> impl Iterator<Item = Vec<u8>> + '_ {
    (0..bytes.len() * 8).map(move |bit| {
        let mut flipped = bytes.to_vec();
        flipped[bit / 8] ^= 1 << (bit % 8);
        flipped
    })
}

fn keys() -> RoomKeys {
    RoomKeys::derive(&RoomSecret::from_bytes([5; 32]))
}

#[test]
fn every_bit_flip_of_an_envelope_is_rejected() {
    let keys = keys();
    let sender = SenderId([0xa0; 16]);
    let mut session = SenderSession::with_sender(&keys, sender);
    session.skip_to(41);
    for body in [&b""[..], b"hello", &[0x80; 255], &[0u8; 300]] {
        let sealed = session.seal(Kind::Chat, body).unwrap();
        let mut window = ReplayWindow::default();
        for tampered in flips(&sealed) {
            let before = window.clone();
            let opened = SealedEnvelope::parse(&tampered).and_then(|envelope| {
                let key = keys.message_key(envelope.header().sender);
                envelope.open(&keys.room_id(), &key, &mut window)
            });
            assert!(opened.is_err());
            assert_eq!(window, before, "a rejected envelope changed the window");
        }
        let envelope = SealedEnvelope::parse(&sealed).unwrap();
        let opened = envelope.open(&keys.room_id(), &keys.message_key(sender), &mut window);
        assert_eq!(
            opened.as_deref(),
            Ok(body),
            "the untouched envelope still opens"
        );
    }
}

#[test]
fn sender_refuses_the_last_sequence_number() {
    let keys = keys();
    let mut session = SenderSession::with_sender(&keys, SenderId([1; 16]));
    session.skip_to(u64::MAX - 1);
    assert!(session.seal(Kind::Chat, b"last").is_ok());
    assert_eq!(
        session.seal(Kind::Chat, b"one more"),
        Err(protocol::envelope::SealError::SeqExhausted)
    );
    assert_eq!(session.next_seq(), u64::MAX);
}

#[test]
fn every_bit_flip_of_a_chunk_frame_is_rejected() {
    let keys = keys();
    let sender = SenderId([0xa0; 16]);
    let file_id = FileId([0xf0; 16]);
    let header = ChunkHeader {
        sender,
        file_id,
        index: 0,
        flags: 1,
    };
    let frame = seal_chunk(
        &keys.room_id(),
        &keys.file_key(sender, file_id),
        &header,
        b"tiny file",
    )
    .unwrap();
    let offer = FileOffer {
        file_id,
        name: "t".into(),
        mime: "text/plain".into(),
        size: 9,
        chunk_size: 16,
        n_chunks: 1,
    };
    for tampered in flips(&frame) {
        let mut receiver = FileReceiver::default();
        receiver
            .accept(&keys, MemberId(1), sender, &offer, 1 << 20)
            .unwrap();
        let outcome = receiver.receive(&keys.room_id(), MemberId(1), &tampered);
        assert!(
            matches!(
                outcome,
                ChunkOutcome::Aborted { .. } | ChunkOutcome::Dropped
            ),
            "{outcome:?}"
        );
    }
}

/// A fast stand-in for Argon2id: tamper tests need thousands of opens, and the header binding
/// they check does not depend on which password hash is used.
struct HashKdf;

impl PasswordKdf for HashKdf {
    fn derive(
        &mut self,
        password: &[u8],
        salt: &[u8; 16],
        params: Argon2Params,
    ) -> Result<Zeroizing<[u8; 32]>, KdfError> {
        let mut hash = Sha256::new();
        hash.update(password);
        hash.update(salt);
        hash.update([params.m_log2(), params.t(), params.p()]);
        Ok(Zeroizing::new(hash.finalize().into()))
    }
}

#[test]
fn every_bit_flip_of_a_contact_blob_is_rejected() {
    let key = ContactKey::from_bytes([0xc0; 32]);
    let mut entropy = SeededEntropy::new(1);
    for content in [
        BlobContent::Text("meet at 6pm".into()),
        BlobContent::File {
            name: "note.txt".into(),
            bytes: b"hi".to_vec(),
        },
    ] {
        let sealed = blob::seal_with_contact_key(&key, &content, &mut entropy).unwrap();
        assert_eq!(blob::open_with_contact_key(&sealed, &key), Ok(content));
        for tampered in flips(&sealed) {
            assert!(blob::open_with_contact_key(&tampered, &key).is_err());
        }
    }
}

#[test]
fn every_bit_flip_of_a_contact_blob_with_its_sealers_side_is_rejected() {
    let key = ContactKey::from_bytes([0xc0; 32]);
    let own = Side::from_bytes([0x5a; 16]);
    let content = BlobContent::Text("meet at 6pm".into());
    let sealed = blob::seal_for_contact(&key, own, &content, &mut SeededEntropy::new(5)).unwrap();
    assert_eq!(
        blob::open_from_contact(&sealed, &key, own),
        Ok((content, blob::Sealer::You))
    );
    for tampered in flips(&sealed) {
        assert!(blob::open_from_contact(&tampered, &key, own).is_err());
    }
}

#[test]
fn every_bit_flip_of_a_passphrase_blob_is_rejected() {
    let content = BlobContent::Text("meet at 6pm".into());
    let mut entropy = SeededEntropy::new(2);
    let sealed = blob::seal_with_passphrase(
        "pass phrase",
        Argon2Params::LIGHT,
        &content,
        &mut entropy,
        &mut HashKdf,
    )
    .unwrap();
    assert_eq!(
        blob::open_with_passphrase(&sealed, "pass phrase", &mut HashKdf),
        Ok(content)
    );
    for tampered in flips(&sealed) {
        assert!(blob::open_with_passphrase(&tampered, "pass phrase", &mut HashKdf).is_err());
    }
}

#[test]
fn passphrase_blob_round_trips_with_real_argon2() {
    let content = BlobContent::File {
        name: "../secret.txt".into(),
        bytes: vec![1, 2, 3],
    };
    let params = Argon2Params::new(14, 1, 1).unwrap();
    let mut entropy = SeededEntropy::new(3);
    let sealed = blob::seal_with_passphrase(
        "cafe\u{301}",
        params,
        &content,
        &mut entropy,
        &mut protocol::kdf::Argon2id,
    )
    .unwrap();
    let opened = blob::open_with_passphrase(&sealed, "caf\u{e9}", &mut protocol::kdf::Argon2id);
    assert_eq!(
        opened,
        Ok(BlobContent::File {
            name: "_secret.txt".into(),
            bytes: vec![1, 2, 3]
        }),
        "NFC and name sanitising"
    );
}

#[test]
fn blob_of_the_other_mode_is_refused_without_kdf() {
    let key = ContactKey::from_bytes([1; 32]);
    let sealed = blob::seal_with_contact_key(
        &key,
        &BlobContent::Text("x".into()),
        &mut SeededEntropy::new(4),
    )
    .unwrap();
    struct Forbidden;
    impl PasswordKdf for Forbidden {
        fn derive(
            &mut self,
            _: &[u8],
            _: &[u8; 16],
            _: Argon2Params,
        ) -> Result<Zeroizing<[u8; 32]>, KdfError> {
            panic!("KDF must not run")
        }
    }
    assert_eq!(
        blob::open_with_passphrase(&sealed, "x", &mut Forbidden),
        Err(blob::BlobError::WrongMode)
    );
}
