//! Offline blobs (PROTOCOL.md C.1): a message or small file sealed under a passphrase
//! (Argon2id) or a contact key, for carrying by QR code with no network.
//!
//! ```text
//! mode 0x01 passphrase:  header = 0x01 ‖ 0x01 ‖ m_log2 ‖ t ‖ p ‖ salt(16)     21 bytes
//! mode 0x02 contact key: header = 0x01 ‖ 0x02 ‖ salt(16)                       18 bytes
//! key       = HKDF(salt, IKM = Argon2id(NFC(passphrase)) | contact_key, "cutout/v1 qr-key", 32)
//! plaintext = 0x01 ‖ UTF-8 text  |  0x02 ‖ name_len(1) ‖ name ‖ file bytes
//! blob      = header ‖ AEAD(key, nonce = 00×12, plaintext, aad = header)
//! ```
//!
//! Every header check runs before any KDF work ([`BlobHeader::parse`]), so a hostile QR code
//! cannot make a phone spend memory or time.

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::aead::{self, AeadKey, NONCE_LEN, TAG_LEN};
use crate::contact::ContactKey;
use crate::entropy::Entropy;
use crate::file_name::sanitise_file_name;
use crate::kdf::{Argon2Params, PasswordKdf};
use crate::keys::hkdf;

const VERSION: u8 = 0x01;
const MODE_PASSPHRASE: u8 = 0x01;
const MODE_CONTACT: u8 = 0x02;
const TYPE_TEXT: u8 = 0x01;
const TYPE_FILE: u8 = 0x02;
const KEY_INFO: &[u8] = b"cutout/v1 qr-key";
/// A fresh salt makes every key single-use, so the fixed zero nonce is safe (PROTOCOL.md C.1).
const NONCE: [u8; NONCE_LEN] = [0; NONCE_LEN];

/// Why a blob could not be sealed or opened. The variants follow the vector classes: header
/// problems found before any KDF work, failed authentication, and bad contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum BlobError {
    /// The header is malformed or out of bounds; no KDF work was done.
    #[error("malformed blob header")]
    Header,
    /// The blob is for the other mode (passphrase vs contact key).
    #[error("blob uses another mode")]
    WrongMode,
    /// Wrong passphrase or key, or the blob was altered.
    #[error("blob could not be opened")]
    Authentication,
    /// Authentic, but the contents are not a valid text or file.
    #[error("blob contents are invalid")]
    Contents,
    /// The file name does not fit its one-byte length.
    #[error("file name too long")]
    NameTooLong,
    /// The KDF failed.
    #[error("key derivation failed")]
    Kdf,
}

/// What a blob carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlobContent {
    /// A text message.
    Text(String),
    /// A small file; the name is sanitised on opening.
    File {
        /// File name.
        name: String,
        /// File bytes.
        bytes: Vec<u8>,
    },
}

/// A header that passed every pre-KDF check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobHeader {
    /// Passphrase mode.
    Passphrase {
        /// Validated Argon2id costs.
        params: Argon2Params,
        /// The blob's salt.
        salt: [u8; 16],
    },
    /// Contact-key mode.
    Contact {
        /// The blob's salt.
        salt: [u8; 16],
    },
}

impl BlobHeader {
    /// Checks version, mode, length and Argon2 bounds, and splits the blob into header and
    /// ciphertext (PROTOCOL.md C.1, "checked before any KDF work").
    pub fn parse(blob: &[u8]) -> Result<(Self, &[u8], &[u8]), BlobError> {
        let (&version, rest) = blob.split_first().ok_or(BlobError::Header)?;
        let (&mode, rest) = rest.split_first().ok_or(BlobError::Header)?;
        if version != VERSION {
            return Err(BlobError::Header);
        }
        let (header, header_len) = match mode {
            MODE_PASSPHRASE => {
                let (costs, rest) = rest.split_first_chunk::<3>().ok_or(BlobError::Header)?;
                let salt = *rest.first_chunk::<16>().ok_or(BlobError::Header)?;
                let params = Argon2Params::new(costs[0], costs[1], costs[2])
                    .map_err(|_| BlobError::Header)?;
                (Self::Passphrase { params, salt }, 21)
            }
            MODE_CONTACT => {
                let salt = *rest.first_chunk::<16>().ok_or(BlobError::Header)?;
                (Self::Contact { salt }, 18)
            }
            _ => return Err(BlobError::Header),
        };
        if blob.len() < header_len + TAG_LEN + 1 {
            return Err(BlobError::Header);
        }
        let (header_bytes, ciphertext) = blob.split_at(header_len);
        Ok((header, header_bytes, ciphertext))
    }

    fn salt(&self) -> &[u8; 16] {
        match self {
            Self::Passphrase { salt, .. } | Self::Contact { salt } => salt,
        }
    }
}

/// Seals `content` under `passphrase` (normalised to NFC) with fresh salt.
pub fn seal_with_passphrase(
    passphrase: &str,
    params: Argon2Params,
    content: &BlobContent,
    entropy: &mut dyn Entropy,
    kdf: &mut dyn PasswordKdf,
) -> Result<Vec<u8>, BlobError> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt);
    let mut header = vec![
        VERSION,
        MODE_PASSPHRASE,
        params.m_log2(),
        params.t(),
        params.p(),
    ];
    header.extend_from_slice(&salt);
    let ikm = passphrase_ikm(passphrase, &salt, params, kdf)?;
    seal(&header, &salt, ikm.as_ref(), content)
}

