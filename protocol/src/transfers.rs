//! The file transfers of one room, both ways (PROTOCOL.md B.4): a [`FileSender`] and a
//! [`FileReceiver`] plus the cards a person sees, each in one of its states, with the rules of
//! what the person may do to it.
//!
//! What only the app holds stays generic: `F`, the person's file behind an outgoing offer (a
//! browser `File`); `S`, where the bytes of a file being received go until it is whole
//! ([`ChunkSink`]); `D`, a received file ready to save ([`SavedFile`]), freed when dropped. No
//! I/O: methods return the [`Outbound`] messages to seal and send, and the app reads files,
//! seals chunks and closes received files itself.
//!
//! The rules live in three files: offers of ours (`outgoing.rs`), offers from others
//! (`incoming.rs`) and the cards as drawn ([`card`]).

use thiserror::Error;
use wire::MemberId;
use zeroize::Zeroizing;

use crate::body::{FileCtrl, FileOffer};
use crate::ids::{FileId, SenderId};
use crate::keys::RoomKeys;
use crate::stream::ChunkCipherInput;
use crate::stream_receive::FileReceiver;
use crate::stream_send::{FileSender, OfferRefused, SendChunkError};
use crate::transfer_rate::{Rate, format_size};
use wire::RoomId;

pub mod card;
mod incoming;
mod outgoing;

pub use card::{FileView, ProgressView, card_key};
pub use outgoing::FILE_CHANGED;

/// Offers from others shown at once; the oldest unanswered ones go first, so a member who
/// offers file after file cannot bury everything else.
pub const MAX_OFFERS_SHOWN: usize = 64;
/// Chunk frames queued for decryption elsewhere (WebCrypto) at most: the in-flight window of
/// 8 senders (8 each, PROTOCOL.md B.4) and some slack. A sender past its window loses its own
/// transfer, nobody else's.
pub const MAX_INBOX: usize = 128;

/// Where the verified bytes of a file being received go until it is whole (a file written as
/// it arrives, Blobs outside the wasm heap, a `Vec` in tests).
pub trait ChunkSink {
    /// Appends the next chunk's verified plaintext.
    fn push(&mut self, bytes: &[u8]);
}

/// A file gathered in memory, for native clients and tests.
impl ChunkSink for Vec<u8> {
    fn push(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// A received file, whole and verified, ready to save. Dropping it frees what holds it (an
/// object URL, a stored file), which happens when its card is dismissed.
pub trait SavedFile {
    /// Where the person saves it from (a download-only object URL in the browser).
    fn url(&self) -> &str;
}

/// What the room must send: a control or offer payload, to one member or everyone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outbound {
    /// FILE_CTRL to the member.
    Ctrl(MemberId, FileCtrl),
    /// FILE_CTRL to everyone.
    CtrlAll(FileCtrl),
    /// An offer to everyone (`None`), or to one member who joined later.
    Offer(Option<MemberId>, FileOffer),
}

/// Why the person's file cannot be offered. The texts are shown as they are.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum OfferFileError {
    /// The relay's payload limit is below one chunk frame.
    #[error("This relay does not carry files (its payload limit is too small).")]
    RelayCarriesNoFiles,
    /// Over the relay's advertised file size limit.
    #[error(
        "{name} is {}; this relay allows files up to {}.",
        format_size(*size),
        format_size(*max)
    )]
    TooLarge {
        /// The sanitised name.
        name: String,
        /// The file's size in bytes.
        size: u64,
        /// The relay's limit in bytes.
        max: u64,
    },
    /// The sender refused it (too many chunks, or 8 files busy already). `reason` is part of
    /// the text rather than a `source`, so a report of the chain does not say it twice.
    #[error("{name}: {reason}.")]
    Refused {
        /// The sanitised name.
        name: String,
        /// Why.
        reason: OfferRefused,
    },
}

/// Why an offer cannot be accepted (malformed, too large, 8 files arriving already). The text
/// is shown as it is.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{name}: {reason}.")]
pub struct AcceptFileError {
    /// The offered name, sanitised.
    pub name: String,
    /// Why.
    pub reason: crate::stream_receive::AcceptError,
}

/// A file whose every chunk verified, for the app to close and check (an asynchronous step),
/// then hand back to [`Transfers::finished`].
#[derive(Debug)]
pub struct Finishing<S> {
    /// The transfer.
    pub file_id: FileId,
    /// Where its bytes are.
    pub sink: S,
    /// The size the offer promised, to check the closed file against.
    pub size: u64,
}

/// Where a room's file keys come from.
enum FileKeys {
    /// Part 1 (B.4): derived from the room's secret, the sender's session and the file.
    Derived(RoomKeys),
    /// Part 2 (docs/PROTOCOL.md R.9): drawn for each file and carried in its offer, which
    /// travels inside MLS.
    Carried(RoomId),
}

impl FileKeys {
    fn room_id(&self) -> RoomId {
        match self {
            Self::Derived(keys) => keys.room_id(),
            Self::Carried(room_id) => *room_id,
        }
    }
}

