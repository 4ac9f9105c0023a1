//! Offers from others: shown (at most [`MAX_OFFERS_SHOWN`] unanswered), accepted into a sink
//! the app provides, declined or cancelled, fed chunk by chunk, and handed to the app to close
//! once every chunk verified.

use wire::{MemberId, RoomId};
use zeroize::Zeroizing;

use super::{
    AcceptFileError, Card, ChunkSink, Finishing, InState, Incoming, MAX_OFFERS_SHOWN, Outbound,
    SavedFile, Transfers,
};
use crate::body::{FileCtrl, FileOffer};
use crate::file_name::sanitise_file_name;
use crate::ids::{FileId, SenderId};
use crate::stream::validate_offer;
use crate::stream_receive::{Checked, ChunkOutcome, PendingChunk};
use crate::transfer_rate::{Rate, format_size};

impl<F, S: ChunkSink, D: SavedFile> Transfers<F, S, D> {
    /// An offer from live member `from` (session `sender`), named `author`. An offer already
    /// shown is ignored; one that cannot be accepted is shown with the reason.
    pub fn offered(&mut self, from: MemberId, sender: SenderId, offer: FileOffer, author: String) {
        self.offered_with(from, sender, offer, None, (author, None), false);
    }

    /// An offer from live member `from` (session `sender`) that carried its file's key
    /// (docs/PROTOCOL.md R.9), as [`Self::offered`], by the member of leaf identity
    /// `author_key`.
    pub fn offered_keyed(
        &mut self,
        from: MemberId,
        sender: SenderId,
        offer: FileOffer,
        key: Zeroizing<[u8; 32]>,
        author: String,
        author_key: Vec<u8>,
    ) {
        self.offered_with(
            from,
            sender,
            offer,
            Some(key),
            (author, Some(author_key)),
            false,
        );
    }

    /// As [`Self::offered_keyed`], for an offer made in a private conversation with `from`
    /// (R.10): the answers go back there ([`Self::private_peer`]).
    pub fn offered_privately(
        &mut self,
        from: MemberId,
        sender: SenderId,
        offer: FileOffer,
        key: Zeroizing<[u8; 32]>,
        author: String,
        author_key: Vec<u8>,
    ) {
        self.offered_with(
            from,
            sender,
            offer,
            Some(key),
            (author, Some(author_key)),
            true,
        );
    }

    fn offered_with(
        &mut self,
        from: MemberId,
        sender: SenderId,
        offer: FileOffer,
        key: Option<Zeroizing<[u8; 32]>>,
        (author, author_key): (String, Option<Vec<u8>>),
        private: bool,
    ) {
        // Shown already, or the id of a file someone else (or this member) offers: cards, file
        // control and keys go by file id, so a second offer under a known id (another member
        // copying one it saw) would take the first one's answers.
        let known = self.cards.iter().any(|card| match card {
            Card::In(i) => i.offer.file_id == offer.file_id,
            Card::Out(o) => o.offer.file_id == offer.file_id,
        });
        if known {
            return;
        }
        let refusal = match validate_offer(&offer) {
            Err(_) => Some("This offer is malformed and cannot be accepted.".to_owned()),
            Ok(()) if offer.size > self.max_file_size => Some(format!(
                "Larger than this relay's limit of {}.",
                format_size(self.max_file_size)
            )),
            Ok(()) => None,
        };
        let mut offer = offer;
        offer.name = sanitise_file_name(&offer.name);
        self.cards.push(Card::In(Incoming {
            from,
            sender,
            offer,
            author,
            author_key,
            key,
            private,
            state: InState::Offered,
            rate: Rate::default(),
            received: 0,
            refusal,
        }));
        self.forget_old_offers();
    }

