//! Receiving files (PROTOCOL.md B.4): a chunk belongs to the accepted offer with the same
//! `sender_id` and `file_id` from the same member; the next index is required; the file is
//! released only after the last chunk verifies with the right count and byte total. The first
//! chunk that fails any check aborts its transfer and discards the partial file. Frames for a
//! finished or unknown transfer are dropped.
//!
//! The receiver holds no file bytes: each verified chunk's plaintext is handed out at once, so
//! the app can keep it outside wasm memory (a browser Blob, a file being written) and release
//! the whole only on [`ChunkOutcome::Complete`]. Memory stays one chunk, whatever the size.

use std::collections::HashMap;

use wire::{MemberId, RoomId};

use crate::body::{FileCtrl, FileOffer};
use crate::file_name::sanitise_file_name;
use crate::ids::{FileId, SenderId};
use crate::keys::{AeadKey, RoomKeys};
use crate::stream::{ACK_EVERY, OfferError, SealedChunk, validate_offer};

/// Most transfers one member receives at once (issue 6).
pub const MAX_RECEIVING: usize = 8;

/// A file that arrived whole: what the offer said, names sanitised. Its bytes are the chunks
/// the [`ChunkOutcome`]s handed out, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedFile {
    /// The offering session.
    pub sender: SenderId,
    /// The transfer.
    pub file_id: FileId,
    /// The offered name, sanitised.
    pub name: String,
    /// The offered MIME type; never used to render the file inline.
    pub mime: String,
    /// Size in bytes (checked against the chunks).
    pub size: u64,
}

/// Why an offer cannot be accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcceptError {
    /// The offer breaks the stream rules, or is over the size limit.
    #[error(transparent)]
    Offer(#[from] OfferError),
    /// [`MAX_RECEIVING`] transfers are in progress already.
    #[error("8 files are already arriving; wait for one to finish")]
    Busy,
}

/// What one chunk frame did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// It belongs to no transfer in progress (unknown, finished or aborted): ignored.
    Dropped,
    /// It was the next chunk and verified. Its bytes belong to a file that is not whole yet:
    /// set them aside, unshown, until [`ChunkOutcome::Complete`]; send `ack` to the sender
    /// (SEND_TO `from`) if there is one.
    Progress {
        /// The offering session.
        sender: SenderId,
        /// The transfer.
        file_id: FileId,
        /// The chunk's plaintext.
        bytes: Vec<u8>,
        /// An acknowledgement due now.
        ack: Option<FileCtrl>,
    },
    /// It was the last chunk and the file checks out: count and byte total match the offer.
    Complete {
        /// The file.
        file: ReceivedFile,
        /// The last chunk's plaintext.
        bytes: Vec<u8>,
        /// The final acknowledgement to send.
        ack: FileCtrl,
    },
    /// It failed a check: discard what was set aside, show "transfer incomplete", and send
    /// `cancel` to the sender.
    Aborted {
        /// The offering session.
        sender: SenderId,
        /// The transfer.
        file_id: FileId,
        /// The Cancel to send.
        cancel: FileCtrl,
    },
}

struct Incoming {
    from: MemberId,
    key: AeadKey,
    offer: FileOffer,
    next_index: u32,
    received: u64,
}

/// All transfers this member has accepted and not yet finished.
#[derive(Default)]
pub struct FileReceiver {
    transfers: HashMap<(SenderId, FileId), Incoming>,
}

impl FileReceiver {
    /// Accepts `offer` from `sender` at member `from`, if it follows the stream rules, is at
    /// most `max_size` bytes, and fewer than [`MAX_RECEIVING`] transfers are in progress. The
    /// caller then sends the returned FILE_CTRL Accept.
    pub fn accept(
        &mut self,
        keys: &RoomKeys,
        from: MemberId,
        sender: SenderId,
        offer: &FileOffer,
        max_size: u64,
    ) -> Result<FileCtrl, AcceptError> {
        validate_offer(offer)?;
        if offer.size > max_size {
            return Err(OfferError::TooLarge.into());
        }
        let id = (sender, offer.file_id);
        if !self.transfers.contains_key(&id) && self.transfers.len() >= MAX_RECEIVING {
            return Err(AcceptError::Busy);
        }
        self.transfers.insert(
            id,
            Incoming {
                from,
                key: keys.file_key(sender, offer.file_id),
                offer: offer.clone(),
                next_index: 0,
                received: 0,
            },
        );
        Ok(FileCtrl::Accept {
            file_id: offer.file_id,
        })
    }

