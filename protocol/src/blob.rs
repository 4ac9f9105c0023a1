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
//! Cutout's own mode (docs/PROTOCOL.md, "Contact codes that say who sealed them"): a contact
//! key with the sealer's [`Side`] inside, so a code shown back to the device that sealed it
//! says so instead of passing for the contact's. Its key has an HKDF info of its own, so a
//! mode 0x02 blob can never be read as one of these, nor the other way round.
//!
//! ```text
//! mode 0x82 contact key, sealer's side: header = 0x01 ‖ 0x82 ‖ salt(16)        18 bytes
//! key       = HKDF(salt, IKM = contact_key, "cutout/v1 qr-key sealer-side", 32)
//! blob      = header ‖ AEAD(key, nonce = 00×12, side(16) ‖ plaintext, aad = header)
//! ```
//!
//! Cutout v2's contact codes between paired identities (docs/PROTOCOL.md I.6): the key is the
//! pair's, and its info names who sealed the code for whom, so a code opens only for the two
//! of the pairing and says which of them sealed it.
//!
//! ```text
//! mode 0xC2 paired identities: header = 0x01 ‖ 0xC2 ‖ salt(16)                18 bytes
//! key       = HKDF(salt, IKM = pair_key, "cutout/v2 qr-key" ‖ ik_sealer ‖ ik_recipient, 32)
//! blob      = header ‖ AEAD(key, nonce = 00×12, plaintext, aad = header)
//! ```
//!
//! Every header check runs before any KDF work ([`BlobHeader::parse`]), so a hostile QR code
//! cannot make a phone spend memory or time.

use thiserror::Error;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::aead::{self, AeadKey, NONCE_LEN, TAG_LEN};
use crate::contact::{ContactKey, SIDE_LEN, Side};
use crate::entropy::Entropy;
use crate::file_name::sanitise_file_name;
use crate::identity::SigningPublic;
use crate::kdf::{Argon2Params, PasswordKdf};
use crate::keys::hkdf;

const VERSION: u8 = 0x01;
const MODE_PASSPHRASE: u8 = 0x01;
const MODE_CONTACT: u8 = 0x02;
/// docs/PROTOCOL.md: not 0x03, which the shared v1 vectors name as an unknown mode that must be
/// refused; the high bit marks a mode of Cutout's own, the low bits the shared mode it extends.
const MODE_CONTACT_SIDED: u8 = 0x82;
/// docs/PROTOCOL.md I.6: bit 7 Cutout's own, bit 6 its v2, the low bits the shared mode
/// (contact) it extends.
const MODE_PAIRED: u8 = 0xC2;
const TYPE_TEXT: u8 = 0x01;
const TYPE_FILE: u8 = 0x02;
const KEY_INFO: &[u8] = b"cutout/v1 qr-key";
/// Mode 0x82's own key (docs/PROTOCOL.md), apart from [`KEY_INFO`].
const SIDED_KEY_INFO: &[u8] = b"cutout/v1 qr-key sealer-side";
/// Mode 0xC2's key label, followed by the sealer's and the recipient's identity keys.
const PAIRED_KEY_INFO: &[u8] = b"cutout/v2 qr-key";
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
        /// Which of the contact modes.
        mode: ContactMode,
    },
}

/// The three ways a code is sealed for a contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactMode {
    /// Mode 0x02 (PROTOCOL.md C.1): a `CT1K` key, nothing said of who sealed it (earlier
    /// versions).
    Shared,
    /// Mode 0x82: a `CT1K` key, the sealer's side inside.
    Sided,
    /// Mode 0xC2 (docs/PROTOCOL.md I.6): the key of two paired identities, the direction in
    /// its derivation.
    Paired,
}

