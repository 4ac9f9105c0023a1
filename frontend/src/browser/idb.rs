//! What this browser keeps that is more than a short string, in one IndexedDB database: values
//! only the structured clone can store (a non-extractable `CryptoKey` above all), by string key,
//! in a few tables (object stores). A key–value store and nothing more: each call is one
//! transaction, awaited until it has committed.
//!
//! Adding a table means adding it to [`Table`] and raising [`VERSION`]: the upgrade creates
//! every table that is missing and never deletes one.

use js_sys::{Function, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::{BrowserError, window};

/// The one database.
const NAME: &str = "cutout";
/// Its schema's version: one more each time a table is added.
const VERSION: u32 = 2;

/// A table of the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// This browser's identity (`browser::identity`): its keys and public identity.
    Identity,
    /// The key kept rooms are sealed under (`browser::kept`).
    KeptKey,
    /// Kept rooms, sealed, by their kept id (`browser::kept`).
    KeptRooms,
}

impl Table {
    const ALL: [Self; 3] = [Self::Identity, Self::KeptKey, Self::KeptRooms];

    /// The object store's name.
    fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::KeptKey => "kept-key",
            Self::KeptRooms => "kept-rooms",
        }
    }
}

/// The database, open.
#[derive(Clone, Debug)]
pub struct Database(IdbDatabase);

impl Database {
    /// Opens the database, creating or upgrading it first if need be.
    pub async fn open() -> Result<Self, BrowserError> {
        let factory = window()
            .ok_or_else(|| BrowserError("no window".into()))?
            .indexed_db()?
            .ok_or_else(|| BrowserError("no IndexedDB".into()))?;
        let request = factory.open_with_u32(NAME, VERSION)?;
        let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new({
            let request = request.clone();
            move |_| create_tables(&request)
        });
        request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let opened = settle(&request).await;
        request.set_onupgradeneeded(None);
        drop(upgrade);
        let db: IdbDatabase = opened?.dyn_into()?;
        // A later version of the app, open in another tab, may need this connection closed
        // to upgrade; this page then goes on without the database rather than blocking it.
        let closing = db.clone();
        let on_version_change = Closure::<dyn FnMut()>::new(move || closing.close());
        db.set_onversionchange(Some(&on_version_change.into_js_value().unchecked_into()));
        Ok(Self(db))
    }

    /// The value under `key`, if there is one.
    pub async fn get(&self, table: Table, key: &str) -> Result<Option<JsValue>, BrowserError> {
        let tx = self.transaction(table, IdbTransactionMode::Readonly)?;
        let request = tx.object_store(table.name())?.get(&key.into())?;
        let value = settle(&request).await?;
        Ok((!value.is_undefined()).then_some(value))
    }

    /// Stores `value` under `key` unless the key is taken: `true` if it was stored, `false` if
    /// another value was there first (another tab's, say), which is left as it was.
    pub async fn add(
        &self,
        table: Table,
        key: &str,
        value: &JsValue,
    ) -> Result<bool, BrowserError> {
        let tx = self.transaction(table, IdbTransactionMode::Readwrite)?;
        let request = tx
            .object_store(table.name())?
            .add_with_key(value, &key.into())?;
        match committed(&tx).await {
            Ok(()) => Ok(true),
            Err(_) if error_name(&request).as_deref() == Some("ConstraintError") => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Stores `value` under `key`, replacing what was there.
    pub async fn put(&self, table: Table, key: &str, value: &JsValue) -> Result<(), BrowserError> {
        let tx = self.transaction(table, IdbTransactionMode::Readwrite)?;
        tx.object_store(table.name())?
            .put_with_key(value, &key.into())?;
        committed(&tx).await
    }

    /// Removes what is under `key`, if anything.
    pub async fn delete(&self, table: Table, key: &str) -> Result<(), BrowserError> {
        let tx = self.transaction(table, IdbTransactionMode::Readwrite)?;
        tx.object_store(table.name())?.delete(&key.into())?;
        committed(&tx).await
    }

    /// Every value of `table`, in key order, read in one transaction.
    pub async fn values(&self, table: Table) -> Result<Vec<JsValue>, BrowserError> {
        let tx = self.transaction(table, IdbTransactionMode::Readonly)?;
        let request = tx.object_store(table.name())?.get_all()?;
        let values: js_sys::Array = settle(&request).await?.dyn_into()?;
        Ok(values.iter().collect())
    }

    fn transaction(
        &self,
        table: Table,
        mode: IdbTransactionMode,
    ) -> Result<IdbTransaction, BrowserError> {
        Ok(self.0.transaction_with_str_and_mode(table.name(), mode)?)
    }
}

/// The upgrade: every table not there yet.
fn create_tables(request: &IdbOpenDbRequest) {
    let Ok(db) = request.result().and_then(|db| db.dyn_into::<IdbDatabase>()) else {
        return;
    };
    let existing = db.object_store_names();
    for table in Table::ALL {
        if !existing.contains(table.name()) {
            // A failure here aborts the upgrade, and `open` reports it.
            let _ = db.create_object_store(table.name());
        }
    }
}

/// A request's result once it succeeds, or its error.
async fn settle(request: &IdbRequest) -> Result<JsValue, BrowserError> {
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    let outcome = JsFuture::from(done).await;
    request.set_onsuccess(None);
    request.set_onerror(None);
    match outcome {
        Ok(_) => Ok(request.result()?),
        Err(_) => Err(request_error(request)),
    }
}

/// Resolves once a write transaction has committed; an error if it aborted.
async fn committed(tx: &IdbTransaction) -> Result<(), BrowserError> {
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        tx.set_oncomplete(Some(&resolve));
        tx.set_onerror(Some(&reject));
        tx.set_onabort(Some(&reject));
    });
    let outcome = JsFuture::from(done).await;
    tx.set_oncomplete(None);
    tx.set_onerror(None);
    tx.set_onabort(None);
    outcome.map(drop).map_err(|_| {
        BrowserError(
            tx.error()
                .map_or_else(|| "transaction aborted".into(), |e| e.message()),
        )
    })
}

fn request_error(request: &IdbRequest) -> BrowserError {
    match request.error() {
        Ok(Some(error)) => BrowserError(format!("{}: {}", error.name(), error.message())),
        _ => BrowserError("IndexedDB request failed".into()),
    }
}

fn error_name(request: &IdbRequest) -> Option<String> {
    request.error().ok().flatten().map(|error| error.name())
}
