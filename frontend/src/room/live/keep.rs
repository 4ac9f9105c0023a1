//! Keeping the room on this device (`browser::kept`, docs/PROTOCOL.md K.1): once the person
//! turns it on, the conversation is written, sealed, a moment after each change (at once when
//! the room moves, the page is hidden or the room closes), and read back when the room opens
//! again: a reload, the home screen's list after the tab was closed, or its invite opened anew.
//! Turning it off, forgetting the room and being removed from it delete what was kept, in every
//! tab that holds it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::keep::KeptRoom;
use protocol::keys::RoomSecret;

use super::LiveRoom;
use crate::browser::kept::{self, Keeper, Listed};
use crate::browser::{self, Store};

/// Where this tab remembers the kept id of the room it is in, so a reload reads it back.
pub const KEPT_KEY: &str = "cutout.kept";
/// How long after a change the room is written: a burst of messages is one write.
const SAVE_AFTER_MS: u64 = 300;

/// Whether this page can keep rooms at all: WebCrypto holds their key (secure contexts only).
pub fn can_keep() -> bool {
    browser::subtle().is_some()
}

impl LiveRoom {
    /// Puts back what was kept, before the room connects; and from then on stops keeping it if
    /// another tab forgets it.
    pub(super) fn restore(&self, kept: Option<Listed>) {
        if let Some(kept) = kept {
            self.convo.update_value(|c| c.restore(&kept.room));
            browser::save(Store::Tab, KEPT_KEY, &kept.id);
            self.kept.set(Some(kept.id));
            self.kept_size.set(kept.size);
            self.refresh_members();
        }
        let live = *self;
        let told = kept::told();
        Effect::new(move |_| {
            told.track();
            let id = live.kept.get_untracked();
            if id.as_deref().is_some_and(kept::is_forgotten) {
                browser::forget(Store::Tab, KEPT_KEY);
                live.kept.set(None);
                live.kept_size.set(0);
            }
        });
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
            self.save_now();
        } else {
            self.forget_kept();
        }
    }

    /// Deletes what was kept of this room, if anything.
    pub fn forget_kept(&self) {
        browser::forget(Store::Tab, KEPT_KEY);
        self.kept_size.try_set(0);
        self.saving.try_set(false);
        let Some(Some(id)) = self.kept.try_update(Option::take) else {
            return;
        };
        spawn_local(async move {
            if let Err(why) = kept::forget(&id).await {
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

    /// The page was hidden (written now: it may be closing) or shown (everything is seen).
    pub(super) fn shown(&self) {
        if browser::notify::page_hidden() {
            self.save_now();
        } else if self.unseen.try_get_value().is_some_and(|u| u > 0) {
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
            move || {
                if live.save_due.try_get_value() == Some(true) {
                    live.save_now();
                }
            },
            std::time::Duration::from_millis(SAVE_AFTER_MS),
        );
    }

    /// Writes the room now, if it is kept (the room moved, the page is hidden, or it closes).
    pub(super) fn save_now(&self) {
        self.save_due.try_set_value(false);
        let (Some(Some(id)), Some(record)) = (self.kept.try_get_untracked(), self.record()) else {
            return;
        };
        self.saving.try_set(true);
        let live = *self;
        kept::write(id, record, move |size| {
            live.kept_size.try_set(size);
            if live.save_due.try_get_value() == Some(false) {
                live.saving.try_set(false);
            }
        });
    }

    fn record(&self) -> Option<KeptRoom> {
        let unread = self.unseen.try_get_value().unwrap_or(0);
        let now = browser::now_ms();
        self.convo.try_with_value(|c| c.kept(unread, now))
    }
}

/// What a room page opens with: the room kept under this tab's kept id, else the room kept with
/// this secret (its invite opened again), if any.
pub async fn kept_for(secret: &RoomSecret) -> Option<Listed> {
    let keeper = Keeper::open().await.ok()??;
    let by_tab = match browser::load(Store::Tab, KEPT_KEY) {
        Some(id) if !kept::is_forgotten(&id) => keeper.load(&id).await.ok()?,
        _ => None,
    };
    match by_tab {
        Some(listed) => Some(listed),
        None => keeper.find(secret.as_bytes()).await.ok()?,
    }
}
