//! Offers of ours: the person shares a file, members who come later get the open offers, and
//! each receiver's answers and acknowledgements move its line on the card.

use wire::MemberId;

use super::{Card, ChunkSink, FileKeys, OfferFileError, Outbound, Outgoing, SavedFile, Transfers};
use crate::body::{FileCtrl, MAX_MIME_LEN};
use crate::entropy::Entropy;
use crate::file_name::sanitise_file_name;
use crate::ids::FileId;
use crate::stream::DEFAULT_CHUNK_SIZE;
use crate::transfer_rate::Rate;
use zeroize::Zeroizing;

/// The card's status once the file changed on disk during a transfer.
pub const FILE_CHANGED: &str =
    "Stopped: the file changed on disk while it was being sent; share it again";

impl<F, S: ChunkSink, D: SavedFile> Transfers<F, S, D> {
    /// The person offers `file` (named `name`, of type `mime`, `size` bytes) to the room;
    /// `live` are the members online now. Returns what to send, or why not.
    ///
    /// The name is sanitised and a MIME type longer than an offer may carry is dropped. At
    /// most 8 files stay offered: the oldest nobody is receiving is closed for a ninth (its
    /// Cancel goes out before the new offer).
    pub fn offer(
        &mut self,
        file: F,
        name: &str,
        mime: &str,
        size: u64,
        live: &[MemberId],
        entropy: &mut dyn Entropy,
    ) -> Result<Vec<Outbound>, OfferFileError> {
        self.offer_to(file, name, mime, size, live, None, entropy)
    }

    /// As [`Self::offer`], to the member `to` alone in a private conversation (R.10): the
    /// offer goes to them only, never to members who arrive later.
    pub fn offer_privately(
        &mut self,
        file: F,
        name: &str,
        mime: &str,
        size: u64,
        to: MemberId,
        entropy: &mut dyn Entropy,
    ) -> Result<Vec<Outbound>, OfferFileError> {
        self.offer_to(file, name, mime, size, &[to], Some(to), entropy)
    }

    #[allow(clippy::too_many_arguments)]
    fn offer_to(
        &mut self,
        file: F,
        name: &str,
        mime: &str,
        size: u64,
        live: &[MemberId],
        private: Option<MemberId>,
        entropy: &mut dyn Entropy,
    ) -> Result<Vec<Outbound>, OfferFileError> {
        if !self.relay_carries_files {
            return Err(OfferFileError::RelayCarriesNoFiles);
        }
        let name = sanitise_file_name(name);
        if size > self.max_file_size {
            return Err(OfferFileError::TooLarge {
                name,
                size,
                max: self.max_file_size,
            });
        }
        // An offer with a longer type would not encode; the type is only a hint anyway.
        let mime = if mime.len() > MAX_MIME_LEN { "" } else { mime };
        let made = match &self.keys {
            FileKeys::Derived(keys) => self.sender.offer(keys, &name, mime, size, entropy),
            FileKeys::Carried(_) => {
                let mut key = Zeroizing::new([0u8; 32]);
                entropy.fill(&mut key[..]);
                self.sender
                    .offer_keyed(|_| key, &name, mime, size, DEFAULT_CHUNK_SIZE, entropy)
            }
        };
        let (offer, closed) = match made {
            Ok(made) => made,
            Err(reason) => return Err(OfferFileError::Refused { name, reason }),
        };
        let mut sends = Vec::new();
        for file_id in closed {
            self.close_outgoing(file_id, "No longer offered (8 files at most)");
            sends.push(Outbound::CtrlAll(FileCtrl::Cancel { file_id }));
        }
        sends.push(Outbound::Offer(private, offer.clone()));
        self.cards.push(Card::Out(Outgoing {
            offer,
            file,
            private: private.is_some(),
            offered_to: live.to_vec(),
            rates: Vec::new(),
            closed: None,
        }));
        Ok(sends)
    }

    /// Members now live: those who have not seen our open offers get them.
    pub fn members_live(&mut self, live: &[MemberId]) -> Vec<Outbound> {
        let mut sends = Vec::new();
        for card in &mut self.cards {
            if let Card::Out(out) = card
                && out.closed.is_none()
                && !out.private
            {
                for member in live {
                    if !out.offered_to.contains(member) {
                        out.offered_to.push(*member);
                        sends.push(Outbound::Offer(Some(*member), out.offer.clone()));
                    }
                }
            }
        }
        sends
    }

    /// Reading the person's file failed: stop offering it.
    pub fn unreadable(&mut self, file_id: FileId) -> Vec<Outbound> {
        self.sender.withdraw(file_id);
        self.close_outgoing(file_id, "Could not read the file; stopped");
        vec![Outbound::CtrlAll(FileCtrl::Cancel { file_id })]
    }

    /// Sealing a chunk of `file_id` again gave a frame other than the one sent before: the
    /// person's file changed on disk since it was first read ([`SendChunkError::Changed`]; the
    /// sender has already ended the transfer). The card says so and every receiver is told.
    ///
    /// [`SendChunkError::Changed`]: crate::stream_send::SendChunkError::Changed
    pub fn file_changed(&mut self, file_id: FileId) -> Vec<Outbound> {
        self.sender.withdraw(file_id);
        self.close_outgoing(file_id, FILE_CHANGED);
        vec![Outbound::CtrlAll(FileCtrl::Cancel { file_id })]
    }

    /// The person stops sharing an open offer of theirs; `None` if it is not one.
    pub(super) fn stop_sharing(&mut self, file_id: FileId) -> Option<Vec<Outbound>> {
        if self.outgoing(file_id).is_none_or(|o| o.closed.is_some()) {
            return None;
        }
        self.sender.withdraw(file_id);
        self.close_outgoing(file_id, "You stopped sharing this file");
        Some(vec![Outbound::CtrlAll(FileCtrl::Cancel { file_id })])
    }

    /// FILE_CTRL about an offer of ours; `None` if it is not one. Otherwise returns whether a
    /// chunk may now be sendable.
    pub(super) fn on_offer_ctrl(
        &mut self,
        from: MemberId,
        ctrl: &FileCtrl,
        now_ms: u64,
    ) -> Option<bool> {
        let file_id = ctrl.file_id();
        self.outgoing(file_id)?;
        let changed = self.sender.on_ctrl(from, ctrl);
        self.record_outgoing(file_id, now_ms);
        Some(changed)
    }

    fn close_outgoing(&mut self, file_id: FileId, why: &str) {
        if let Some(out) = self.outgoing(file_id)
            && out.closed.is_none()
        {
            out.closed = Some(why.to_owned());
        }
    }

    /// Samples every receiver's acknowledged bytes, for its speed and time left.
    fn record_outgoing(&mut self, file_id: FileId, now_ms: u64) {
        let progress = self.sender.progress(file_id);
        if let Some(out) = self.outgoing(file_id) {
            for p in progress {
                match out.rates.iter_mut().find(|(m, _)| *m == p.member) {
                    Some((_, rate)) => rate.record(now_ms, p.bytes),
                    None => {
                        let mut rate = Rate::default();
                        rate.record(now_ms, p.bytes);
                        out.rates.push((p.member, rate));
                    }
                }
            }
        }
    }
}
