//! Sending files (PROTOCOL.md B.4): offers, per-receiver progress, and the in-flight limit of
//! 8 unacknowledged chunks to any one receiver, counted across all transfers to it.
//!
//! Sans-IO: [`FileSender::next_chunk`] says which chunk to send to whom; the app reads those
//! bytes (a slice of the user's file) and seals them with [`FileSender::seal`].

use std::collections::HashMap;

use thiserror::Error;
use wire::{MemberId, RoomId};

use crate::body::{FileCtrl, FileOffer};
use crate::entropy::Entropy;
use crate::ids::{FileId, SenderId};
use crate::keys::{AeadKey, RoomKeys};
use crate::stream::{
    ChunkHeader, DEFAULT_CHUNK_SIZE, MAX_IN_FLIGHT, OfferError, chunk_count, seal_chunk,
    validate_offer,
};

/// Why a chunk could not be produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum SendChunkError {
    /// No transfer with that id.
    #[error("unknown transfer")]
    UnknownTransfer,
    /// The bytes are not the length this chunk must have.
    #[error("chunk has the wrong length")]
    WrongLength,
    /// Sealing failed.
    #[error("chunk could not be sealed")]
    Seal,
}

/// One chunk the app should send now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkRequest {
    /// The receiving member (SEND_TO).
    pub to: MemberId,
    /// The transfer.
    pub file_id: FileId,
    /// The chunk index.
    pub index: u32,
    /// Byte offset of the chunk in the file.
    pub offset: u64,
    /// Byte length of the chunk.
    pub len: usize,
}

#[derive(Clone, Copy, Debug, Default)]
struct Progress {
    next_to_send: u32,
    acked: u32,
}

struct Outgoing {
    key: AeadKey,
    offer: FileOffer,
    receivers: HashMap<MemberId, Progress>,
}

/// All files this session is offering.
pub struct FileSender {
    room_id: RoomId,
    sender: SenderId,
    transfers: HashMap<FileId, Outgoing>,
}

impl FileSender {
    /// A sender for the session `sender` in the room of `keys`.
    pub fn new(keys: &RoomKeys, sender: SenderId) -> Self {
        Self {
            room_id: keys.room_id(),
            sender,
            transfers: HashMap::new(),
        }
    }

