//! Keeping the room on this device (`browser::kept`, docs/PROTOCOL.md K.1): once the person
//! turns it on, the conversation is written, sealed, a moment after each change, and read back
//! when the room opens again (a reload, or the home screen's list after the tab was closed).
//! Turning it off, forgetting the room and being removed from it delete what was kept.

use std::cell::RefCell;
use std::collections::HashSet;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::LiveRoom;
use crate::browser::kept::{Keeper, Listed};
use crate::browser::{self, BrowserError, Store};
use protocol::keep::KeptRoom;

/// Where this tab remembers the kept id of the room it is in, so a reload reads it back.
pub const KEPT_KEY: &str = "cutout.kept";
/// How long after a change the room is written: a burst of messages is one write.
const SAVE_AFTER_MS: u64 = 300;

thread_local! {
    /// Kept ids this page forgot: a write already on its way for one is deleted once it lands.
    static FORGOTTEN: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// Whether this page can keep rooms at all: WebCrypto holds their key (secure contexts only).
pub fn can_keep() -> bool {
    browser::subtle().is_some()
}

impl LiveRoom {
    /// Puts back what was kept, before the room connects.
    pub(super) fn restore(&self, kept: Listed) {
        self.convo.update_value(|c| c.restore(&kept.room));
        browser::save(Store::Tab, KEPT_KEY, &kept.id);
        self.kept.set(Some(kept.id));
        self.kept_size.set(kept.size);
        self.refresh_members();
    }

    /// The person keeps the room on this device (`true`) or stops keeping it, which deletes
    /// what was kept.
    pub fn keep(&self, on: bool) {
        if on == self.kept.get_untracked().is_some() {
            return;
        }
        if on {
            let id = Keeper::new_id();
            browser::save(Store::Tab, KEPT_KEY, &id);
            self.kept.set(Some(id));
            self.save_soon();
        } else {
            self.forget_kept();
        }
    }

    /// Deletes what was kept of this room, if anything.
    pub fn forget_kept(&self) {
        browser::forget(Store::Tab, KEPT_KEY);
        self.kept_size.try_set(0);
        let Some(Some(id)) = self.kept.try_update(Option::take) else {
            return;
        };
        FORGOTTEN.with_borrow_mut(|f| f.insert(id.clone()));
        spawn_local(async move {
            if let Ok(Some(keeper)) = Keeper::open().await
                && let Err(why) = keeper.forget(&id).await
            {
                leptos::logging::warn!("a kept room could not be deleted: {why}");
            }
        });
    }

    /// `n` room messages arrived: unseen, for the kept count, if the page is hidden.
    pub(super) fn arrived_unseen(&self, n: usize) {
        if n > 0 && browser::notify::page_hidden() {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            self.unseen.update_value(|u| *u = u.saturating_add(n));
        }
    }

    /// The page was hidden or shown: shown, everything is seen.
    pub(super) fn shown(&self) {
        if !browser::notify::page_hidden() && self.unseen.try_get_value().is_some_and(|u| u > 0) {
            self.unseen.set_value(0);
            self.save_soon();
        }
    }

    /// Writes the room a moment from now, if it is kept and no write is due already.
    pub(super) fn save_soon(&self) {
        if self.kept.try_with_untracked(Option::is_some) != Some(true)
            || self.save_due.try_get_value() != Some(false)
        {
            return;
        }
        self.save_due.set_value(true);
        self.saving.set(true);
        let live = *self;
        set_timeout(
            move || spawn_local(async move { live.save().await }),
            std::time::Duration::from_millis(SAVE_AFTER_MS),
        );
    }

    async fn save(self) {
        if self.save_due.try_set_value(false).is_some() {
            return;
        }
        if let Some(Some(id)) = self.kept.try_get_untracked() {
            self.write(id).await;
        }
        if self.save_due.try_get_value() == Some(false) {
            self.saving.try_set(false);
        }
    }

    async fn write(self, id: String) {
        let Some(record) = self.record() else {
            return;
        };
        match store(&id, record).await {
            Ok(size) => {
                self.kept_size.try_set(size);
            }
            Err(why) => leptos::logging::warn!("the room could not be kept: {why}"),
        }
    }

    /// The room closes with a write due: it is written now, from what the room holds now.
    pub(super) fn flush_kept(&self) {
        if self.save_due.try_update_value(std::mem::take) != Some(true) {
            return;
        }
        if let (Some(Some(id)), Some(record)) = (self.kept.try_get_untracked(), self.record()) {
            spawn_local(async move {
                if let Err(why) = store(&id, record).await {
                    leptos::logging::warn!("the room could not be kept: {why}");
                }
            });
        }
    }

    fn record(&self) -> Option<KeptRoom> {
        let unread = self.unseen.try_get_value().unwrap_or(0);
        let now = browser::now_ms();
        self.convo.try_with_value(|c| c.kept(unread, now))
    }
}

/// Seals and stores `record` under `id`: the bytes it takes. A room forgotten meanwhile is
/// deleted again, so a write that lands after the forgetting cannot bring it back.
async fn store(id: &str, record: KeptRoom) -> Result<usize, BrowserError> {
    let keeper = Keeper::open()
        .await?
        .ok_or_else(|| BrowserError("this page cannot keep rooms".into()))?;
    let saved = keeper.save(id, &record).await;
    if FORGOTTEN.with_borrow(|f| f.contains(id)) {
        keeper.forget(id).await?;
    }
    saved
}

/// What a room page opens with: the room kept under this tab's kept id, if any.
pub async fn kept_in_this_tab() -> Option<Listed> {
    let id = browser::load(Store::Tab, KEPT_KEY)?;
    let keeper = Keeper::open().await.ok()??;
    keeper.load(&id).await.ok()?
}
