//! Sending files (PROTOCOL.md B.4): offers, per-receiver progress and state, and the in-flight
//! limit of 8 unacknowledged chunks to any one receiver, counted across all transfers to it.
//!
//! Each chunk is sealed once for every receiver that needs it at the same time: the chunk frame
//! names no receiver, so one sealed frame goes by SEND_TO to each. A few recently sealed frames
//! are kept, so a receiver a little behind the others reuses them instead of costing another
//! encryption.
//!
//! A chunk no longer kept is sealed again from a fresh read of the file, under the same nonce;
//! the sender releases it only if it is the frame released before (`digests.rs`), and ends the
//! transfer otherwise ([`SendChunkError::Changed`]).
//!
//! Sans-IO: [`FileSender::next_chunk`] says which chunk to send to whom; the app reads those
//! bytes (a slice of the user's file, never the whole file) and seals them with
//! [`FileSender::seal`], or takes the frame from [`FileSender::sealed`] if it is still kept.

use std::collections::BTreeMap;
use std::sync::Arc;

use thiserror::Error;
use wire::{MemberId, RoomId};
use zeroize::Zeroizing;

use crate::body::{FileCtrl, FileOffer};
use crate::entropy::Entropy;
use crate::envelope::TAG_LEN;
use crate::ids::{FileId, SenderId};
use crate::keys::{AeadKey, RoomKeys};

mod digests;
mod receiver;
mod transfer;

use receiver::Progress;
pub use receiver::{ReceiverProgress, ReceiverState};
use transfer::Outgoing;

use crate::stream::{
    CHUNK_HEADER_LEN, ChunkCipherInput, ChunkHeader, DEFAULT_CHUNK_SIZE, MAX_IN_FLIGHT, OfferError,
    chunk_count, seal_chunk, validate_offer,
};

/// Most files one member offers at once (issue 6: at most 8 concurrent transfers per member).
pub const MAX_OPEN_OFFERS: usize = 8;
/// Sealed chunk frames kept per transfer for receivers that are a little behind (1 MiB).
pub const SEALED_KEPT: usize = 16;

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
    /// The chunk was sealed before to other bytes: the file changed since it was first read.
    /// Its nonce is fixed by its index, so the new frame is not released, and the transfer has
    /// ended (nothing more of it is sent).
    #[error("the file changed while it was being sent")]
    Changed,
}

/// Why a file cannot be offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum OfferRefused {
    /// The offer breaks the stream rules (e.g. too many chunks).
    #[error(transparent)]
    Invalid(#[from] OfferError),
    /// [`MAX_OPEN_OFFERS`] files are being sent and none can be closed to make room.
    #[error("8 files are already being sent; wait for one to finish")]
    Busy,
}

/// One chunk the app should send now, to every member in `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkRequest {
    /// The receiving members (one SEND_TO each, same frame).
    pub to: Vec<MemberId>,
    /// The transfer.
    pub file_id: FileId,
    /// The chunk index.
    pub index: u32,
    /// Byte offset of the chunk in the file.
    pub offset: u64,
    /// Byte length of the chunk.
    pub len: usize,
}

/// All files this session is offering.
pub struct FileSender {
    room_id: RoomId,
    sender: SenderId,
    /// In the order offered.
    transfers: Vec<Outgoing>,
    /// Round-robin position, so transfers share the window fairly.
    turn: usize,
    seals: u64,
}

impl FileSender {
    /// A sender for the session `sender` in the room of `keys`.
    pub fn new(keys: &RoomKeys, sender: SenderId) -> Self {
        Self::in_room(keys.room_id(), sender)
    }

    /// A sender for the session `sender` in the room `room_id`, for files whose keys are
    /// drawn per offer ([`Self::offer_keyed`], docs/PROTOCOL.md R.9).
    pub fn in_room(room_id: RoomId, sender: SenderId) -> Self {
        Self {
            room_id,
            sender,
            transfers: Vec::new(),
            turn: 0,
            seals: 0,
        }
    }

    /// The session whose id chunk headers carry.
    pub fn sender(&self) -> SenderId {
        self.sender
    }

    /// The raw key of a file on offer, to import elsewhere (WebCrypto) or to carry in an offer.
    pub fn key_bytes(&self, file_id: FileId) -> Option<Zeroizing<[u8; 32]>> {
        self.get(file_id).map(|t| t.raw.clone())
    }