/// Seals `content` under a contact key with fresh salt.
pub fn seal_with_contact_key(
    key: &ContactKey,
    content: &BlobContent,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, BlobError> {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt);
    let mut header = vec![VERSION, MODE_CONTACT];
    header.extend_from_slice(&salt);
    seal(&header, &salt, key.as_bytes(), content)
}

/// Opens a passphrase blob. The KDF runs only if the header passed every check.
pub fn open_with_passphrase(
    blob: &[u8],
    passphrase: &str,
    kdf: &mut dyn PasswordKdf,
) -> Result<BlobContent, BlobError> {
    let (header, header_bytes, ciphertext) = BlobHeader::parse(blob)?;
    let BlobHeader::Passphrase { params, salt } = header else {
        return Err(BlobError::WrongMode);
    };
    let ikm = passphrase_ikm(passphrase, &salt, params, kdf)?;
    open(header_bytes, &salt, ikm.as_ref(), ciphertext)
}

/// Opens a contact-key blob.
pub fn open_with_contact_key(blob: &[u8], key: &ContactKey) -> Result<BlobContent, BlobError> {
    let (header, header_bytes, ciphertext) = BlobHeader::parse(blob)?;
    let BlobHeader::Contact { .. } = header else {
        return Err(BlobError::WrongMode);
    };
    open(header_bytes, header.salt(), key.as_bytes(), ciphertext)
}

fn passphrase_ikm(
    passphrase: &str,
    salt: &[u8; 16],
    params: Argon2Params,
    kdf: &mut dyn PasswordKdf,
) -> Result<Zeroizing<[u8; 32]>, BlobError> {
    // NFC so that the same passphrase typed on different keyboards gives the same key.
    let normalised: Zeroizing<String> = Zeroizing::new(passphrase.nfc().collect());
    kdf.derive(normalised.as_bytes(), salt, params)
        .map_err(|_| BlobError::Kdf)
}

fn key(salt: &[u8; 16], ikm: &[u8]) -> AeadKey {
    AeadKey::new(*hkdf::<32>(salt, ikm, KEY_INFO))
}

fn seal(
    header: &[u8],
    salt: &[u8; 16],
    ikm: &[u8],
    content: &BlobContent,
) -> Result<Vec<u8>, BlobError> {
    // The plaintext is written straight into the blob and sealed there, so no second copy of it
    // is left to wipe. The exact capacity matters for the same reason: growing the vector would
    // move the plaintext and free the old allocation unwiped.
    let mut blob = Vec::with_capacity(header.len() + encoded_len(content) + TAG_LEN);
    blob.extend_from_slice(header);
    encode_content(content, &mut blob)?;
    aead::seal_in_place(&key(salt, ikm), &NONCE, header, &mut blob, header.len())
        .map_err(|_| BlobError::Contents)?;
    Ok(blob)
}

fn open(
    header: &[u8],
    salt: &[u8; 16],
    ikm: &[u8],
    ciphertext: &[u8],
) -> Result<BlobContent, BlobError> {
    let mut plaintext = Zeroizing::new(ciphertext.to_vec());
    aead::open_in_place(&key(salt, ikm), &NONCE, header, &mut plaintext)
        .map_err(|_| BlobError::Authentication)?;
    decode_content(&plaintext)
}

fn encoded_len(content: &BlobContent) -> usize {
    match content {
        BlobContent::Text(text) => 1 + text.len(),
        BlobContent::File { name, bytes } => 2 + name.len() + bytes.len(),
    }
}

/// Appends the plaintext of `content` to `out`.
fn encode_content(content: &BlobContent, out: &mut Vec<u8>) -> Result<(), BlobError> {
    match content {
        BlobContent::Text(text) => {
            out.push(TYPE_TEXT);
            out.extend_from_slice(text.as_bytes());
        }
        BlobContent::File { name, bytes } => {
            let name_len = u8::try_from(name.len()).map_err(|_| BlobError::NameTooLong)?;
            out.extend_from_slice(&[TYPE_FILE, name_len]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(bytes);
        }
    }
    Ok(())
}

fn decode_content(plaintext: &[u8]) -> Result<BlobContent, BlobError> {
    match plaintext.split_first() {
        Some((&TYPE_TEXT, text)) => core::str::from_utf8(text)
            .map(|text| BlobContent::Text(text.to_owned()))
            .map_err(|_| BlobError::Contents),
        Some((&TYPE_FILE, rest)) => {
            let (&name_len, rest) = rest.split_first().ok_or(BlobError::Contents)?;
            let name_len = usize::from(name_len);
            if rest.len() < name_len {
                return Err(BlobError::Contents);
            }
            let (name, bytes) = rest.split_at(name_len);
            let name = core::str::from_utf8(name).map_err(|_| BlobError::Contents)?;
            Ok(BlobContent::File {
                name: sanitise_file_name(name),
                bytes: bytes.to_vec(),
            })
        }
        _ => Err(BlobError::Contents),
    }
}
