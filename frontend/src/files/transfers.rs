//! A room's transfers as the browser holds them: the rules of `protocol::transfers` (card
//! states, offer caps, refusals, members leaving, the connection dropping) over what only the
//! browser has (the person's `File`s, received bytes in OPFS or Blobs), plus the WebCrypto keys
//! of transfers and the chunk frames waiting for WebCrypto.

use std::collections::VecDeque;

use protocol::ids::{FileId, SenderId};
use protocol::transfers::MAX_INBOX;
use wire::{MemberId, RoomId};

use crate::files::received::{Saved, Sink};

/// The transfer rules over the browser's files.
pub type Rules = protocol::transfers::Transfers<web_sys::File, Sink, Saved>;

/// WebCrypto keys kept: one per transfer, 8 each way at most in progress.
const MAX_CRYPTO_KEYS: usize = 32;

/// All file transfers of one room, both ways.
pub struct Transfers {
    /// What the cards show and what to send: all of it decided in `protocol`.
    pub rules: Rules,
    /// WebCrypto keys of transfers: (outgoing, file, key).
    crypto_keys: Vec<(bool, FileId, web_sys::CryptoKey)>,
    /// Chunk frames waiting for WebCrypto, in arrival order.
    inbox: VecDeque<(MemberId, Vec<u8>)>,
    /// Set while a pump task runs, so only one does.
    pub pumping: bool,
    /// Set while a task opens chunks from the inbox, so only one does.
    pub opening: bool,
}

impl Transfers {
    /// No transfers yet, as session `sender` of the room `room_id`.
    pub fn new(room_id: RoomId, sender: SenderId) -> Self {
        Self {
            rules: Rules::carried(room_id, sender),
            crypto_keys: Vec::new(),
            inbox: VecDeque::new(),
            pumping: false,
            opening: false,
        }
    }

    /// The WebCrypto key imported for a transfer, if any.
    pub fn crypto_key(&self, outgoing: bool, file_id: FileId) -> Option<web_sys::CryptoKey> {
        self.crypto_keys
            .iter()
            .find(|(o, f, _)| *o == outgoing && *f == file_id)
            .map(|(_, _, k)| k.clone())
    }

    /// Remembers an imported WebCrypto key (the oldest go first beyond a few dozen).
    pub fn set_crypto_key(&mut self, outgoing: bool, file_id: FileId, key: web_sys::CryptoKey) {
        if self.crypto_keys.len() >= MAX_CRYPTO_KEYS {
            self.crypto_keys.remove(0);
        }
        self.crypto_keys.push((outgoing, file_id, key));
    }

    /// Queues a chunk frame for WebCrypto if it belongs to a transfer in progress and the
    /// queue has room (a sender past its window loses its own transfer, nobody else's).
    /// Returns whether a task must start opening.
    pub fn queue(&mut self, from: MemberId, frame: Vec<u8>) -> bool {
        if self.rules.expects_chunk(from, &frame) && self.inbox.len() < MAX_INBOX {
            self.inbox.push_back((from, frame));
        }
        !self.inbox.is_empty() && !std::mem::replace(&mut self.opening, true)
    }

    /// The next chunk frame to open.
    pub fn next_queued(&mut self) -> Option<(MemberId, Vec<u8>)> {
        self.inbox.pop_front()
    }

    /// The connection dropped: every transfer ends, queued chunks and keys go, and new offers
    /// will carry the session `sender` until the next connection begins.
    pub fn connection_lost(&mut self, sender: SenderId) {
        self.rules.connection_lost(sender);
        self.inbox.clear();
        self.crypto_keys.clear();
    }
}

impl protocol::transfers::ChunkSink for Sink {
    fn push(&mut self, bytes: &[u8]) {
        Sink::push(self, bytes);
    }
}

impl protocol::transfers::SavedFile for Saved {
    fn url(&self) -> &str {
        &self.url
    }
}
