//! Fountain frames for offline blobs larger than one QR code (PROTOCOL.md C.3):
//!
//! ```text
//! frame  = msg_id(4) ‖ blob_len(u32) ‖ symbol_size(u16) ‖ RaptorQ packet (RFC 6330)
//! packet = source block number(1) = 0 ‖ encoding symbol id(3) ‖ exactly T bytes
//! msg_id = first 4 bytes of SHA-256(blob)
//! ```
//!
//! One source block, one sub-block, alignment 8. The `raptorq` crate asserts on bad input, so
//! every bound is checked here before a byte reaches it.

use std::collections::HashSet;

use raptorq::{Decoder, EncodingPacket, ObjectTransmissionInformation, SourceBlockEncoder};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// Largest blob carried by fountain frames.
pub const MAX_BLOB_LEN: u32 = 262_144;
/// Smallest symbol size.
pub const MIN_SYMBOL_SIZE: u16 = 64;
/// Largest symbol size.
pub const MAX_SYMBOL_SIZE: u16 = 2_048;
/// Symbol sizes are multiples of this (the RaptorQ alignment).
pub const SYMBOL_ALIGNMENT: u16 = 8;
/// Most source symbols per blob.
pub const MAX_SOURCE_SYMBOLS: u32 = 8_192;
/// Bytes before the symbol: msg_id, blob_len, symbol_size, payload id.
pub const FRAME_OVERHEAD: usize = 4 + 4 + 2 + 4;
/// Encoding symbol ids are 24 bits (RFC 6330 §3.2).
const ESI_LIMIT: u32 = 1 << 24;

/// Why fountain frames cannot be made or taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum FountainError {
    /// `blob_len`, symbol size or symbol count is out of bounds, or the frame length is wrong.
    #[error("malformed fountain frame")]
    Malformed,
    /// A frame of another message (different msg_id) than the one being collected.
    #[error("frame of another message")]
    Foreign,
    /// Same msg_id, but a different blob_len or symbol size.
    #[error("inconsistent fountain frame")]
    Inconsistent,
    /// Reconstruction produced bytes whose SHA-256 does not match msg_id; collection restarts.
    #[error("reconstructed message is corrupt")]
    Corrupt,
}

/// The symbol size for a blob of `blob_len` bytes shown in frames of at most `max` bytes of
/// symbol: as few symbols as `max` allows, made as even as the alignment lets them be (a 700-byte
/// blob goes in two symbols of 352, not 624 + 76, so every frame's code is as small as it can
/// be). `max` is clamped to the protocol's bounds.
pub fn symbol_size_for(blob_len: usize, max: u16) -> u16 {
    let max = max.clamp(MIN_SYMBOL_SIZE, MAX_SYMBOL_SIZE) / SYMBOL_ALIGNMENT * SYMBOL_ALIGNMENT;
    let symbols = blob_len.div_ceil(usize::from(max)).max(1);
    let even = blob_len
        .div_ceil(symbols)
        .next_multiple_of(usize::from(SYMBOL_ALIGNMENT));
    u16::try_from(even).map_or(max, |even| even.clamp(MIN_SYMBOL_SIZE, max))
}