    /// Beyond [`MAX_OFFERS_SHOWN`] offers the person never answered (still offered, or
    /// withdrawn before they did), the oldest go; answered cards stay, whatever their age. So a
    /// member who offers and withdraws file after file cannot grow the list without end.
    fn forget_old_offers(&mut self) {
        self.forget_spent_keys();
        let unanswered = |card: &Card<F, S, D>| matches!(card, Card::In(i) if matches!(i.state, InState::Offered | InState::Withdrawn));
        let mut excess = self
            .cards
            .iter()
            .filter(|c| unanswered(c))
            .count()
            .saturating_sub(MAX_OFFERS_SHOWN);
        self.cards.retain(|card| {
            let forget = excess > 0 && unanswered(card);
            excess -= usize::from(forget);
            !forget
        });
    }

    /// The person accepts an offer; `sink` makes the place its bytes go. Returns the Accept to
    /// send (nothing if the card is not offered), or why not.
    pub fn accept(
        &mut self,
        file_id: FileId,
        sink: impl FnOnce(FileId) -> S,
    ) -> Result<Vec<Outbound>, AcceptFileError> {
        let max = self.max_file_size;
        let Some(card) = self.incoming(file_id) else {
            return Ok(Vec::new());
        };
        if !matches!(card.state, InState::Offered) {
            return Ok(Vec::new());
        }
        let (from, sender, offer) = (card.from, card.sender, card.offer.clone());
        let carried = card.key.clone();
        let Some(key) = self.incoming_key(sender, file_id, carried.as_ref()) else {
            return Ok(Vec::new());
        };
        let ctrl = match self.receiver.accept_keyed(key, from, sender, &offer, max) {
            Ok(ctrl) => ctrl,
            Err(reason) => {
                return Err(AcceptFileError {
                    name: offer.name,
                    reason,
                });
            }
        };
        if let Some(card) = self.incoming(file_id) {
            card.state = InState::Receiving(sink(file_id));
        }
        Ok(vec![Outbound::Ctrl(from, ctrl)])
    }

    /// The person declines an offer.
    pub fn decline(&mut self, file_id: FileId) -> Vec<Outbound> {
        match self.incoming(file_id) {
            Some(card) if matches!(card.state, InState::Offered) => {
                card.state = InState::Declined;
                vec![Outbound::Ctrl(card.from, FileCtrl::Decline { file_id })]
            }
            _ => Vec::new(),
        }
    }

    /// The person cancels a transfer being received: the partial file is dropped. `None` if
    /// it is not one.
    pub(super) fn cancel_receiving(&mut self, file_id: FileId) -> Option<Vec<Outbound>> {
        let card = self
            .incoming(file_id)
            .filter(|card| matches!(card.state, InState::Receiving(_)))?;
        let (from, sender) = (card.from, card.sender);
        card.state = InState::Cancelled;
        self.receiver.cancel(sender, file_id);
        Some(vec![Outbound::Ctrl(from, FileCtrl::Cancel { file_id })])
    }

    /// A Cancel for an offer from others. Only the member and session that offered a file can
    /// withdraw it: before it is accepted it is withdrawn, while it arrives it fails.
    pub(super) fn sender_cancelled(&mut self, from: MemberId, sender: SenderId, file_id: FileId) {
        let Some(card) = self.incoming(file_id) else {
            return;
        };
        if card.sender != sender || card.from != from {
            return;
        }
        match card.state {
            InState::Offered => card.state = InState::Withdrawn,
            InState::Receiving(_) => {
                card.state = InState::Failed("Transfer incomplete: the sender stopped".into());
                self.receiver.cancel(sender, file_id);
            }
            _ => {}
        }
    }

    /// A chunk frame from member `from`, decrypted here. Returns what to send (an Ack or a
    /// Cancel).
    pub fn on_chunk(
        &mut self,
        room_id: &RoomId,
        from: MemberId,
        frame: &[u8],
        now_ms: u64,
    ) -> Vec<Outbound> {
        let outcome = self.receiver.receive(room_id, from, frame);
        self.chunk_outcome(from, outcome, now_ms)
    }

