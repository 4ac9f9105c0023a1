//! Offline blobs (PROTOCOL.md C.1, and docs/PROTOCOL.md's modes 0x82 and 0xC2):
//! `BlobHeader::parse`, `open_with_contact_key`, `open_from_contact`, `open_from_paired` and
//! `open_with_passphrase` never panic, each opens only its own modes, and the password KDF is
//! reached only for a header that passed every check.
//!
//! Argon2id would cap the fuzzer at a few executions per second, so the passphrase path runs
//! with [`FixedKdf`], which derives one fixed key; the seed corpus's passphrase blobs are sealed
//! under that same fake KDF, so they authenticate and reach the content decoder. The contact
//! key is the vectors' (`offline.contact_key`), so their contact blobs open too; the corpus's
//! sided blobs carry [`OWN_SIDE`] or another side, so both readings are reached; its mode 0xC2
//! blobs are sealed under the same key as a pair key, between [`ME`] and [`THEM`], both ways.

#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::blob::{
    BlobContent, BlobError, BlobHeader, ContactMode, Sealer, open_from_contact, open_from_paired,
    open_with_contact_key, open_with_passphrase,
};
use protocol::contact::{ContactKey, Side};
use protocol::kdf::{Argon2Params, KdfError, PasswordKdf};
use zeroize::Zeroizing;

/// The passphrase of the vectors and of the seed corpus.
const PASSPHRASE: &str = "correct horse battery staple";
/// `offline.contact_key` of the vectors: c0 c1 … df.
const CONTACT_KEY: [u8; 32] = {
    let mut key = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        key[i] = 0xc0 + i as u8;
        i += 1;
    }
    key
};

/// This device's side, as the seed corpus seals with it.
const OWN_SIDE: [u8; 16] = [0x5a; 16];
/// The identity keys of the seed corpus's mode 0xC2 blobs: this device's and the contact's.
const ME: [u8; 32] = [0x11; 32];
const THEM: [u8; 32] = [0x22; 32];

/// A stand-in for Argon2id: the same 32 bytes for every input, counting its calls.
#[derive(Default)]
struct FixedKdf {
    calls: usize,
}

impl PasswordKdf for FixedKdf {
    fn derive(
        &mut self,
        _password: &[u8],
        _salt: &[u8; 16],
        _params: Argon2Params,
    ) -> Result<Zeroizing<[u8; 32]>, KdfError> {
        self.calls += 1;
        Ok(Zeroizing::new([0x42; 32]))
    }
}

fn check_content(content: &BlobContent) {
    if let BlobContent::File { name, .. } = content {
        assert!(!name.is_empty() && name.len() <= 255, "{name:?}");
        assert!(!name.contains(['/', '\\']), "unsanitised name {name:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let header = BlobHeader::parse(data);
    if let Ok((_, header_bytes, ciphertext)) = header {
        assert_eq!(header_bytes.len() + ciphertext.len(), data.len());
        assert!(ciphertext.len() > 16, "no room for a tag and a type byte");
    }

    let key = ContactKey::from_bytes(CONTACT_KEY);
    match open_with_contact_key(data, &key) {
        Ok(content) => {
            assert!(matches!(
                header,
                Ok((
                    BlobHeader::Contact {
                        mode: ContactMode::Shared,
                        ..
                    },
                    ..
                ))
            ));
            check_content(&content);
        }
        Err(BlobError::Header) => assert!(header.is_err()),
        Err(_) => {}
    }

    match open_from_contact(data, &key, Side::from_bytes(OWN_SIDE)) {
        Ok((content, sealer)) => {
            let Ok((BlobHeader::Contact { mode, .. }, ..)) = header else {
                panic!("opened without a contact header");
            };
            // Only a sided blob names its sealer, and only one carrying this side says "you".
            assert_ne!(mode, ContactMode::Paired);
            assert_eq!(mode == ContactMode::Sided, sealer != Sealer::EitherSide);
            check_content(&content);
        }
        Err(BlobError::Header) => assert!(header.is_err()),
        Err(_) => {}
    }

    match open_from_paired(data, &key, &ME, &THEM) {
        Ok((content, sealer)) => {
            assert!(matches!(
                header,
                Ok((
                    BlobHeader::Contact {
                        mode: ContactMode::Paired,
                        ..
                    },
                    ..
                ))
            ));
            assert_ne!(sealer, Sealer::EitherSide);
            check_content(&content);
        }
        Err(BlobError::Header) => assert!(header.is_err()),
        Err(_) => {}
    }

    let mut kdf = FixedKdf::default();
    let opened = open_with_passphrase(data, PASSPHRASE, &mut kdf);
    let passphrase_header = matches!(header, Ok((BlobHeader::Passphrase { .. }, ..)));
    assert_eq!(
        kdf.calls,
        usize::from(passphrase_header),
        "KDF ran for {opened:?}"
    );
    match opened {
        Ok(content) => check_content(&content),
        Err(BlobError::Header) => assert!(header.is_err()),
        Err(_) => {}
    }
});