    /// Registers a new file and returns the offer to broadcast (chunk size 65 536), and the
    /// offers closed to make room for it (broadcast a Cancel for each).
    pub fn offer(
        &mut self,
        keys: &RoomKeys,
        name: &str,
        mime: &str,
        size: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<(FileOffer, Vec<FileId>), OfferRefused> {
        self.offer_with_chunk_size(keys, name, mime, size, DEFAULT_CHUNK_SIZE, entropy)
    }

    /// As [`Self::offer`] with another chunk size (tests use 16).
    ///
    /// At most [`MAX_OPEN_OFFERS`] files stay offered: the oldest offer nobody is receiving is
    /// closed to make room, and if every one is busy the new file is refused.
    pub fn offer_with_chunk_size(
        &mut self,
        keys: &RoomKeys,
        name: &str,
        mime: &str,
        size: u64,
        chunk_size: u32,
        entropy: &mut dyn Entropy,
    ) -> Result<(FileOffer, Vec<FileId>), OfferRefused> {
        let sender = self.sender;
        self.offer_keyed(
            |file_id| keys.file_key_bytes(sender, file_id),
            name,
            mime,
            size,
            chunk_size,
            entropy,
        )
    }

    /// As [`Self::offer_with_chunk_size`], keyed by `key` of the new file's id: the room's
    /// derived key (part 1), or `K_file` drawn for it (R.9).
    pub fn offer_keyed(
        &mut self,
        key: impl FnOnce(FileId) -> Zeroizing<[u8; 32]>,
        name: &str,
        mime: &str,
        size: u64,
        chunk_size: u32,
        entropy: &mut dyn Entropy,
    ) -> Result<(FileOffer, Vec<FileId>), OfferRefused> {
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
        let raw = key(file_id);
        let mut closed = Vec::new();
        while self.transfers.len() >= MAX_OPEN_OFFERS {
            let idle = self
                .transfers
                .iter()
                .position(|t| !t.busy())
                .ok_or(OfferRefused::Busy)?;
            closed.push(self.transfers.remove(idle).offer.file_id);
        }
        self.transfers.push(Outgoing {
            key: AeadKey::new(*raw),
            raw,
            offer: offer.clone(),
            receivers: BTreeMap::new(),
            sealed: BTreeMap::new(),
            digests: Default::default(),
        });
        Ok((offer, closed))
    }

    /// Stops offering a file; nothing more of it is sent. Returns the members that were
    /// receiving it (send each a Cancel).
    pub fn withdraw(&mut self, file_id: FileId) -> Vec<MemberId> {
        let Some(at) = self.position(file_id) else {
            return Vec::new();
        };
        let transfer = self.transfers.remove(at);
        transfer
            .receivers
            .iter()
            .filter(|(_, p)| p.receiving())
            .map(|(member, _)| *member)
            .collect()
    }

    /// Every open offer, oldest first.
    pub fn offers(&self) -> impl Iterator<Item = &FileOffer> {
        self.transfers.iter().map(|t| &t.offer)
    }

    /// The receivers of `file_id` and where each stands.
    pub fn progress(&self, file_id: FileId) -> Vec<ReceiverProgress> {
        let Some(transfer) = self.get(file_id) else {
            return Vec::new();
        };
        transfer
            .receivers
            .iter()
            .map(|(member, p)| {
                let (offset, len) = transfer.chunk_span(p.acked.saturating_sub(1));
                ReceiverProgress {
                    member: *member,
                    state: p.state,
                    bytes: if p.acked == 0 { 0 } else { offset + len },
                }
            })
            .collect()
    }

    /// FILE_CTRL from member `from` about one of our transfers. Returns whether anything
    /// changed that a progress display shows.
    pub fn on_ctrl(&mut self, from: MemberId, ctrl: &FileCtrl) -> bool {
        let Some(at) = self.position(ctrl.file_id()) else {
            return false;
        };
        let transfer = &mut self.transfers[at];
        let n_chunks = transfer.offer.n_chunks;
        let changed = match *ctrl {
            FileCtrl::Accept { .. } => match transfer.receivers.get(&from) {
                // A receiver answers once; a second Accept (or one after Decline) is ignored.
                Some(_) => false,
                None => {
                    transfer.receivers.insert(
                        from,
                        Progress {
                            next_to_send: 0,
                            acked: 0,
                            state: ReceiverState::Receiving { acked: 0 },
                        },
                    );
                    true
                }
            },
            FileCtrl::Decline { .. } => match transfer.receivers.entry(from) {
                std::collections::btree_map::Entry::Occupied(_) => false,
                std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(Progress {
                        next_to_send: 0,
                        acked: 0,
                        state: ReceiverState::Declined,
                    });
                    true
                }
            },
            FileCtrl::Cancel { .. } => match transfer.receivers.get_mut(&from) {
                Some(p) if p.receiving() => {
                    p.state = ReceiverState::Cancelled;
                    true
                }
                _ => false,
            },
            FileCtrl::Ack { next_index, .. } => match transfer.receivers.get_mut(&from) {
                Some(p) if p.receiving() => {
                    // Acks only move forward and never past what was sent, so a confused or
                    // hostile receiver cannot open the window beyond the limit.
                    let acked = p.acked.max(next_index.min(p.next_to_send));
                    let moved = acked != p.acked;
                    p.acked = acked;
                    p.state = if acked == n_chunks {
                        ReceiverState::Done
                    } else {
                        ReceiverState::Receiving { acked }
                    };
                    moved
                }
                _ => false,
            },
        };
        transfer.trim_sealed();
        changed
    }

