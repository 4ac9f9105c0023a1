//! This browser profile's identity (docs/PROTOCOL.md I.1): made on first use, loaded once before
//! the app mounts ([`load`]), then the same for every room of the page ([`identity`]).
//!
//! Where the browser's WebCrypto has Ed25519 and X25519 (current Chromium, Firefox and Safari,
//! in a secure context), the private keys are non-extractable `CryptoKey`s kept in IndexedDB:
//! script in the page can have them sign and agree while the page is open, but can never read
//! them. Elsewhere (a plain-HTTP LAN address has no WebCrypto at all) they are seeds in wasm
//! memory and `localStorage`, where any script of this origin can read them. [`KeyHome`] says
//! which, the room shows it, and docs/SECURITY.md says what each exposes.
//!
//! An identity that an earlier version kept as seeds moves into WebCrypto on the first load that
//! can: the seeds are imported as non-extractable keys (so it stays the same identity), stored,
//! and only then removed from `localStorage`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect, Uint8Array};
use protocol::entropy::SystemEntropy;
use protocol::identity::{
    IdentityKeys, IdentitySigner, KEY_LEN, PublicIdentity, SIGNATURE_LEN, binding_statement,
};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroizing;

use super::idb::{Database, Table};
use super::webcrypto::{self, PrivateKeys};
use super::{BrowserError, Store, forget, load as load_text, save};

/// Where the identity's seeds are kept without WebCrypto (and where earlier versions kept them).
const KEY: &str = "cutout.identity";
/// The identity's record in IndexedDB: `{ ik, xk, public }`, the two private `CryptoKey`s and
/// the 128-byte public identity.
const RECORD: &str = "identity";

/// Where this browser's identity keys live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyHome {
    /// Non-extractable WebCrypto keys, kept in IndexedDB.
    WebCrypto,
    /// Seeds in wasm memory and `localStorage`.
    Storage,
}

impl KeyHome {
    /// The `data-kind` the room shows.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebCrypto => "webcrypto",
            Self::Storage => "storage",
        }
    }
}

/// This browser's identity: its public half, and a way to sign and agree with its private keys.
pub struct Identity {
    public: PublicIdentity,
    keys: Keys,
}

enum Keys {
    WebCrypto {
        subtle: SubtleCrypto,
        keys: PrivateKeys,
    },
    Memory(Box<IdentityKeys>),
}

impl Identity {
    /// The published identity.
    pub fn public(&self) -> PublicIdentity {
        self.public
    }

    /// Where the private keys live.
    pub fn home(&self) -> KeyHome {
        match self.keys {
            Keys::WebCrypto { .. } => KeyHome::WebCrypto,
            Keys::Memory(_) => KeyHome::Storage,
        }
    }

    /// Signs `message` with the identity key.
    pub async fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_LEN], BrowserError> {
        match &self.keys {
            Keys::WebCrypto { subtle, keys } => webcrypto::sign(subtle, &keys.ik, message).await,
            Keys::Memory(keys) => Ok(keys.sign(message)),
        }
    }

    async fn agree(&self, their_xk: &[u8; KEY_LEN]) -> Option<Zeroizing<[u8; 32]>> {
        match &self.keys {
            Keys::WebCrypto { subtle, keys } => webcrypto::agree(subtle, &keys.xk, their_xk)
                .await
                .ok()
                .flatten(),
            Keys::Memory(keys) => keys.agree(their_xk),
        }
    }
}

thread_local! {
    static IDENTITY: RefCell<Option<Rc<Identity>>> = const { RefCell::new(None) };
}

/// Reads the identity, or makes it (and keeps it), once per page: `main` awaits this before the
/// app mounts, so every screen has it at once.
pub async fn load() {
    let identity = Rc::new(find_or_make().await);
    IDENTITY.with(|cell| *cell.borrow_mut() = Some(identity));
}

/// The identity [`load`] found or made.
#[allow(
    clippy::expect_used,
    reason = "main loads the identity before anything can ask for it"
)]
pub fn identity() -> Rc<Identity> {
    IDENTITY.with(|cell| {
        cell.borrow()
            .clone()
            .expect("the identity is loaded before mounting")
    })
}

/// X25519 of this identity's key-agreement key with `their_xk` (docs/PROTOCOL.md I.6); `None`
/// for a key of small order.
pub async fn agree(their_xk: &[u8; KEY_LEN]) -> Option<Zeroizing<[u8; 32]>> {
    identity().agree(their_xk).await
}

async fn find_or_make() -> Identity {
    if let Some(subtle) = webcrypto::subtle() {
        // A database that cannot be opened (a private window of some browsers) leaves the
        // identity where storage can keep it.
        if let Ok(Some(identity)) = in_webcrypto(subtle).await {
            forget_migrated_seeds(&identity);
            return identity;
        }
    }
    in_storage()
}

