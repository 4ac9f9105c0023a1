//! Small strings kept in the browser: on this device (`localStorage`) or in this tab
//! (`sessionStorage`). A browser that refuses storage still runs Cutout: loads come back empty
//! and saves are dropped.

use super::window;

/// Where a value is kept.
#[derive(Clone, Copy)]
pub enum Store {
    /// This device, across visits (`localStorage`).
    Device,
    /// This tab, across reloads, gone when the tab closes (`sessionStorage`).
    Tab,
}

fn storage(store: Store) -> Option<web_sys::Storage> {
    let window = window()?;
    match store {
        Store::Device => window.local_storage().ok().flatten(),
        Store::Tab => window.session_storage().ok().flatten(),
    }
}

/// A stored string.
pub fn load(store: Store, key: &str) -> Option<String> {
    storage(store)?.get_item(key).ok().flatten()
}

/// Stores a string (ignored if storage is unavailable).
pub fn save(store: Store, key: &str, value: &str) {
    if let Some(s) = storage(store) {
        let _ = s.set_item(key, value);
    }
}

/// Forgets a stored string.
pub fn forget(store: Store, key: &str) {
    if let Some(s) = storage(store) {
        let _ = s.remove_item(key);
    }
}
