//! Rooms kept on this device (docs/SECURITY.md, "A kept room"): each room's record
//! ([`protocol::keep::KeptRoom`]) sealed with AES-256-GCM under one key that WebCrypto made
//! non-extractable, the key and the sealed records both in IndexedDB. Page script can use the
//! key but never read it, so the records on disk open only inside this origin's pages.
//!
//! A record is stored as `[kept id, nonce ‖ sealed]` under its kept id: 16 random bytes drawn
//! when the person keeps the room, which stay while the room moves (R.8), and which are the
//! associated data of the seal, so a record cannot be passed off as another room's. Every write
//! is told to this origin's other pages on a `BroadcastChannel`, so a home screen's list of kept
//! rooms follows a room kept in another tab.

use js_sys::{Array, Uint8Array};
use protocol::entropy::{Entropy, SystemEntropy};
use protocol::hex;
use protocol::keep::KeptRoom;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CryptoKey, SubtleCrypto};
use zeroize::Zeroizing;

use super::BrowserError;
use super::idb::{Database, Table};
use super::webcrypto::{aes_gcm, import_aes_key, subtle};

/// The key record's name in its table.
const KEY_RECORD: &str = "key";
/// The channel every write is told on.
pub const CHANNEL: &str = "cutout.kept";
/// Bytes of a seal's nonce.
const NONCE_LEN: usize = 12;

/// A kept room as listed: its kept id, the record, and the bytes it takes on disk.
#[derive(Clone, Debug)]
pub struct Listed {
    /// The kept id, in hex.
    pub id: String,
    /// The room as kept.
    pub room: KeptRoom,
    /// Bytes stored.
    pub size: usize,
}

/// The kept rooms of this browser, open.
#[derive(Clone)]
pub struct Keeper {
    db: Database,
    subtle: SubtleCrypto,
    key: CryptoKey,
}

impl Keeper {
    /// Opens the store, making its key the first time. `None` where WebCrypto is missing (plain
    /// HTTP at a LAN address): rooms are then not kept at all, rather than kept in the clear.
    pub async fn open() -> Result<Option<Self>, BrowserError> {
        let Some(subtle) = subtle() else {
            return Ok(None);
        };
        let db = Database::open().await?;
        let key = match db.get(Table::KeptKey, KEY_RECORD).await? {
            Some(key) => key.dyn_into()?,
            None => {
                let mut raw = Zeroizing::new([0; 32]);
                SystemEntropy.fill(raw.as_mut_slice());
                let made = import_aes_key(&subtle, raw)
                    .await
                    .ok_or_else(|| BrowserError("WebCrypto would not make a key".into()))?;
                // Another tab may be making one at this very moment: the first stored wins.
                if db.add(Table::KeptKey, KEY_RECORD, &made).await? {
                    made
                } else {
                    let stored = db.get(Table::KeptKey, KEY_RECORD).await?;
                    stored
                        .ok_or_else(|| BrowserError("the kept rooms' key vanished".into()))?
                        .dyn_into()?
                }
            }
        };
        Ok(Some(Self { db, subtle, key }))
    }

    /// A new kept id.
    pub fn new_id() -> String {
        let mut id = [0; 16];
        SystemEntropy.fill(&mut id);
        hex::encode(&id)
    }

    /// Seals and stores `room` under `id`; the bytes it takes.
    pub async fn save(&self, id: &str, room: &KeptRoom) -> Result<usize, BrowserError> {
        let plain = Zeroizing::new(room.to_bytes());
        let mut nonce = [0; NONCE_LEN];
        SystemEntropy.fill(&mut nonce);
        let sealed = aes_gcm(
            &self.subtle,
            &self.key,
            (&nonce, id.as_bytes()),
            &plain,
            true,
        )
        .await
        .ok_or_else(|| BrowserError("the room could not be sealed".into()))?;
        let stored = [&nonce[..], &sealed].concat();
        let value = Array::of2(&id.into(), &Uint8Array::from(&stored[..]));
        self.db.put(Table::KeptRooms, id, &value).await?;
        tell();
        Ok(stored.len())
    }

    /// The room kept under `id`, if there is one that opens.
    pub async fn load(&self, id: &str) -> Result<Option<Listed>, BrowserError> {
        match self.db.get(Table::KeptRooms, id).await? {
            Some(value) => Ok(self.open_value(&value).await),
            None => Ok(None),
        }
    }

    /// Every kept room that opens, the latest written first.
    pub async fn all(&self) -> Result<Vec<Listed>, BrowserError> {
        let mut rooms = Vec::new();
        for value in self.db.values(Table::KeptRooms).await? {
            rooms.extend(self.open_value(&value).await);
        }
        rooms.sort_by_key(|r| std::cmp::Reverse(r.room.saved_at_ms));
        Ok(rooms)
    }

    /// Deletes the room kept under `id`.
    pub async fn forget(&self, id: &str) -> Result<(), BrowserError> {
        self.db.delete(Table::KeptRooms, id).await?;
        tell();
        Ok(())
    }

    async fn open_value(&self, value: &JsValue) -> Option<Listed> {
        let pair: Array = value.clone().dyn_into().ok()?;
        let id = pair.get(0).as_string()?;
        let stored = pair.get(1).dyn_into::<Uint8Array>().ok()?.to_vec();
        let (nonce, sealed) = stored.split_at_checked(NONCE_LEN)?;
        let plain = aes_gcm(
            &self.subtle,
            &self.key,
            (nonce, id.as_bytes()),
            sealed,
            false,
        )
        .await?;
        let room = KeptRoom::from_bytes(&Zeroizing::new(plain)).ok()?;
        Some(Listed {
            id,
            room,
            size: stored.len(),
        })
    }
}

/// Tells this origin's other pages that kept rooms changed.
fn tell() {
    if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
        let _ = channel.post_message(&"changed".into());
        channel.close();
    }
}