/// Where an incoming card stands.
enum InState<S, D> {
    Offered,
    Receiving(S),
    /// Every chunk verified; the app is closing and checking the file.
    Finishing,
    Done(D),
    Failed(String),
    Declined,
    Cancelled,
    Withdrawn,
}

/// An offer from another member, and what became of it.
struct Incoming<S, D> {
    from: MemberId,
    sender: SenderId,
    /// The offer, its name sanitised.
    offer: FileOffer,
    author: String,
    /// The author's leaf identity (docs/PROTOCOL.md R.2), as MLS authenticated it: what marks
    /// the card as its author is marked. `None` in a part-1 room.
    author_key: Option<Vec<u8>>,
    /// The key the offer carried (R.9); `None` where keys are derived (part 1).
    key: Option<Zeroizing<[u8; 32]>>,
    /// Offered in a private conversation (R.10): its control goes back there.
    private: bool,
    state: InState<S, D>,
    rate: Rate,
    received: u64,
    /// Why it cannot be accepted (too large, malformed), if so: the card's status.
    refusal: Option<String>,
}

/// An offer of ours.
struct Outgoing<F> {
    offer: FileOffer,
    file: F,
    /// Members the offer went to.
    offered_to: Vec<MemberId>,
    /// Offered in a private conversation to `offered_to`'s one member (R.10), never to others.
    private: bool,
    rates: Vec<(MemberId, Rate)>,
    /// Why it stopped, once it has.
    closed: Option<String>,
}

enum Card<F, S, D> {
    In(Incoming<S, D>),
    Out(Outgoing<F>),
}

/// All file transfers of one room, both ways, as the person's cards.
pub struct Transfers<F, S, D> {
    keys: FileKeys,
    sender: FileSender,
    receiver: FileReceiver,
    /// In the order they appeared.
    cards: Vec<Card<F, S, D>>,
    max_file_size: u64,
    /// Whether the relay carries whole chunk frames.
    relay_carries_files: bool,
    finishing: Vec<Finishing<S>>,
}

impl<F, S: ChunkSink, D: SavedFile> Transfers<F, S, D> {
    /// No transfers yet, as session `sender` of the room of `keys`.
    pub fn new(keys: RoomKeys, sender: SenderId) -> Self {
        Self::with_keys(FileKeys::Derived(keys), sender)
    }

    /// No transfers yet, as session `sender` of the room `room_id`, whose file keys are drawn
    /// per offer and carried in it (docs/PROTOCOL.md R.9): an offer of ours goes out with
    /// [`Self::file_key_bytes`], and one from others comes in by [`Self::offered_keyed`].
    pub fn carried(room_id: RoomId, sender: SenderId) -> Self {
        Self::with_keys(FileKeys::Carried(room_id), sender)
    }

    fn with_keys(keys: FileKeys, sender: SenderId) -> Self {
        Self {
            sender: FileSender::in_room(keys.room_id(), sender),
            keys,
            receiver: FileReceiver::default(),
            cards: Vec::new(),
            max_file_size: wire::limits::MAX_FILE_SIZE,
            relay_carries_files: true,
            finishing: Vec::new(),
        }
    }

    /// The relay's advertised file size limit.
    pub fn set_max_file_size(&mut self, bytes: u64) {
        self.max_file_size = bytes;
    }

    /// The relay's payload limit from WELCOME: chunk frames must fit.
    pub fn set_max_payload(&mut self, max_payload: u32) {
        let chunk = crate::stream::CHUNK_HEADER_LEN
            + crate::stream::DEFAULT_CHUNK_SIZE as usize
            + crate::envelope::TAG_LEN
            + wire::limits::CLIENT_FRAME_OVERHEAD;
        self.relay_carries_files = max_payload as usize >= chunk;
    }

    /// The raw key of a transfer, to import elsewhere (WebCrypto): one of ours (`outgoing`) or
    /// one offered to us.
    pub fn file_key_bytes(&self, outgoing: bool, file_id: FileId) -> Option<Zeroizing<[u8; 32]>> {
        if outgoing {
            return self.sender.key_bytes(file_id);
        }
        let card = self.cards.iter().find_map(|card| match card {
            Card::In(i) if i.offer.file_id == file_id => Some(i),
            _ => None,
        })?;
        self.incoming_key(card.sender, file_id, card.key.as_ref())
    }

    fn incoming_key(
        &self,
        sender: SenderId,
        file_id: FileId,
        carried: Option<&Zeroizing<[u8; 32]>>,
    ) -> Option<Zeroizing<[u8; 32]>> {
        match &self.keys {
            FileKeys::Derived(keys) => Some(keys.file_key_bytes(sender, file_id)),
            FileKeys::Carried(_) => carried.cloned(),
        }
    }

    /// Header, nonce and associated data to seal a chunk of ours elsewhere.
    pub fn sender_plan(
        &self,
        file_id: FileId,
        index: u32,
        len: usize,
    ) -> Result<ChunkCipherInput, SendChunkError> {
        self.sender.plan(file_id, index, len)
    }

    /// The protocol's sender, for the pump: `next_chunk`, `sealed`, `seal`, `keep`.
    pub fn sender(&mut self) -> &mut FileSender {
        &mut self.sender
    }

