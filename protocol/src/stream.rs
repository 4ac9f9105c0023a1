//! File STREAM framing (PROTOCOL.md B.4, as in age and aead-stream's StreamBE32):
//!
//! ```text
//! chunk header = 0x01 ‖ 0x04 ‖ sender_id(16) ‖ file_id(16) ‖ index(u32) ‖ flags(1)   39 bytes
//! nonce        = 00×7 ‖ index(4) ‖ last(1)
//! aad          = room_id ‖ chunk header
//! chunk frame  = chunk header ‖ AEAD(K_file, nonce, chunk bytes, aad)
//! ```
//!
//! Also the offer rules. The sender and receiver state machines live in
//! [`crate::stream_send`] and [`crate::stream_receive`].

use thiserror::Error;
use wire::RoomId;

use crate::aead::{self, AeadKey, NONCE_LEN, TAG_LEN};
use crate::body::FileOffer;
use crate::envelope::VERSION;
use crate::ids::{FileId, SenderId};

/// The kind byte of a chunk frame.
pub const CHUNK_KIND: u8 = 0x04;
/// Chunk header length.
pub const CHUNK_HEADER_LEN: usize = 39;
/// Chunk size the app uses (PROTOCOL.md B.4).
pub const DEFAULT_CHUNK_SIZE: u32 = 65_536;
/// Smallest chunk size a receiver accepts (the vectors use it to stay small).
pub const MIN_CHUNK_SIZE: u32 = 16;
/// Largest chunk size a receiver accepts.
pub const MAX_CHUNK_SIZE: u32 = 65_536;
/// A sender keeps at most this many unacknowledged chunks in flight to one receiver, across all
/// its transfers (PROTOCOL.md B.4).
pub const MAX_IN_FLIGHT: u32 = 8;
/// A receiver acknowledges every this many chunks, as seldom as PROTOCOL.md B.4 allows: in a v2
/// room each acknowledgement is an MLS message (a signature and an encryption by the receiver,
/// a check and a decryption by every member), and every 4 rather than every 2 took about a fifth
/// off both renderers' CPU time for the same file (`cargo xtask bench files`), while a window of
/// [`MAX_IN_FLIGHT`] keeps 4 chunks moving while an acknowledgement is on its way back.
pub const ACK_EVERY: u32 = 4;

/// Why an offer is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum OfferError {
    /// `chunk_size` is outside 16..=65536.
    #[error("chunk size {0} out of range")]
    ChunkSize(u32),
    /// `n_chunks` is not `max(1, ceil(size / chunk_size))`.
    #[error("chunk count does not match size")]
    ChunkCount,
    /// The file is larger than the receiver is willing to take.
    #[error("file too large")]
    TooLarge,
}

/// `max(1, ceil(size / chunk_size))`, or `None` if it does not fit a u32 or `chunk_size` is 0.
pub fn chunk_count(size: u64, chunk_size: u32) -> Option<u32> {
    if chunk_size == 0 {
        return None;
    }
    u32::try_from(size.div_ceil(u64::from(chunk_size)).max(1)).ok()
}

/// Checks the stream rules of an offer (its name and MIME limits are checked when decoding).
pub fn validate_offer(offer: &FileOffer) -> Result<(), OfferError> {
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&offer.chunk_size) {
        return Err(OfferError::ChunkSize(offer.chunk_size));
    }
    if chunk_count(offer.size, offer.chunk_size) != Some(offer.n_chunks) {
        return Err(OfferError::ChunkCount);
    }
    Ok(())
}

/// The clear header of a chunk frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkHeader {
    /// The offering session.
    pub sender: SenderId,
    /// The transfer.
    pub file_id: FileId,
    /// Chunk index, from 0.
    pub index: u32,
    /// The raw flags byte; only 0x00 and 0x01 (last) are valid.
    pub flags: u8,
}

impl ChunkHeader {
    /// Whether the flags byte marks the last chunk.
    pub fn is_last(&self) -> bool {
        self.flags == 0x01
    }

    /// The 39 header bytes.
    pub fn to_bytes(&self) -> [u8; CHUNK_HEADER_LEN] {
        let mut bytes = [0u8; CHUNK_HEADER_LEN];
        bytes[0] = VERSION;
        bytes[1] = CHUNK_KIND;
        bytes[2..18].copy_from_slice(self.sender.as_bytes());
        bytes[18..34].copy_from_slice(self.file_id.as_bytes());
        bytes[34..38].copy_from_slice(&self.index.to_be_bytes());
        bytes[38] = self.flags;
        bytes
    }

    fn nonce(&self) -> [u8; NONCE_LEN] {
        let mut nonce = [0u8; NONCE_LEN];
        nonce[7..11].copy_from_slice(&self.index.to_be_bytes());
        nonce[11] = self.flags;
        nonce
    }
}

/// Everything an AES-256-GCM implementation outside this crate (the browser's WebCrypto, which
/// uses the CPU's AES instructions) needs to seal or open one chunk: its header, nonce and
/// associated data. The frame is `header ‖ AES-GCM(K_file, nonce, bytes, aad)` with a 16-byte
/// tag, exactly as [`seal_chunk`] makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChunkCipherInput {
    /// The 39 header bytes that start the frame.
    pub header: [u8; CHUNK_HEADER_LEN],
    /// The 12-byte nonce.
    pub nonce: [u8; 12],
    /// `room_id ‖ header`.
    pub aad: [u8; 16 + CHUNK_HEADER_LEN],
}