    /// The relay's LEFT: every transfer that member was receiving ends as [`ReceiverState::Left`].
    /// Returns the transfers that changed.
    pub fn member_left(&mut self, member: MemberId) -> Vec<FileId> {
        let mut changed = Vec::new();
        for transfer in &mut self.transfers {
            if let Some(p) = transfer.receivers.get_mut(&member)
                && p.receiving()
            {
                p.state = ReceiverState::Left;
                changed.push(transfer.offer.file_id);
                transfer.trim_sealed();
            }
        }
        changed
    }

    /// Unacknowledged chunks in flight to `member`, across all transfers.
    pub fn in_flight(&self, member: MemberId) -> u32 {
        self.transfers
            .iter()
            .filter_map(|t| t.receivers.get(&member))
            .map(Progress::in_flight)
            .sum()
    }

    /// Whether `member` has acknowledged every chunk of `file_id`.
    pub fn delivered(&self, file_id: FileId, member: MemberId) -> bool {
        self.get(file_id)
            .and_then(|t| t.receivers.get(&member))
            .is_some_and(|p| p.state == ReceiverState::Done)
    }

    /// How many chunks were sealed so far (each chunk once per send, not once per receiver).
    pub fn seals(&self) -> u64 {
        self.seals
    }

    /// The next chunk to send, if any receiver has both a chunk left and room in its window:
    /// the lowest index any such receiver of one transfer needs, for every receiver of that
    /// transfer that needs that index and has room. Marks it as sent to them. Transfers take
    /// turns.
    pub fn next_chunk(&mut self) -> Option<ChunkRequest> {
        let mut in_flight: BTreeMap<MemberId, u32> = BTreeMap::new();
        for transfer in &self.transfers {
            for (member, progress) in &transfer.receivers {
                *in_flight.entry(*member).or_default() += progress.in_flight();
            }
        }
        let count = self.transfers.len();
        for step in 0..count {
            let at = (self.turn + step) % count;
            let transfer = &mut self.transfers[at];
            let n_chunks = transfer.offer.n_chunks;
            let ready = |member: &MemberId, p: &Progress| {
                p.receiving()
                    && p.next_to_send < n_chunks
                    && in_flight.get(member).copied().unwrap_or(0) < MAX_IN_FLIGHT
            };
            let Some(index) = transfer
                .receivers
                .iter()
                .filter(|(m, p)| ready(m, p))
                .map(|(_, p)| p.next_to_send)
                .min()
            else {
                continue;
            };
            let mut to = Vec::new();
            for (member, progress) in transfer.receivers.iter_mut() {
                if progress.next_to_send == index && ready(member, progress) {
                    progress.next_to_send += 1;
                    to.push(*member);
                }
            }
            let (offset, len) = transfer.chunk_span(index);
            self.turn = (at + 1) % count;
            return Some(ChunkRequest {
                to,
                file_id: transfer.offer.file_id,
                index,
                offset,
                len: usize::try_from(len).unwrap_or(usize::MAX),
            });
        }
        None
    }