/// Who sealed a contact blob, as far as the blob says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sealer {
    /// The contact: the blob carries the other side of the pairing.
    Contact,
    /// This device: the blob carries this device's own side. It is a code this device sealed
    /// for the contact, shown back to it; never a message from the contact.
    You,
    /// Either side: a mode 0x02 blob (earlier versions), which carries no side.
    EitherSide,
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
            MODE_CONTACT | MODE_CONTACT_SIDED | MODE_PAIRED => {
                let salt = *rest.first_chunk::<16>().ok_or(BlobError::Header)?;
                let mode = match mode {
                    MODE_CONTACT => ContactMode::Shared,
                    MODE_CONTACT_SIDED => ContactMode::Sided,
                    _ => ContactMode::Paired,
                };
                (Self::Contact { salt, mode }, 18)
            }
            _ => return Err(BlobError::Header),
        };
        // The plaintext holds at least the type byte, and in mode 0x82 the side before it.
        let side_len = if header.sided() { SIDE_LEN } else { 0 };
        if blob.len() < header_len + TAG_LEN + side_len + 1 {
            return Err(BlobError::Header);
        }
        let (header_bytes, ciphertext) = blob.split_at(header_len);
        Ok((header, header_bytes, ciphertext))
    }

    fn salt(&self) -> &[u8; 16] {
        match self {
            Self::Passphrase { salt, .. } | Self::Contact { salt, .. } => salt,
        }
    }

    fn sided(&self) -> bool {
        matches!(
            self,
            Self::Contact {
                mode: ContactMode::Sided,
                ..
            }
        )
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
    seal(&header, &key(&salt, ikm.as_ref(), KEY_INFO), None, content)
}