    /// The person cancels a transfer: an incoming one (the partial file is dropped), or one of
    /// their own offers (nobody gets more of it).
    pub fn cancel(&mut self, file_id: FileId) -> Vec<Outbound> {
        self.cancel_receiving(file_id)
            .or_else(|| self.stop_sharing(file_id))
            .unwrap_or_default()
    }

    /// FILE_CTRL from live member `from` (session `sender`): an answer to an offer of ours, or
    /// a Cancel of an offer to us. Returns whether a chunk may now be sendable (start the pump).
    pub fn on_ctrl(
        &mut self,
        from: MemberId,
        sender: SenderId,
        ctrl: &FileCtrl,
        now_ms: u64,
    ) -> bool {
        if let Some(sendable) = self.on_offer_ctrl(from, ctrl, now_ms) {
            return sendable;
        }
        if let FileCtrl::Cancel { file_id } = *ctrl {
            self.sender_cancelled(from, sender, file_id);
        }
        false
    }

    /// Removes a finished card. A done card's saved file is dropped, which frees it; cards still
    /// offered or in progress stay.
    pub fn dismiss(&mut self, file_id: FileId) {
        self.cards.retain(|card| match card {
            Card::In(i) if i.offer.file_id == file_id => matches!(
                i.state,
                InState::Offered | InState::Receiving(_) | InState::Finishing
            ),
            Card::Out(o) if o.offer.file_id == file_id => o.closed.is_none(),
            _ => true,
        });
    }

    /// The relay's LEFT for `member`: its offers are withdrawn, what it was sending us ends
    /// incomplete, and what it was receiving from us shows that it left.
    pub fn member_left(&mut self, member: MemberId) {
        self.sender.member_left(member);
        let aborted = self.receiver.member_left(member);
        for card in &mut self.cards {
            if let Card::In(i) = card
                && i.from == member
            {
                match i.state {
                    InState::Offered => i.state = InState::Withdrawn,
                    InState::Receiving(_) if aborted.contains(&(i.sender, i.offer.file_id)) => {
                        i.state =
                            InState::Failed(format!("Transfer incomplete: {} left", i.author));
                    }
                    _ => {}
                }
            }
        }
    }

    /// The connection dropped: every transfer ends (member ids and our session are gone), and
    /// new offers will carry the session `sender` of the next connection.
    pub fn connection_lost(&mut self, sender: SenderId) {
        self.receiver.abort_all();
        for card in &mut self.cards {
            match card {
                Card::In(i) => match i.state {
                    InState::Offered => i.state = InState::Withdrawn,
                    InState::Receiving(_) => {
                        i.state =
                            InState::Failed("Transfer incomplete: the connection dropped".into());
                    }
                    _ => {}
                },
                Card::Out(o) => {
                    if o.closed.is_none() {
                        o.closed = Some("Stopped: the connection dropped; share it again".into());
                    }
                }
            }
        }
        self.sender = FileSender::in_room(self.keys.room_id(), sender);
    }

    /// A connection began as session `sender` in the room `room_id` (docs/PROTOCOL.md R.9: a
    /// v2 session is drawn when the relay welcomes it, and a room that moved, R.8, has another
    /// id): offers from now on carry them. Call it once the transfers of the connection before
    /// have ended ([`Self::connection_lost`]).
    pub fn connected(&mut self, room_id: RoomId, sender: SenderId) {
        if let FileKeys::Carried(room) = &mut self.keys {
            *room = room_id;
        }
        self.sender = FileSender::in_room(self.keys.room_id(), sender);
    }

    /// The member a file of a private conversation (R.10) is shared with: the file's offers and
    /// control go to them in that conversation, not to the room. `None` for the room's files.
    pub fn private_peer(&self, file_id: FileId) -> Option<MemberId> {
        self.cards.iter().find_map(|card| match card {
            Card::In(i) if i.offer.file_id == file_id && i.private => Some(i.from),
            Card::Out(o) if o.offer.file_id == file_id && o.private => {
                o.offered_to.first().copied()
            }
            _ => None,
        })
    }

    /// Parses a card key ([`card_key`]) back into a file id.
    pub fn file_id(key: &str) -> Option<FileId> {
        card::file_id(key)
    }

    fn incoming(&mut self, file_id: FileId) -> Option<&mut Incoming<S, D>> {
        self.cards.iter_mut().find_map(|card| match card {
            Card::In(i) if i.offer.file_id == file_id => Some(i),
            _ => None,
        })
    }

    fn outgoing(&mut self, file_id: FileId) -> Option<&mut Outgoing<F>> {
        self.cards.iter_mut().find_map(|card| match card {
            Card::Out(o) if o.offer.file_id == file_id => Some(o),
            _ => None,
        })
    }
}

impl<F: Clone, S, D> Transfers<F, S, D> {
    /// The person's file behind an outgoing offer still open.
    pub fn file(&self, file_id: FileId) -> Option<F> {
        self.cards.iter().find_map(|card| match card {
            Card::Out(o) if o.offer.file_id == file_id && o.closed.is_none() => {
                Some(o.file.clone())
            }
            _ => None,
        })
    }
}
