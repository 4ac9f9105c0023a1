//! Rooms kept on this device (docs/SECURITY.md, "A kept room"): each room's record
//! ([`protocol::keep::KeptRoom`]) sealed with AES-256-GCM under one key that WebCrypto made
//! non-extractable, the key and the sealed records both in IndexedDB. Page script can use the
//! key but never read it, so the records on disk open only inside this origin's pages.
//!
//! A record is stored as `[kept id, nonce ‖ sealed]` under its kept id: 16 random bytes drawn
//! when the person keeps the room, which stay while the room moves (R.8), and which are the
//! associated data of the seal, so a record cannot be passed off as another room's.
//!
//! A page writes through one queue ([`write`]): one write at a time, the newest record of a room
//! replacing one still waiting, so a slow write never lands after a newer one. Writes and
//! forgettings are told to this origin's other pages on a `BroadcastChannel` (`saved:<id>`,
//! `forgot:<id>`; nothing more): a home screen's list follows a room kept in another tab, and a
//! room forgotten in one tab is no longer written by another (a duplicated tab holds the same
//! kept id). A write that lands after its room was forgotten is deleted again.

use std::cell::RefCell;
use std::collections::HashSet;

use js_sys::{Array, Uint8Array};
use leptos::prelude::{ArcRwSignal, Update};
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
/// The channel writes and forgettings are told on.
const CHANNEL: &str = "cutout.kept";
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

/// Every kept room: those that open, the latest written first, and the ids of those that do not
/// (written by another version, or damaged), which can only be deleted.
#[derive(Clone, Debug, Default)]
pub struct Kept {
    /// The rooms that open.
    pub rooms: Vec<Listed>,
    /// Records that do not open, by kept id, with their size.
    pub unreadable: Vec<(String, usize)>,
}

/// A record waiting to be written, and what hears the bytes it takes.
type Waiting = (String, KeptRoom, Box<dyn FnOnce(usize)>);

thread_local! {
    /// The store, once opened.
    static KEEPER: RefCell<Option<Keeper>> = const { RefCell::new(None) };
    /// Records waiting to be written, oldest first, one a room; and whether a write is under way.
    static QUEUE: RefCell<(Vec<Waiting>, bool)> = const { RefCell::new((Vec::new(), false)) };
    /// Kept ids forgotten, by this page or told by another.
    static FORGOTTEN: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    /// Counts what other pages told (and this page's own forgettings): views that list kept
    /// rooms or write one track it.
    static TOLD: ArcRwSignal<u64> = ArcRwSignal::new(0);
    /// The channel, listened to for the page's whole life.
    static CHANNEL_OPEN: Option<web_sys::BroadcastChannel> = listen();
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
        if let Some(keeper) = KEEPER.with_borrow(Clone::clone) {
            return Ok(Some(keeper));
        }
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
        let keeper = Self { db, subtle, key };
        KEEPER.with_borrow_mut(|k| *k = Some(keeper.clone()));
        Ok(Some(keeper))
    }

    /// A new kept id.
    pub fn new_id() -> String {
        let mut id = [0; 16];
        SystemEntropy.fill(&mut id);
        hex::encode(&id)
    }

    /// Seals and stores `room` under `id`; the bytes it takes.
    async fn save(&self, id: &str, room: &KeptRoom) -> Result<usize, BrowserError> {
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
        Ok(stored.len())
    }

    /// The room kept under `id`, if there is one that opens.
    pub async fn load(&self, id: &str) -> Result<Option<Listed>, BrowserError> {
        match self.db.get(Table::KeptRooms, id).await? {
            Some(value) => Ok(self.open_value(&value).await.ok()),
            None => Ok(None),
        }
    }

    /// Every kept room.
    pub async fn all(&self) -> Result<Kept, BrowserError> {
        let mut kept = Kept::default();
        for value in self.db.values(Table::KeptRooms).await? {
            match self.open_value(&value).await {
                Ok(listed) => kept.rooms.push(listed),
                Err(Some(unreadable)) => kept.unreadable.push(unreadable),
                Err(None) => {}
            }
        }
        kept.rooms
            .sort_by_key(|r| std::cmp::Reverse(r.room.saved_at_ms));
        Ok(kept)
    }

    /// The room kept with the room secret `secret`, if one is.
    pub async fn find(&self, secret: &[u8; 32]) -> Result<Option<Listed>, BrowserError> {
        let all = self.all().await?;
        Ok(all.rooms.into_iter().find(|r| r.room.secret == *secret))
    }

    /// The record in `value`; if it does not open, its id and size where it has them.
    async fn open_value(&self, value: &JsValue) -> Result<Listed, Option<(String, usize)>> {
        let pair: Array = value.clone().dyn_into().map_err(|_| None)?;
        let id = pair.get(0).as_string().ok_or(None)?;
        let stored = match pair.get(1).dyn_into::<Uint8Array>() {
            Ok(bytes) => bytes.to_vec(),
            Err(_) => return Err(Some((id, 0))),
        };
        let unreadable = || Some((id.clone(), stored.len()));
        let (nonce, sealed) = stored.split_at_checked(NONCE_LEN).ok_or_else(unreadable)?;
        let plain = aes_gcm(
            &self.subtle,
            &self.key,
            (nonce, id.as_bytes()),
            sealed,
            false,
        )
        .await
        .ok_or_else(unreadable)?;
        let room = KeptRoom::from_bytes(&Zeroizing::new(plain)).map_err(|_| unreadable())?;
        Ok(Listed {
            size: stored.len(),
            id,
            room,
        })
    }
}