    /// Registers a new file and returns the offer to broadcast (chunk size 65 536).
    pub fn offer(
        &mut self,
        keys: &RoomKeys,
        name: &str,
        mime: &str,
        size: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<FileOffer, OfferError> {
        self.offer_with_chunk_size(keys, name, mime, size, DEFAULT_CHUNK_SIZE, entropy)
    }

    /// As [`Self::offer`] with another chunk size (tests use 16).
    pub fn offer_with_chunk_size(
        &mut self,
        keys: &RoomKeys,
        name: &str,
        mime: &str,
        size: u64,
        chunk_size: u32,
        entropy: &mut dyn Entropy,
    ) -> Result<FileOffer, OfferError> {
        let file_id = FileId::random(entropy);
        let offer = FileOffer {
            file_id,
            name: name.to_owned(),
            mime: mime.to_owned(),
            size,
            chunk_size,
            n_chunks: chunk_count(size, chunk_size).ok_or(OfferError::ChunkCount)?,
        };
        validate_offer(&offer)?;
        self.transfers.insert(
            file_id,
            Outgoing {
                key: keys.file_key(self.sender, file_id),
                offer: offer.clone(),
                receivers: HashMap::new(),
            },
        );
        Ok(offer)
    }

    /// Stops offering a file; nothing more of it is sent.
    pub fn withdraw(&mut self, file_id: FileId) {
        self.transfers.remove(&file_id);
    }

    /// FILE_CTRL from member `from` about one of our transfers.
    pub fn on_ctrl(&mut self, from: MemberId, ctrl: &FileCtrl) {
        let Some(transfer) = self.transfers.get_mut(&ctrl.file_id()) else {
            return;
        };
        match *ctrl {
            FileCtrl::Accept { .. } => {
                transfer.receivers.entry(from).or_default();
            }
            FileCtrl::Decline { .. } | FileCtrl::Cancel { .. } => {
                transfer.receivers.remove(&from);
            }
            FileCtrl::Ack { next_index, .. } => {
                if let Some(progress) = transfer.receivers.get_mut(&from) {
                    // Acks only move forward and never past what was sent, so a confused or
                    // hostile receiver cannot open the window beyond the limit.
                    progress.acked = progress.acked.max(next_index.min(progress.next_to_send));
                }
            }
        }
    }

    /// The relay's LEFT: forget that member everywhere.
    pub fn member_left(&mut self, member: MemberId) {
        for transfer in self.transfers.values_mut() {
            transfer.receivers.remove(&member);
        }
    }

    /// Unacknowledged chunks in flight to `member`, across all transfers.
    pub fn in_flight(&self, member: MemberId) -> u32 {
        self.transfers
            .values()
            .filter_map(|t| t.receivers.get(&member))
            .map(|p| p.next_to_send - p.acked)
            .sum()
    }

    /// Whether `member` has acknowledged every chunk of `file_id`.
    pub fn delivered(&self, file_id: FileId, member: MemberId) -> bool {
        self.transfers
            .get(&file_id)
            .and_then(|t| {
                t.receivers
                    .get(&member)
                    .map(|p| p.acked == t.offer.n_chunks)
            })
            .unwrap_or(false)
    }

    /// The next chunk to send, if any receiver has both a chunk left and room in its window.
    /// Marks it as sent.
    pub fn next_chunk(&mut self) -> Option<ChunkRequest> {
        let mut in_flight: HashMap<MemberId, u32> = HashMap::new();
        for transfer in self.transfers.values() {
            for (member, progress) in &transfer.receivers {
                *in_flight.entry(*member).or_default() += progress.next_to_send - progress.acked;
            }
        }
        for (file_id, transfer) in self.transfers.iter_mut() {
            let offer = &transfer.offer;
            for (member, progress) in transfer.receivers.iter_mut() {
                let busy = in_flight.get(member).copied().unwrap_or(0);
                if progress.next_to_send < offer.n_chunks && busy < MAX_IN_FLIGHT {
                    let index = progress.next_to_send;
                    progress.next_to_send += 1;
                    let offset = u64::from(index) * u64::from(offer.chunk_size);
                    let len = offer
                        .size
                        .saturating_sub(offset)
                        .min(u64::from(offer.chunk_size));
                    return Some(ChunkRequest {
                        to: *member,
                        file_id: *file_id,
                        index,
                        offset,
                        len: usize::try_from(len).unwrap_or(usize::MAX),
                    });
                }
            }
        }
        None
    }

    /// Seals chunk `index` of `file_id`; `bytes` must be exactly that chunk of the file.
    pub fn seal(
        &self,
        file_id: FileId,
        index: u32,
        bytes: &[u8],
    ) -> Result<Vec<u8>, SendChunkError> {
        let transfer = self
            .transfers
            .get(&file_id)
            .ok_or(SendChunkError::UnknownTransfer)?;
        let offer = &transfer.offer;
        let last = index.checked_add(1) == Some(offer.n_chunks);
        let offset = u64::from(index) * u64::from(offer.chunk_size);
        let expected = offer
            .size
            .saturating_sub(offset)
            .min(u64::from(offer.chunk_size));
        if index >= offer.n_chunks || bytes.len() as u64 != expected {
            return Err(SendChunkError::WrongLength);
        }
        let header = ChunkHeader {
            sender: self.sender,
            file_id,
            index,
            flags: u8::from(last),
        };
        seal_chunk(&self.room_id, &transfer.key, &header, bytes).map_err(|_| SendChunkError::Seal)
    }
}