impl ChunkCipherInput {
    /// The inputs for `header` in room `room_id`.
    pub fn new(room_id: &RoomId, header: &ChunkHeader) -> Self {
        let header_bytes = header.to_bytes();
        Self {
            header: header_bytes,
            nonce: header.nonce(),
            aad: aad(room_id, &header_bytes),
        }
    }
}

/// Why a chunk frame was not accepted. Any of these aborts the transfer it belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("chunk rejected")]
pub struct ChunkError;

/// Seals one chunk. `key` must be `K_file(header.sender, header.file_id)`.
pub fn seal_chunk(
    room_id: &RoomId,
    key: &AeadKey,
    header: &ChunkHeader,
    bytes: &[u8],
) -> Result<Vec<u8>, ChunkError> {
    let header_bytes = header.to_bytes();
    let mut out = Vec::with_capacity(CHUNK_HEADER_LEN + bytes.len() + TAG_LEN);
    out.extend_from_slice(&header_bytes);
    out.extend_from_slice(bytes);
    aead::seal_in_place(
        key,
        &header.nonce(),
        &aad(room_id, &header_bytes),
        &mut out,
        CHUNK_HEADER_LEN,
    )
    .map_err(|_| ChunkError)?;
    Ok(out)
}

/// A chunk frame split into its parts, before any cryptographic check.
#[derive(Clone, Copy, Debug)]
pub struct SealedChunk<'a> {
    header: ChunkHeader,
    header_bytes: &'a [u8; CHUNK_HEADER_LEN],
    /// `ciphertext ‖ tag`, at least a tag long.
    sealed: &'a [u8],
}

impl<'a> SealedChunk<'a> {
    /// Splits a frame: version 1, kind 0x04, room for header and tag. The flags byte is kept
    /// raw so that a bad one can abort the transfer it names.
    pub fn parse(frame: &'a [u8]) -> Result<Self, ChunkError> {
        let (header_bytes, sealed) = frame
            .split_first_chunk::<CHUNK_HEADER_LEN>()
            .ok_or(ChunkError)?;
        if sealed.len() < TAG_LEN || header_bytes[0] != VERSION || header_bytes[1] != CHUNK_KIND {
            return Err(ChunkError);
        }
        let mut sender = [0u8; 16];
        sender.copy_from_slice(&header_bytes[2..18]);
        let mut file_id = [0u8; 16];
        file_id.copy_from_slice(&header_bytes[18..34]);
        let mut index = [0u8; 4];
        index.copy_from_slice(&header_bytes[34..38]);
        Ok(Self {
            header: ChunkHeader {
                sender: SenderId(sender),
                file_id: FileId(file_id),
                index: u32::from_be_bytes(index),
                flags: header_bytes[38],
            },
            header_bytes,
            sealed,
        })
    }

    /// The clear header.
    pub fn header(&self) -> &ChunkHeader {
        &self.header
    }

    /// The length of the chunk's plaintext.
    pub fn plaintext_len(&self) -> usize {
        // `parse` made sure the tag is there, so this never saturates.
        self.sealed.len().saturating_sub(TAG_LEN)
    }

    /// Checks the flags and decrypts. `key` must be `K_file(sender, file_id)`.
    pub fn open(&self, room_id: &RoomId, key: &AeadKey) -> Result<Vec<u8>, ChunkError> {
        if self.header.flags > 0x01 {
            return Err(ChunkError);
        }
        let mut plaintext = self.sealed.to_vec();
        aead::open_in_place(
            key,
            &self.header.nonce(),
            &aad(room_id, self.header_bytes),
            &mut plaintext,
        )
        .map_err(|_| ChunkError)?;
        Ok(plaintext)
    }
}

fn aad(room_id: &RoomId, header: &[u8; CHUNK_HEADER_LEN]) -> [u8; 16 + CHUNK_HEADER_LEN] {
    let mut aad = [0u8; 16 + CHUNK_HEADER_LEN];
    aad[..16].copy_from_slice(room_id.as_bytes());
    aad[16..].copy_from_slice(header);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_counts_follow_the_offer_rule() {
        assert_eq!(chunk_count(0, 16), Some(1));
        assert_eq!(chunk_count(16, 16), Some(1));
        assert_eq!(chunk_count(17, 16), Some(2));
        assert_eq!(chunk_count(40, 16), Some(3));
        assert_eq!(chunk_count(u64::MAX, 16), None);
        assert_eq!(chunk_count(1, 0), None);
    }

    fn offer(size: u64, chunk_size: u32, n_chunks: u32) -> FileOffer {
        FileOffer {
            file_id: FileId([0; 16]),
            name: "a".into(),
            mime: "text/plain".into(),
            size,
            chunk_size,
            n_chunks,
        }
    }

    #[test]
    fn offers_are_validated() {
        assert_eq!(validate_offer(&offer(40, 16, 3)), Ok(()));
        assert_eq!(validate_offer(&offer(0, 65_536, 1)), Ok(()));
        assert_eq!(
            validate_offer(&offer(40, 15, 3)),
            Err(OfferError::ChunkSize(15))
        );
        assert_eq!(
            validate_offer(&offer(40, 65_537, 1)),
            Err(OfferError::ChunkSize(65_537))
        );
        assert_eq!(
            validate_offer(&offer(40, 16, 2)),
            Err(OfferError::ChunkCount)
        );
        assert_eq!(
            validate_offer(&offer(0, 16, 0)),
            Err(OfferError::ChunkCount)
        );
    }
}