/// Seals `content` under a contact key with fresh salt, in mode 0x02, which says nothing of who
/// sealed it: what earlier versions made. The app seals with [`seal_for_contact`].
pub fn seal_with_contact_key(
    key: &ContactKey,
    content: &BlobContent,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, BlobError> {
    let (header, salt) = contact_header(MODE_CONTACT, entropy);
    seal(
        &header,
        &self::key(&salt, key.as_bytes(), KEY_INFO),
        None,
        content,
    )
}

/// Seals `content` for a contact with fresh salt, in mode 0x82: the blob carries `own`, this
/// device's side of the pairing, so that opening it here says it was sealed here.
pub fn seal_for_contact(
    key: &ContactKey,
    own: Side,
    content: &BlobContent,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, BlobError> {
    let (header, salt) = contact_header(MODE_CONTACT_SIDED, entropy);
    let key = self::key(&salt, key.as_bytes(), SIDED_KEY_INFO);
    seal(&header, &key, Some(own), content)
}

fn contact_header(mode: u8, entropy: &mut dyn Entropy) -> (Vec<u8>, [u8; 16]) {
    let mut salt = [0u8; 16];
    entropy.fill(&mut salt);
    let mut header = vec![VERSION, mode];
    header.extend_from_slice(&salt);
    (header, salt)
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
    let plaintext = open(
        header_bytes,
        &key(&salt, ikm.as_ref(), KEY_INFO),
        ciphertext,
    )?;
    decode_content(&plaintext)
}

/// Opens a mode 0x02 contact blob (PROTOCOL.md C.1). The app opens with [`open_from_contact`],
/// which also reads mode 0x82.
pub fn open_with_contact_key(blob: &[u8], key: &ContactKey) -> Result<BlobContent, BlobError> {
    let (header, header_bytes, ciphertext) = BlobHeader::parse(blob)?;
    let BlobHeader::Contact {
        mode: ContactMode::Shared,
        ..
    } = header
    else {
        return Err(BlobError::WrongMode);
    };
    let plaintext = open(header_bytes, &key_for(&header, key), ciphertext)?;
    decode_content(&plaintext)
}

/// Opens a contact blob of either mode, and says who sealed it: a mode 0x82 blob carrying
/// `own`, this device's side of the pairing, was sealed here ([`Sealer::You`]).
pub fn open_from_contact(
    blob: &[u8],
    key: &ContactKey,
    own: Side,
) -> Result<(BlobContent, Sealer), BlobError> {
    let (header, header_bytes, ciphertext) = BlobHeader::parse(blob)?;
    let BlobHeader::Contact { mode, .. } = header else {
        return Err(BlobError::WrongMode);
    };
    if mode == ContactMode::Paired {
        return Err(BlobError::WrongMode);
    }
    let plaintext = open(header_bytes, &key_for(&header, key), ciphertext)?;
    if mode == ContactMode::Shared {
        return Ok((decode_content(&plaintext)?, Sealer::EitherSide));
    }
    // The header's length check left room for the side and a type byte.
    let (side, rest) = plaintext
        .split_first_chunk::<SIDE_LEN>()
        .ok_or(BlobError::Contents)?;
    // Not secret, and either answer is shown: no need for a constant-time comparison.
    let sealer = if Side::from_bytes(*side) == own {
        Sealer::You
    } else {
        Sealer::Contact
    };
    Ok((decode_content(rest)?, sealer))
}

/// Seals `content` in mode 0xC2 for a paired identity: `pair` is the pair's key
/// ([`crate::identity::pairing::pair_key`]), `sealer` this identity's key, `recipient` theirs.
pub fn seal_for_paired(
    pair: &ContactKey,
    sealer: &SigningPublic,
    recipient: &SigningPublic,
    content: &BlobContent,
    entropy: &mut dyn Entropy,
) -> Result<Vec<u8>, BlobError> {
    let (header, salt) = contact_header(MODE_PAIRED, entropy);
    seal(
        &header,
        &paired_key(&salt, pair, sealer, recipient),
        None,
        content,
    )
}

/// Opens a mode 0xC2 blob of the pairing of `me` and `them` (whose key is `pair`), and says who
/// sealed it: `them` for `me` ([`Sealer::Contact`]), or `me` for `them` ([`Sealer::You`]). A
/// code sealed for anyone else, or under another pairing, does not open.
pub fn open_from_paired(
    blob: &[u8],
    pair: &ContactKey,
    me: &SigningPublic,
    them: &SigningPublic,
) -> Result<(BlobContent, Sealer), BlobError> {
    let (header, header_bytes, ciphertext) = BlobHeader::parse(blob)?;
    let BlobHeader::Contact {
        mode: ContactMode::Paired,
        salt,
    } = header
    else {
        return Err(BlobError::WrongMode);
    };
    let (plaintext, sealer) =
        match open(header_bytes, &paired_key(&salt, pair, them, me), ciphertext) {
            Ok(plaintext) => (plaintext, Sealer::Contact),
            Err(_) => (
                open(header_bytes, &paired_key(&salt, pair, me, them), ciphertext)?,
                Sealer::You,
            ),
        };
    Ok((decode_content(&plaintext)?, sealer))
}

/// Mode 0xC2's key: the pair's key, the salt, and who sealed it for whom.
fn paired_key(
    salt: &[u8; 16],
    pair: &ContactKey,
    sealer: &SigningPublic,
    recipient: &SigningPublic,
) -> AeadKey {
    let info = [PAIRED_KEY_INFO, sealer.as_slice(), recipient.as_slice()].concat();
    key(salt, pair.as_bytes(), &info)
}

/// The key of a contact blob: each mode its own HKDF info.
fn key_for(header: &BlobHeader, key: &ContactKey) -> AeadKey {
    let info = if header.sided() {
        SIDED_KEY_INFO
    } else {
        KEY_INFO
    };
    self::key(header.salt(), key.as_bytes(), info)
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

fn key(salt: &[u8; 16], ikm: &[u8], info: &[u8]) -> AeadKey {
    AeadKey::new(*hkdf::<32>(salt, ikm, info))
}

/// Seals `side` (mode 0x82 only) and `content` after `header`.
fn seal(
    header: &[u8],
    key: &AeadKey,
    side: Option<Side>,
    content: &BlobContent,
) -> Result<Vec<u8>, BlobError> {
    // The plaintext is written straight into the blob and sealed there, so no second copy of it
    // is left to wipe. The exact capacity matters for the same reason: growing the vector would
    // move the plaintext and free the old allocation unwiped.
    let side_len = side.map_or(0, |_| SIDE_LEN);
    let mut blob = Vec::with_capacity(header.len() + side_len + encoded_len(content) + TAG_LEN);
    blob.extend_from_slice(header);
    if let Some(side) = side {
        blob.extend_from_slice(side.as_bytes());
    }
    encode_content(content, &mut blob)?;
    aead::seal_in_place(key, &NONCE, header, &mut blob, header.len())
        .map_err(|_| BlobError::Contents)?;
    Ok(blob)
}

/// The authenticated plaintext, or [`BlobError::Authentication`].
fn open(header: &[u8], key: &AeadKey, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, BlobError> {
    let mut plaintext = Zeroizing::new(ciphertext.to_vec());
    aead::open_in_place(key, &NONCE, header, &mut plaintext)
        .map_err(|_| BlobError::Authentication)?;
    Ok(plaintext)
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
