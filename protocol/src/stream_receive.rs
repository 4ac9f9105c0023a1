//! Receiving files (PROTOCOL.md B.4): a chunk belongs to the accepted offer with the same
//! `sender_id` and `file_id` from the same member; the next index is required; the file is
//! released only after the last chunk verifies with the right count and byte total. The first
//! chunk that fails any check aborts its transfer and discards the partial file. Frames for a
//! finished or unknown transfer are dropped.

use std::collections::HashMap;

use wire::{MemberId, RoomId};

use crate::body::{FileCtrl, FileOffer};
use crate::file_name::sanitise_file_name;
use crate::ids::{FileId, SenderId};
use crate::keys::{AeadKey, RoomKeys};
use crate::stream::{ACK_EVERY, OfferError, SealedChunk, validate_offer};

/// A file that arrived whole.
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
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// What one chunk frame did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// It belongs to no transfer in progress (unknown, finished or aborted): ignored.
    Dropped,
    /// It was the next chunk; send `ack` to the sender (SEND_TO `from`) if there is one.
    Progress {
        /// An acknowledgement due now.
        ack: Option<FileCtrl>,
    },
    /// It was the last chunk and the file checks out.
    Complete {
        /// The file.
        file: ReceivedFile,
        /// The final acknowledgement to send.
        ack: FileCtrl,
    },
    /// It failed a check: the partial file is gone, the user should see "transfer incomplete",
    /// and `cancel` must be sent to the sender.
    Aborted {
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
    bytes: Vec<u8>,
}

/// All transfers this member has accepted and not yet finished.
#[derive(Default)]
pub struct FileReceiver {
    transfers: HashMap<(SenderId, FileId), Incoming>,
}

impl FileReceiver {
    /// Accepts `offer` from `sender` at member `from`, if it follows the stream rules and is at
    /// most `max_size` bytes. The caller then sends FILE_CTRL Accept.
    pub fn accept(
        &mut self,
        keys: &RoomKeys,
        from: MemberId,
        sender: SenderId,
        offer: &FileOffer,
        max_size: u64,
    ) -> Result<FileCtrl, OfferError> {
        validate_offer(offer)?;
        if offer.size > max_size {
            return Err(OfferError::TooLarge);
        }
        self.transfers.insert(
            (sender, offer.file_id),
            Incoming {
                from,
                key: keys.file_key(sender, offer.file_id),
                offer: offer.clone(),
                next_index: 0,
                bytes: Vec::new(),
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

    /// Transfers in progress.
    pub fn in_progress(&self) -> usize {
        self.transfers.len()
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
        match transfer.take(room_id, &chunk) {
            Ok(None) => {
                let next = transfer.next_index;
                let ack = (next % ACK_EVERY == 0).then_some(FileCtrl::Ack {
                    file_id: header.file_id,
                    next_index: next,
                });
                ChunkOutcome::Progress { ack }
            }
            Ok(Some(bytes)) => {
                let transfer = self.transfers.remove(&id);
                let (name, mime, n_chunks) = transfer
                    .map(|t| (t.offer.name, t.offer.mime, t.offer.n_chunks))
                    .unwrap_or_default();
                ChunkOutcome::Complete {
                    file: ReceivedFile {
                        sender: header.sender,
                        file_id: header.file_id,
                        name: sanitise_file_name(&name),
                        mime,
                        bytes,
                    },
                    ack: FileCtrl::Ack {
                        file_id: header.file_id,
                        next_index: n_chunks,
                    },
                }
            }
            Err(()) => {
                self.transfers.remove(&id);
                ChunkOutcome::Aborted {
                    file_id: header.file_id,
                    cancel: FileCtrl::Cancel {
                        file_id: header.file_id,
                    },
                }
            }
        }
    }
}

impl Incoming {
    /// Checks and appends one chunk. `Ok(Some(bytes))` when the file is complete; `Err` on the
    /// first failed check.
    fn take(&mut self, room_id: &RoomId, chunk: &SealedChunk<'_>) -> Result<Option<Vec<u8>>, ()> {
        let header = chunk.header();
        let chunk_size = u64::from(self.offer.chunk_size);
        let len = chunk.plaintext_len() as u64;
        let is_final_index = header.index.checked_add(1) == Some(self.offer.n_chunks);
        // Cheap structural checks first, so a hostile frame costs no decryption.
        let structural = header.index == self.next_index
            && header.flags <= 0x01
            && header.is_last() == is_final_index
            && if header.is_last() {
                len <= chunk_size
            } else {
                len == chunk_size
            };
        if !structural {
            return Err(());
        }
        let plaintext = chunk.open(room_id, &self.key).map_err(|_| ())?;
        self.bytes.extend_from_slice(&plaintext);
        self.next_index += 1;
        if !header.is_last() {
            return Ok(None);
        }
        if self.bytes.len() as u64 != self.offer.size {
            return Err(());
        }
        Ok(Some(std::mem::take(&mut self.bytes)))
    }
}