    /// Whether a chunk frame from `from` belongs to a transfer in progress (worth queueing
    /// for decryption elsewhere).
    pub fn expects_chunk(&self, from: MemberId, frame: &[u8]) -> bool {
        self.receiver.expects(from, frame)
    }

    /// The key-free checks of a chunk to be decrypted elsewhere
    /// ([`crate::stream_receive::FileReceiver::check`]); a [`Checked::Done`] goes to
    /// [`Self::chunk_outcome`].
    pub fn check_chunk(&mut self, room_id: &RoomId, from: MemberId, frame: &[u8]) -> Checked {
        self.receiver.check(room_id, from, frame)
    }

    /// A chunk decrypted elsewhere (`plaintext` `None`: it did not authenticate, which fails
    /// the transfer). Returns what to send.
    pub fn chunk_opened(
        &mut self,
        from: MemberId,
        pending: &PendingChunk,
        plaintext: Option<Vec<u8>>,
        now_ms: u64,
    ) -> Vec<Outbound> {
        let outcome = self.receiver.opened(from, pending, plaintext);
        self.chunk_outcome(from, outcome, now_ms)
    }

    /// What a chunk did to its card, and what to send back. A complete file joins the files
    /// to close ([`Self::take_finishing`]).
    pub fn chunk_outcome(
        &mut self,
        from: MemberId,
        outcome: ChunkOutcome,
        now_ms: u64,
    ) -> Vec<Outbound> {
        match outcome {
            ChunkOutcome::Dropped => Vec::new(),
            ChunkOutcome::Progress {
                file_id,
                bytes,
                ack,
                ..
            } => {
                if let Some(card) = self.incoming(file_id)
                    && let InState::Receiving(sink) = &mut card.state
                {
                    sink.push(&bytes);
                    card.received += bytes.len() as u64;
                    card.rate.record(now_ms, card.received);
                }
                ack.map(|ack| Outbound::Ctrl(from, ack))
                    .into_iter()
                    .collect()
            }
            ChunkOutcome::Complete { file, bytes, ack } => {
                if let Some(card) = self.incoming(file.file_id) {
                    match std::mem::replace(&mut card.state, InState::Finishing) {
                        InState::Receiving(mut sink) => {
                            sink.push(&bytes);
                            card.received = file.size;
                            self.finishing.push(Finishing {
                                file_id: file.file_id,
                                sink,
                                size: file.size,
                            });
                        }
                        other => card.state = other,
                    }
                }
                vec![Outbound::Ctrl(from, ack)]
            }
            ChunkOutcome::Aborted {
                file_id, cancel, ..
            } => {
                if let Some(card) = self.incoming(file_id) {
                    card.state = InState::Failed(
                        "Transfer incomplete: a damaged chunk was discarded".into(),
                    );
                }
                vec![Outbound::Ctrl(from, cancel)]
            }
        }
    }

    /// The files whose every chunk verified since the last call, for the app to close and
    /// check, then report with [`Self::finished`].
    pub fn take_finishing(&mut self) -> Vec<Finishing<S>> {
        self.forget_spent_keys();
        std::mem::take(&mut self.finishing)
    }

    /// Carried keys (R.9) of transfers that can take no more chunks are wiped: once the epochs
    /// that carried an offer are gone, nothing kept here opens a recording of its chunks.
    fn forget_spent_keys(&mut self) {
        for card in &mut self.cards {
            if let Card::In(i) = card
                && !matches!(i.state, InState::Offered | InState::Receiving(_))
            {
                i.key = None;
            }
        }
    }

    /// A file the app closed: offered for saving, or failed with `Err(why)`.
    pub fn finished(&mut self, file_id: FileId, result: Result<D, String>) {
        if let Some(card) = self.incoming(file_id)
            && matches!(card.state, InState::Finishing)
        {
            card.state = match result {
                Ok(saved) => InState::Done(saved),
                Err(why) => InState::Failed(format!("Transfer incomplete: {why}")),
            };
        }
        // Otherwise the card went away meanwhile: dropping `result` frees what it holds.
    }
}