/// The identity in IndexedDB, or one made (or migrated) and stored there; `None` where WebCrypto
/// has no Ed25519 or X25519.
async fn in_webcrypto(subtle: SubtleCrypto) -> Result<Option<Identity>, BrowserError> {
    let db = Database::open().await?;
    if let Some(found) = read(&db, &subtle).await? {
        return Ok(Some(found));
    }
    // Whether this browser has both algorithms: a key pair of each, used if nothing is stored.
    let Some((ik, xk)) = webcrypto::generate(&subtle).await else {
        return Ok(None);
    };
    let seeded = load_text(Store::Device, KEY)
        .as_deref()
        .and_then(IdentityKeys::from_stored_text);
    let made = match seeded {
        Some(seeds) => migrated(subtle.clone(), &seeds).await?,
        None => {
            let keys = PrivateKeys {
                ik: ik.get_private_key(),
                xk: xk.get_private_key(),
            };
            fresh(
                subtle.clone(),
                keys,
                &ik.get_public_key(),
                &xk.get_public_key(),
            )
            .await?
        }
    };
    // Another tab may be making one at this very moment: the first stored wins, and the other
    // reads it back.
    if db.add(Table::Identity, RECORD, &made.record()?).await? {
        return Ok(Some(made));
    }
    read(&db, &subtle).await
}

/// A new identity of two freshly generated key pairs.
async fn fresh(
    subtle: SubtleCrypto,
    keys: PrivateKeys,
    ik_public: &CryptoKey,
    xk_public: &CryptoKey,
) -> Result<Identity, BrowserError> {
    let ik = webcrypto::public_bytes(&subtle, ik_public).await?;
    let xk = webcrypto::public_bytes(&subtle, xk_public).await?;
    let binding = webcrypto::sign(&subtle, &keys.ik, &binding_statement(&xk)).await?;
    let bytes = [ik.as_slice(), xk.as_slice(), binding.as_slice()].concat();
    let public = PublicIdentity::parse(&bytes)
        .map_err(|_| BrowserError("WebCrypto made an identity that does not check".into()))?;
    Ok(Identity {
        public,
        keys: Keys::WebCrypto { subtle, keys },
    })
}

/// The identity of stored seeds, its private keys imported into WebCrypto. Ed25519 signatures
/// are deterministic, so the public identity (binding included) is the one the seeds made.
async fn migrated(subtle: SubtleCrypto, seeds: &IdentityKeys) -> Result<Identity, BrowserError> {
    let (ik, xk) = seeds.seeds();
    let keys = webcrypto::import_seeds(&subtle, &ik, &xk).await?;
    Ok(Identity {
        public: seeds.public(),
        keys: Keys::WebCrypto { subtle, keys },
    })
}

/// Once the identity is in WebCrypto, seeds in `localStorage` of that same identity (migrated
/// just now, or by a load that stopped before removing them) go.
fn forget_migrated_seeds(identity: &Identity) {
    let seeded = load_text(Store::Device, KEY)
        .as_deref()
        .and_then(IdentityKeys::from_stored_text);
    if seeded.is_some_and(|seeds| seeds.public() == identity.public) {
        forget(Store::Device, KEY);
    }
}

impl Identity {
    /// The IndexedDB record of a WebCrypto identity.
    fn record(&self) -> Result<JsValue, BrowserError> {
        let Keys::WebCrypto { keys, .. } = &self.keys else {
            return Err(BrowserError(
                "only WebCrypto keys are kept in IndexedDB".into(),
            ));
        };
        let record = Object::new();
        Reflect::set(&record, &"ik".into(), &keys.ik)?;
        Reflect::set(&record, &"xk".into(), &keys.xk)?;
        let public = Uint8Array::from(self.public.to_bytes().as_slice());
        Reflect::set(&record, &"public".into(), &public)?;
        Ok(record.into())
    }
}

/// The stored identity, if there is one that reads.
async fn read(db: &Database, subtle: &SubtleCrypto) -> Result<Option<Identity>, BrowserError> {
    let Some(record) = db.get(Table::Identity, RECORD).await? else {
        return Ok(None);
    };
    let key = |name: &str| -> Option<CryptoKey> {
        Reflect::get(&record, &name.into()).ok()?.dyn_into().ok()
    };
    let public = Reflect::get(&record, &"public".into())
        .ok()
        .and_then(|public| public.dyn_into::<Uint8Array>().ok())
        .and_then(|public| PublicIdentity::parse(&public.to_vec()).ok());
    Ok(match (key("ik"), key("xk"), public) {
        (Some(ik), Some(xk), Some(public)) => Some(Identity {
            public,
            keys: Keys::WebCrypto {
                subtle: subtle.clone(),
                keys: PrivateKeys { ik, xk },
            },
        }),
        _ => None,
    })
}

/// Without WebCrypto: the seeds in `localStorage`, or new ones, kept there.
fn in_storage() -> Identity {
    let stored = load_text(Store::Device, KEY);
    let keys = match stored.as_deref().and_then(IdentityKeys::from_stored_text) {
        Some(keys) => keys,
        None => {
            let made = IdentityKeys::generate(&mut SystemEntropy);
            save(Store::Device, KEY, &made.stored_text());
            // What is stored wins: another tab may have made one at the same moment, and a
            // reload will read the stored one.
            let stored = load_text(Store::Device, KEY);
            stored
                .as_deref()
                .and_then(IdentityKeys::from_stored_text)
                .unwrap_or(made)
        }
    };
    Identity {
        public: keys.public(),
        keys: Keys::Memory(Box::new(keys)),
    }
}