/// `msg_id`: the first 4 bytes of SHA-256(blob).
pub fn msg_id(blob: &[u8]) -> [u8; 4] {
    let digest = Sha256::digest(blob);
    [digest[0], digest[1], digest[2], digest[3]]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Params {
    msg_id: [u8; 4],
    blob_len: u32,
    symbol_size: u16,
}

impl Params {
    fn new(msg_id: [u8; 4], blob_len: u32, symbol_size: u16) -> Result<Self, FountainError> {
        let within = (1..=MAX_BLOB_LEN).contains(&blob_len)
            && (MIN_SYMBOL_SIZE..=MAX_SYMBOL_SIZE).contains(&symbol_size)
            && symbol_size.is_multiple_of(SYMBOL_ALIGNMENT)
            && blob_len.div_ceil(u32::from(symbol_size)) <= MAX_SOURCE_SYMBOLS;
        if within {
            Ok(Self {
                msg_id,
                blob_len,
                symbol_size,
            })
        } else {
            Err(FountainError::Malformed)
        }
    }

    fn source_symbols(&self) -> u32 {
        self.blob_len.div_ceil(u32::from(self.symbol_size))
    }

    fn transmission(&self) -> ObjectTransmissionInformation {
        // Only reached with bounds checked, which keep raptorq's assertions true.
        ObjectTransmissionInformation::new(
            u64::from(self.blob_len),
            self.symbol_size,
            1,
            1,
            SYMBOL_ALIGNMENT as u8,
        )
    }

    fn header(&self) -> [u8; 10] {
        let mut header = [0u8; 10];
        header[..4].copy_from_slice(&self.msg_id);
        header[4..8].copy_from_slice(&self.blob_len.to_be_bytes());
        header[8..].copy_from_slice(&self.symbol_size.to_be_bytes());
        header
    }
}

/// Produces the frames of one blob: ESI 0 … K−1 (the source symbols), then fresh repair ESIs,
/// never repeating one until all 2^24 are used.
pub struct FountainEncoder {
    params: Params,
    padded: Vec<u8>,
    encoder: SourceBlockEncoder,
    next_esi: u32,
}

impl FountainEncoder {
    /// An encoder for `blob` with symbol size `symbol_size` (a multiple of 8 in 64..=2048).
    pub fn new(blob: &[u8], symbol_size: u16) -> Result<Self, FountainError> {
        let blob_len = u32::try_from(blob.len()).map_err(|_| FountainError::Malformed)?;
        let params = Params::new(msg_id(blob), blob_len, symbol_size)?;
        let mut padded = blob.to_vec();
        padded.resize(
            params.source_symbols() as usize * usize::from(symbol_size),
            0,
        );
        let encoder = SourceBlockEncoder::new(0, &params.transmission(), &padded);
        Ok(Self {
            params,
            padded,
            encoder,
            next_esi: 0,
        })
    }

    /// K, the number of source symbols.
    pub fn source_symbols(&self) -> u32 {
        self.params.source_symbols()
    }

    /// The frame with encoding symbol id `esi` (taken modulo 2^24).
    pub fn frame(&self, esi: u32) -> Vec<u8> {
        let esi = esi % ESI_LIMIT;
        let k = self.source_symbols();
        let size = usize::from(self.params.symbol_size);
        let mut frame = Vec::with_capacity(FRAME_OVERHEAD + size);
        frame.extend_from_slice(&self.params.header());
        frame.push(0);
        frame.extend_from_slice(&esi.to_be_bytes()[1..]);
        if esi < k {
            let start = esi as usize * size;
            frame.extend_from_slice(&self.padded[start..start + size]);
        } else if let Some(packet) = self.encoder.repair_packets(esi - k, 1).first() {
            frame.extend_from_slice(packet.data());
        }
        frame
    }

    /// The next frame to show.
    pub fn next_frame(&mut self) -> Vec<u8> {
        let frame = self.frame(self.next_esi);
        self.next_esi = (self.next_esi + 1) % ESI_LIMIT;
        frame
    }
}

/// What taking one frame did.
#[derive(Debug, PartialEq, Eq)]
pub enum FountainProgress {
    /// More frames are needed.
    Collecting {
        /// Distinct frames so far.
        distinct: usize,
        /// K: the number of source symbols (reconstruction needs about this many).
        source_symbols: u32,
    },
    /// A frame already taken.
    Duplicate,
    /// The blob, reconstructed and matching its msg_id; open it with [`crate::blob`].
    Complete(Vec<u8>),
}

/// Collects the frames of one message in any order.
#[derive(Default)]
pub struct FountainDecoder {
    state: Option<(Params, Decoder, HashSet<u32>)>,
}

impl FountainDecoder {
    /// Takes one frame. Every bound is checked before the frame reaches raptorq.
    pub fn push(&mut self, frame: &[u8]) -> Result<FountainProgress, FountainError> {
        let (header, packet) = frame
            .split_first_chunk::<10>()
            .ok_or(FountainError::Malformed)?;
        let msg = [header[0], header[1], header[2], header[3]];
        let blob_len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        let symbol_size = u16::from_be_bytes([header[8], header[9]]);
        let params = Params::new(msg, blob_len, symbol_size)?;
        if packet.len() != 4 + usize::from(symbol_size) || packet[0] != 0 {
            return Err(FountainError::Malformed);
        }
        let esi = u32::from_be_bytes([0, packet[1], packet[2], packet[3]]);
        let (current, decoder, seen) = self
            .state
            .get_or_insert_with(|| (params, Decoder::new(params.transmission()), HashSet::new()));
        if current.msg_id != params.msg_id {
            return Err(FountainError::Foreign);
        }
        if *current != params {
            return Err(FountainError::Inconsistent);
        }
        if !seen.insert(esi) {
            return Ok(FountainProgress::Duplicate);
        }
        let source_symbols = params.source_symbols();
        // RaptorQ decodes from K + a few symbols almost always; far more than that without
        // success means corrupted frames, and starting over bounds memory.
        if seen.len() > 2 * source_symbols as usize + 16 {
            self.state = None;
            return Err(FountainError::Corrupt);
        }
        let Some(blob) = decoder.decode(EncodingPacket::deserialize(packet)) else {
            return Ok(FountainProgress::Collecting {
                distinct: seen.len(),
                source_symbols,
            });
        };
        self.state = None;
        if msg_id(&blob) != params.msg_id || blob.len() != blob_len as usize {
            return Err(FountainError::Corrupt);
        }
        Ok(FountainProgress::Complete(blob))
    }

    /// Forgets the message being collected.
    pub fn reset(&mut self) {
        self.state = None;
    }
}
