//! One file on offer, as the sender holds it.

use std::collections::BTreeMap;
use std::sync::Arc;

use wire::MemberId;
use zeroize::Zeroizing;

use super::SEALED_KEPT;
use super::digests::ChunkDigests;
use super::receiver::Progress;
use crate::body::FileOffer;
use crate::keys::AeadKey;

/// One file on offer: its key, who receives it and where each stands, and what was sealed.
pub(super) struct Outgoing {
    pub(super) key: AeadKey,
    /// The same key's bytes, for WebCrypto and for offers that carry it (R.9).
    pub(super) raw: Zeroizing<[u8; 32]>,
    pub(super) offer: FileOffer,
    pub(super) receivers: BTreeMap<MemberId, Progress>,
    /// Recently sealed frames by chunk index, at most [`SEALED_KEPT`].
    pub(super) sealed: BTreeMap<u32, Arc<[u8]>>,
    /// What every chunk released so far was sealed to.
    pub(super) digests: ChunkDigests,
}

impl Outgoing {
    pub(super) fn busy(&self) -> bool {
        self.receivers.values().any(Progress::receiving)
    }

    pub(super) fn chunk_span(&self, index: u32) -> (u64, u64) {
        let offset = u64::from(index) * u64::from(self.offer.chunk_size);
        let len = self
            .offer
            .size
            .saturating_sub(offset)
            .min(u64::from(self.offer.chunk_size));
        (offset, len)
    }

    /// Drops kept frames nobody can need again, then the oldest beyond the limit.
    pub(super) fn trim_sealed(&mut self) {
        let needed_from = self
            .receivers
            .values()
            .filter(|p| p.receiving())
            .map(|p| p.next_to_send)
            .min()
            .unwrap_or(u32::MAX);
        self.sealed.retain(|index, _| *index >= needed_from);
        while self.sealed.len() > SEALED_KEPT {
            self.sealed.pop_first();
        }
    }
}
