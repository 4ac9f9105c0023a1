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
use crate::stream::{
    ACK_EVERY, ChunkCipherInput, ChunkHeader, OfferError, SealedChunk, validate_offer,
};
use zeroize::Zeroizing;

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
        let key = keys.file_key_bytes(sender, offer.file_id);
        self.accept_keyed(key, from, sender, offer, max_size)
    }

    /// As [`Self::accept`], under the key the offer carried (docs/PROTOCOL.md R.9).
    pub fn accept_keyed(
        &mut self,
        key: Zeroizing<[u8; 32]>,
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
                key: AeadKey::new(*key),
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

    /// Whether `frame` from `from` names a transfer in progress from that member (a cheap
    /// filter before queueing it for decryption; [`Self::check`] does every check).
    pub fn expects(&self, from: MemberId, frame: &[u8]) -> bool {
        SealedChunk::parse(frame).is_ok_and(|chunk| {
            let header = chunk.header();
            self.transfers
                .get(&(header.sender, header.file_id))
                .is_some_and(|t| t.from == from)
        })
    }

    /// Handles one chunk frame delivered by member `from`, decrypting it here.
    pub fn receive(&mut self, room_id: &RoomId, from: MemberId, frame: &[u8]) -> ChunkOutcome {
        match self.check(room_id, from, frame) {
            Checked::Done(outcome) => outcome,
            Checked::Open(pending) => {
                let plaintext = SealedChunk::parse(frame).ok().and_then(|chunk| {
                    let key = &self.transfers.get(&(pending.sender, pending.file_id))?.key;
                    chunk.open(room_id, key).ok()
                });
                self.opened(from, &pending, plaintext)
            }
        }
    }

    /// The first half of [`Self::receive`], for decrypting elsewhere (WebCrypto): every check
    /// that needs no key. A frame that fails one aborts its transfer here. Otherwise decrypt
    /// `frame[CHUNK_HEADER_LEN..]` (ciphertext ‖ tag) with the pending chunk's inputs and the
    /// key [`RoomKeys::file_key_bytes`], then call [`Self::opened`] — before checking any other
    /// chunk of the same transfer.
    pub fn check(&mut self, room_id: &RoomId, from: MemberId, frame: &[u8]) -> Checked {
        let Ok(chunk) = SealedChunk::parse(frame) else {
            return Checked::Done(ChunkOutcome::Dropped);
        };
        let header = *chunk.header();
        let id = (header.sender, header.file_id);
        let Some(transfer) = self.transfers.get(&id) else {
            return Checked::Done(ChunkOutcome::Dropped);
        };
        if transfer.from != from {
            return Checked::Done(ChunkOutcome::Dropped);
        }
        if !transfer.fits(&header, chunk.plaintext_len() as u64) {
            return Checked::Done(self.abort(id));
        }
        Checked::Open(PendingChunk {
            sender: header.sender,
            file_id: header.file_id,
            index: header.index,
            last: header.is_last(),
            len: chunk.plaintext_len(),
            input: ChunkCipherInput::new(room_id, &header),
        })
    }

    /// The second half: `plaintext` is the decrypted chunk, or `None` if it failed to
    /// authenticate (which aborts the transfer).
    pub fn opened(
        &mut self,
        from: MemberId,
        pending: &PendingChunk,
        plaintext: Option<Vec<u8>>,
    ) -> ChunkOutcome {
        let id = (pending.sender, pending.file_id);
        // Cancelled, aborted or finished while the chunk was being decrypted: nothing to do.
        let Some(transfer) = self.transfers.get_mut(&id) else {
            return ChunkOutcome::Dropped;
        };
        if transfer.from != from || transfer.next_index != pending.index {
            return ChunkOutcome::Dropped;
        }
        let Some(bytes) = plaintext.filter(|p| p.len() == pending.len) else {
            return self.abort(id);
        };
        transfer.received += bytes.len() as u64;
        transfer.next_index += 1;
        if !pending.last {
            let next = transfer.next_index;
            let ack = (next % ACK_EVERY == 0).then_some(FileCtrl::Ack {
                file_id: pending.file_id,
                next_index: next,
            });
            return ChunkOutcome::Progress {
                sender: pending.sender,
                file_id: pending.file_id,
                bytes,
                ack,
            };
        }
        let Some(Incoming { offer, .. }) = self.transfers.remove(&id) else {
            return ChunkOutcome::Dropped;
        };
        ChunkOutcome::Complete {
            file: ReceivedFile {
                sender: pending.sender,
                file_id: pending.file_id,
                name: sanitise_file_name(&offer.name),
                mime: offer.mime,
                size: offer.size,
            },
            bytes,
            ack: FileCtrl::Ack {
                file_id: pending.file_id,
                next_index: offer.n_chunks,
            },
        }
    }

    fn abort(&mut self, id: (SenderId, FileId)) -> ChunkOutcome {
        self.transfers.remove(&id);
        ChunkOutcome::Aborted {
            sender: id.0,
            file_id: id.1,
            cancel: FileCtrl::Cancel { file_id: id.1 },
        }
    }
}

/// What [`FileReceiver::check`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Decided without decrypting.
    Done(ChunkOutcome),
    /// Passed every check but authentication: decrypt it and call [`FileReceiver::opened`].
    Open(PendingChunk),
}

/// A chunk that passed the structural checks, waiting to be decrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingChunk {
    /// The offering session.
    pub sender: SenderId,
    /// The transfer.
    pub file_id: FileId,
    /// The chunk index.
    pub index: u32,
    /// Whether it is the last chunk.
    pub last: bool,
    /// Its plaintext length.
    pub len: usize,
    /// Header, nonce and associated data for the decryption.
    pub input: ChunkCipherInput,
}

impl Incoming {
    /// The checks that need no key: the next index, valid flags, the last flag exactly on the
    /// last index, full chunks before it, and a byte total that ends at the offered size. Cheap,
    /// so a hostile frame costs no decryption.
    fn fits(&self, header: &ChunkHeader, len: u64) -> bool {
        let chunk_size = u64::from(self.offer.chunk_size);
        let is_final_index = header.index.checked_add(1) == Some(self.offer.n_chunks);
        header.index == self.next_index
            && header.flags <= 0x01
            && header.is_last() == is_final_index
            && if header.is_last() {
                len <= chunk_size && self.received + len == self.offer.size
            } else {
                len == chunk_size
            }
    }
}