/// Writes `room` under `id` after the writes before it; `done` hears the bytes it takes. A
/// record of the same room still waiting is replaced.
pub fn write(id: String, room: KeptRoom, done: impl FnOnce(usize) + 'static) {
    CHANNEL_OPEN.with(|_| ());
    if is_forgotten(&id) {
        return;
    }
    let start = QUEUE.with_borrow_mut(|(waiting, running)| {
        waiting.retain(|(waiting_id, ..)| *waiting_id != id);
        waiting.push((id, room, Box::new(done)));
        !std::mem::replace(running, true)
    });
    if start {
        wasm_bindgen_futures::spawn_local(drain());
    }
}

/// Writes what waits, one record at a time, until nothing does.
async fn drain() {
    while let Some((id, room, done)) = QUEUE.with_borrow_mut(|(waiting, running)| {
        let next = (!waiting.is_empty()).then(|| waiting.remove(0));
        *running = next.is_some();
        next
    }) {
        match store(&id, &room).await {
            Ok(size) => {
                done(size);
                tell(&format!("saved:{id}"));
            }
            Err(why) => leptos::logging::warn!("a room could not be kept: {why}"),
        }
    }
}

async fn store(id: &str, room: &KeptRoom) -> Result<usize, BrowserError> {
    let keeper = Keeper::open()
        .await?
        .ok_or_else(|| BrowserError("this page cannot keep rooms".into()))?;
    let size = keeper.save(id, room).await?;
    // Forgotten while it was being written: it must not come back.
    if FORGOTTEN.with_borrow(|f| f.contains(id)) {
        keeper.db.delete(Table::KeptRooms, id).await?;
    }
    Ok(size)
}

/// Deletes the room kept under `id`, here and for every page of this origin.
pub async fn forget(id: &str) -> Result<(), BrowserError> {
    forgotten(id);
    // Told before the delete, so a page whose write lands after it deletes that write again.
    tell(&format!("forgot:{id}"));
    if let Some(keeper) = Keeper::open().await? {
        keeper.db.delete(Table::KeptRooms, id).await?;
    }
    tell(&format!("forgot:{id}"));
    Ok(())
}

/// Whether the room kept under `id` was forgotten.
pub fn is_forgotten(id: &str) -> bool {
    FORGOTTEN.with_borrow(|f| f.contains(id))
}

/// What other pages told, as a count to track.
pub fn told() -> ArcRwSignal<u64> {
    CHANNEL_OPEN.with(|_| ());
    TOLD.with(Clone::clone)
}

fn forgotten(id: &str) {
    FORGOTTEN.with_borrow_mut(|f| f.insert(id.to_owned()));
    QUEUE.with_borrow_mut(|(waiting, _)| waiting.retain(|(waiting_id, ..)| waiting_id != id));
    TOLD.with(|t| t.update(|n| *n += 1));
}

fn tell(message: &str) {
    CHANNEL_OPEN.with(|channel| {
        if let Some(channel) = channel {
            let _ = channel.post_message(&message.into());
        }
    });
}

fn listen() -> Option<web_sys::BroadcastChannel> {
    let channel = web_sys::BroadcastChannel::new(CHANNEL).ok()?;
    let heard = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
        |event: web_sys::MessageEvent| {
            let message = event.data().as_string().unwrap_or_default();
            if let Some(id) = message.strip_prefix("forgot:") {
                forgotten(id);
            } else {
                TOLD.with(|t| t.update(|n| *n += 1));
            }
        },
    );
    channel.set_onmessage(Some(heard.as_ref().unchecked_ref()));
    // The page's whole life.
    heard.forget();
    Some(channel)
}