    /// The frame of chunk `index` of `file_id` if it was sealed recently and is still kept.
    pub fn sealed(&self, file_id: FileId, index: u32) -> Option<Arc<[u8]>> {
        self.get(file_id)?.sealed.get(&index).cloned()
    }

    /// Seals chunk `index` of `file_id` and keeps the frame for other receivers; `bytes` must be
    /// exactly that chunk of the file. Fails with [`SendChunkError::Changed`], ending the
    /// transfer, if the chunk was sealed before to other bytes (see [`Self::keep`]).
    pub fn seal(
        &mut self,
        file_id: FileId,
        index: u32,
        bytes: &[u8],
    ) -> Result<Arc<[u8]>, SendChunkError> {
        let input = self.plan(file_id, index, bytes.len())?;
        let at = self
            .position(file_id)
            .ok_or(SendChunkError::UnknownTransfer)?;
        let header = ChunkHeader {
            sender: self.sender,
            file_id,
            index,
            flags: input.header[CHUNK_HEADER_LEN - 1],
        };
        let frame = seal_chunk(&self.room_id, &self.transfers[at].key, &header, bytes)
            .map_err(|_| SendChunkError::Seal)?;
        self.keep(file_id, index, frame)
    }

    /// The header, nonce and associated data to seal chunk `index` of `file_id` elsewhere
    /// (WebCrypto), after checking that `len` is that chunk's length. The key is
    /// [`RoomKeys::file_key_bytes`] of [`Self::sender`] and `file_id`.
    pub fn plan(
        &self,
        file_id: FileId,
        index: u32,
        len: usize,
    ) -> Result<ChunkCipherInput, SendChunkError> {
        let transfer = self.get(file_id).ok_or(SendChunkError::UnknownTransfer)?;
        let (_, expected) = transfer.chunk_span(index);
        if index >= transfer.offer.n_chunks || len as u64 != expected {
            return Err(SendChunkError::WrongLength);
        }
        let header = ChunkHeader {
            sender: self.sender,
            file_id,
            index,
            flags: u8::from(index.checked_add(1) == Some(transfer.offer.n_chunks)),
        };
        Ok(ChunkCipherInput::new(&self.room_id, &header))
    }

    /// Keeps a frame sealed elsewhere from [`Self::plan`]'s inputs (header ‖ ciphertext ‖ tag)
    /// for the receivers that still need it, and returns it: the frame to send.
    ///
    /// Every frame passes here before it may be sent, sealed here or elsewhere. A chunk sealed
    /// again (its kept frame gone) must come out as the very frame released before: under one
    /// key and nonce a different frame means different bytes, and two of those would let the
    /// relay forge chunks of the file (`digests.rs`). Such a frame is refused with
    /// [`SendChunkError::Changed`] and the whole transfer ends here, so no chunk of a file that
    /// changed goes out after it, whatever the app does next.
    pub fn keep(
        &mut self,
        file_id: FileId,
        index: u32,
        frame: Vec<u8>,
    ) -> Result<Arc<[u8]>, SendChunkError> {
        let at = self
            .position(file_id)
            .ok_or(SendChunkError::UnknownTransfer)?;
        let transfer = &mut self.transfers[at];
        let (_, len) = transfer.chunk_span(index);
        if index >= transfer.offer.n_chunks
            || frame.len() as u64 != CHUNK_HEADER_LEN as u64 + len + TAG_LEN as u64
        {
            return Err(SendChunkError::WrongLength);
        }
        if !transfer.digests.admit(index, &frame) {
            self.transfers.remove(at);
            return Err(SendChunkError::Changed);
        }
        let frame: Arc<[u8]> = frame.into();
        self.seals += 1;
        transfer.sealed.insert(index, Arc::clone(&frame));
        // Kept only while some receiver still has to be sent this index.
        transfer.trim_sealed();
        Ok(frame)
    }

    fn position(&self, file_id: FileId) -> Option<usize> {
        self.transfers
            .iter()
            .position(|t| t.offer.file_id == file_id)
    }

    fn get(&self, file_id: FileId) -> Option<&Outgoing> {
        self.transfers.iter().find(|t| t.offer.file_id == file_id)
    }
}