    /// Stops a transfer (the user cancelled, or the sender sent Cancel); later chunks are
    /// dropped. Returns whether it was in progress.
    pub fn cancel(&mut self, sender: SenderId, file_id: FileId) -> bool {
        self.transfers.remove(&(sender, file_id)).is_some()
    }

    /// The member `from` left: its transfers end incomplete. Returns them.
    pub fn member_left(&mut self, from: MemberId) -> Vec<(SenderId, FileId)> {
        let gone: Vec<_> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.from == from)
            .map(|(id, _)| *id)
            .collect();
        for id in &gone {
            self.transfers.remove(id);
        }
        gone
    }

    /// Our connection dropped: every transfer ends incomplete (the sender's member id and
    /// ours are gone). Returns them.
    pub fn abort_all(&mut self) -> Vec<(SenderId, FileId)> {
        self.transfers.drain().map(|(id, _)| id).collect()
    }

    /// Transfers in progress.
    pub fn in_progress(&self) -> usize {
        self.transfers.len()
    }

    /// Bytes verified so far of a transfer in progress.
    pub fn received(&self, sender: SenderId, file_id: FileId) -> Option<u64> {
        self.transfers.get(&(sender, file_id)).map(|t| t.received)
    }

    /// Handles one chunk frame delivered by member `from`.
    pub fn receive(&mut self, room_id: &RoomId, from: MemberId, frame: &[u8]) -> ChunkOutcome {
        let Ok(chunk) = SealedChunk::parse(frame) else {
            return ChunkOutcome::Dropped;
        };
        let header = *chunk.header();
        let id = (header.sender, header.file_id);
        let Some(transfer) = self.transfers.get_mut(&id) else {
            return ChunkOutcome::Dropped;
        };
        if transfer.from != from {
            return ChunkOutcome::Dropped;
        }
        let Ok(bytes) = transfer.take(room_id, &chunk) else {
            self.transfers.remove(&id);
            return ChunkOutcome::Aborted {
                sender: header.sender,
                file_id: header.file_id,
                cancel: FileCtrl::Cancel {
                    file_id: header.file_id,
                },
            };
        };
        if !header.is_last() {
            let next = transfer.next_index;
            let ack = (next % ACK_EVERY == 0).then_some(FileCtrl::Ack {
                file_id: header.file_id,
                next_index: next,
            });
            return ChunkOutcome::Progress {
                sender: header.sender,
                file_id: header.file_id,
                bytes,
                ack,
            };
        }
        let Some(Incoming { offer, .. }) = self.transfers.remove(&id) else {
            return ChunkOutcome::Dropped;
        };
        ChunkOutcome::Complete {
            file: ReceivedFile {
                sender: header.sender,
                file_id: header.file_id,
                name: sanitise_file_name(&offer.name),
                mime: offer.mime,
                size: offer.size,
            },
            bytes,
            ack: FileCtrl::Ack {
                file_id: header.file_id,
                next_index: offer.n_chunks,
            },
        }
    }
}

impl Incoming {
    /// Checks one chunk and returns its plaintext; `Err` on the first failed check, including
    /// a last chunk whose byte total disagrees with the offer.
    fn take(&mut self, room_id: &RoomId, chunk: &SealedChunk<'_>) -> Result<Vec<u8>, ()> {
        let header = chunk.header();
        let chunk_size = u64::from(self.offer.chunk_size);
        let len = chunk.plaintext_len() as u64;
        let is_final_index = header.index.checked_add(1) == Some(self.offer.n_chunks);
        // Cheap structural checks first, so a hostile frame costs no decryption.
        let structural = header.index == self.next_index
            && header.flags <= 0x01
            && header.is_last() == is_final_index
            && if header.is_last() {
                len <= chunk_size && self.received + len == self.offer.size
            } else {
                len == chunk_size
            };
        if !structural {
            return Err(());
        }
        let plaintext = chunk.open(room_id, &self.key).map_err(|_| ())?;
        self.received += len;
        self.next_index += 1;
        Ok(plaintext)
    }
}
