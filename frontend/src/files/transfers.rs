//! File transfer state of one room (PROTOCOL.md B.4): the protocol's [`FileSender`] and
//! [`FileReceiver`], plus what only the browser holds — the person's `File` objects for
//! offers, and the received chunks, kept outside wasm memory and the JavaScript heap until the
//! file is whole (`received.rs`). No I/O here: methods return the payloads to send; the room
//! (`live_files.rs`) writes them and reads files.

use protocol::body::{FileCtrl, FileOffer};
use protocol::ids::{FileId, SenderId};
use protocol::keys::RoomKeys;
use protocol::stream::validate_offer;
use protocol::stream_receive::{Checked, ChunkOutcome, FileReceiver, PendingChunk};
use protocol::stream_send::{FileSender, ReceiverState};
use protocol::transfer_rate::{Rate, format_duration, format_size};
use wire::{MemberId, RoomId};

use crate::browser::hex;
use crate::files::received::{Saved, Sink};

/// Offers from others shown at once; the oldest unanswered ones go first.
const MAX_OFFERS_SHOWN: usize = 64;
/// WebCrypto keys kept: one per transfer, 8 each way at most in progress.
const MAX_CRYPTO_KEYS: usize = 32;
/// Chunk frames queued for WebCrypto at most: the in-flight window of 8 senders (8 each) and
/// some slack. A sender past its window loses its own transfer, nobody else's.
pub const MAX_INBOX: usize = 128;

/// What the room must send: a control or offer payload, to one member or everyone.
pub enum Send {
    /// FILE_CTRL to the member.
    Ctrl(MemberId, FileCtrl),
    /// FILE_CTRL to everyone.
    CtrlAll(FileCtrl),
    /// An offer to everyone, or to one member who joined later.
    Offer(Option<MemberId>, FileOffer),
}

enum InState {
    Offered,
    Receiving(Sink),
    /// Every chunk verified; the file is being closed and checked.
    Finishing,
    Done(Saved),
    Failed(String),
    Declined,
    Cancelled,
    Withdrawn,
}

struct Incoming {
    from: MemberId,
    sender: SenderId,
    offer: FileOffer,
    author: String,
    state: InState,
    rate: Rate,
    received: u64,
    /// Why it cannot be accepted (too large, invalid), if so.
    refusal: Option<String>,
}

struct Outgoing {
    offer: FileOffer,
    file: web_sys::File,
    /// Members the offer went to.
    offered_to: Vec<MemberId>,
    rates: Vec<(MemberId, Rate)>,
    /// Why it stopped, once it has.
    closed: Option<String>,
}

enum Card {
    In(Incoming),
    Out(Outgoing),
}

/// One receiver's line on a sender's card, or the receiver's own progress.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressView {
    /// Who receives (or "You").
    pub who: String,
    /// Bytes done.
    pub bytes: u64,
    /// Bytes in all.
    pub total: u64,
    /// `receiving`, `done`, `declined`, `cancelled`, `left`, `failed`.
    pub state: &'static str,
    /// "12.1 MiB/s · 4 s left", "Saved", "Left the room", …
    pub detail: String,
}

/// A file card as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct FileView {
    /// Stable key: the file id in hex.
    pub key: String,
    /// Sent by this person?
    pub outgoing: bool,
    /// Sanitised name.
    pub name: String,
    /// "10.0 MiB".
    pub size: String,
    /// The badge: extension, e.g. "PDF".
    pub badge: String,
    /// `image`, `media`, `document`, `archive` or `other` (the badge's colour).
    pub kind: &'static str,
    /// "You" or the offering member's name.
    pub author: String,
    /// `data-state`: offered, receiving, done, failed, declined, cancelled, withdrawn (incoming);
    /// sharing, stopped (outgoing).
    pub state: &'static str,
    /// The status line.
    pub status: String,
    /// Progress lines.
    pub progress: Vec<ProgressView>,
    /// The Blob URL to save from, once whole.
    pub save_url: Option<String>,
    /// Accept is possible.
    pub can_accept: bool,
    /// Cancel (or stop sharing) is possible.
    pub can_cancel: bool,
}

/// All file transfers of one room, both ways.
pub struct Transfers {
    keys: RoomKeys,
    sender: FileSender,
    receiver: FileReceiver,
    cards: Vec<Card>,
    max_file_size: u64,
    /// Whether the relay carries whole chunk frames.
    relay_carries_files: bool,
    /// WebCrypto keys of transfers: (outgoing, file, key).
    crypto_keys: Vec<(bool, FileId, web_sys::CryptoKey)>,
    /// Chunk frames waiting for WebCrypto, in arrival order.
    pub inbox: std::collections::VecDeque<(MemberId, Vec<u8>)>,
    /// Set while a pump task runs, so only one does.
    pub pumping: bool,
    /// Set while a task opens chunks from the inbox, so only one does.
    pub opening: bool,
    /// Files whose every chunk was verified, to be closed by the room (an async step):
    /// (file, where its bytes are, its size).
    pub finishing: Vec<(FileId, Sink, u64)>,
}

/// A badge for the kind of file: its extension (at most 4 letters), and a broad kind for the
/// badge's colour. Text, not emoji: it reads the same on every device and font.
fn badge(offer: &FileOffer) -> (String, &'static str) {
    let ext = offer
        .name
        .rsplit_once('.')
        .map(|(_, e)| e.to_uppercase())
        .filter(|e| (1..=4).contains(&e.chars().count()) && e.chars().all(char::is_alphanumeric))
        .unwrap_or_else(|| "FILE".into());
    let mime = offer.mime.as_str();
    let kind = if mime.starts_with("image/") {
        "image"
    } else if mime.starts_with("video/") || mime.starts_with("audio/") {
        "media"
    } else if mime.starts_with("text/") || mime == "application/pdf" {
        "document"
    } else if mime.contains("zip") || mime.contains("compressed") || mime.contains("tar") {
        "archive"
    } else {
        "other"
    };
    (ext, kind)
}

fn detail(rate: &Rate, done: u64, total: u64) -> String {
    let percent = done.saturating_mul(100).checked_div(total).unwrap_or(100);
    let mut out = format!(
        "{percent} % · {} of {}",
        format_size(done),
        format_size(total)
    );
    if let Some(speed) = rate.bytes_per_second() {
        out.push_str(&format!(" · {}/s", format_size(speed as u64)));
        if let Some(left) = rate.seconds_left(total) {
            out.push_str(&format!(" · {} left", format_duration(left)));
        }
    }
    out
}

impl Transfers {
    /// No transfers yet, as session `sender` of the room of `keys`.
    pub fn new(keys: RoomKeys, sender: SenderId) -> Self {
        Self {
            sender: FileSender::new(&keys, sender),
            keys,
            receiver: FileReceiver::default(),
            cards: Vec::new(),
            max_file_size: wire::limits::MAX_FILE_SIZE,
            relay_carries_files: true,
            crypto_keys: Vec::new(),
            inbox: std::collections::VecDeque::new(),
            pumping: false,
            opening: false,
            finishing: Vec::new(),
        }
    }

    /// The relay's advertised file size limit.
    pub fn set_max_file_size(&mut self, bytes: u64) {
        self.max_file_size = bytes;
    }

    /// The relay's payload limit from WELCOME: chunk frames must fit.
    pub fn set_max_payload(&mut self, max_payload: u32) {
        let chunk = protocol::stream::CHUNK_HEADER_LEN
            + protocol::stream::DEFAULT_CHUNK_SIZE as usize
            + protocol::envelope::TAG_LEN
            + wire::limits::CLIENT_FRAME_OVERHEAD;
        self.relay_carries_files = max_payload as usize >= chunk;
    }

    /// The raw key of a transfer, to import into WebCrypto: one of ours (`outgoing`) or one
    /// offered to us.
    pub fn file_key_bytes(
        &self,
        outgoing: bool,
        file_id: FileId,
    ) -> Option<zeroize::Zeroizing<[u8; 32]>> {
        let sender = if outgoing {
            self.sender.sender()
        } else {
            self.cards.iter().find_map(|card| match card {
                Card::In(i) if i.offer.file_id == file_id => Some(i.sender),
                _ => None,
            })?
        };
        Some(self.keys.file_key_bytes(sender, file_id))
    }

    /// The WebCrypto key imported for a transfer, if any.
    pub fn crypto_key(&self, outgoing: bool, file_id: FileId) -> Option<web_sys::CryptoKey> {
        self.crypto_keys
            .iter()
            .find(|(o, f, _)| *o == outgoing && *f == file_id)
            .map(|(_, _, k)| k.clone())
    }

    /// Remembers an imported WebCrypto key (the oldest go first beyond a few dozen).
    pub fn set_crypto_key(&mut self, outgoing: bool, file_id: FileId, key: web_sys::CryptoKey) {
        if self.crypto_keys.len() >= MAX_CRYPTO_KEYS {
            self.crypto_keys.remove(0);
        }
        self.crypto_keys.push((outgoing, file_id, key));
    }

    /// Header, nonce and associated data to seal a chunk of ours elsewhere.
    pub fn sender_plan(
        &self,
        file_id: FileId,
        index: u32,
        len: usize,
    ) -> Result<protocol::stream::ChunkCipherInput, protocol::stream_send::SendChunkError> {
        self.sender.plan(file_id, index, len)
    }

    /// The protocol's sender (for the pump).
    pub fn sender(&mut self) -> &mut FileSender {
        &mut self.sender
    }

    /// The `File` behind an outgoing offer still open.
    pub fn file(&self, file_id: FileId) -> Option<web_sys::File> {
        self.cards.iter().find_map(|card| match card {
            Card::Out(o) if o.offer.file_id == file_id && o.closed.is_none() => {
                Some(o.file.clone())
            }
            _ => None,
        })
    }

    /// The person offers `file` to the room (`live`: the members online now). Returns what to
    /// send, or why not.
    pub fn offer(
        &mut self,
        file: web_sys::File,
        live: &[MemberId],
        entropy: &mut dyn protocol::entropy::Entropy,
    ) -> Result<Vec<Send>, String> {
        if !self.relay_carries_files {
            return Err("This relay does not carry files (its payload limit is too small).".into());
        }
        let size = file.size() as u64;
        let name = protocol::file_name::sanitise_file_name(&file.name());
        if size > self.max_file_size {
            return Err(format!(
                "{name} is {}; this relay allows files up to {}.",
                format_size(size),
                format_size(self.max_file_size)
            ));
        }
        let mut mime = file.type_();
        if mime.len() > protocol::body::MAX_MIME_LEN {
            mime.clear();
        }
        let (offer, closed) = self
            .sender
            .offer(&self.keys, &name, &mime, size, entropy)
            .map_err(|e| format!("{name}: {e}."))?;
        let mut sends = Vec::new();
        for file_id in closed {
            self.close_outgoing(file_id, "No longer offered (8 files at most)");
            sends.push(Send::CtrlAll(FileCtrl::Cancel { file_id }));
        }
        sends.push(Send::Offer(None, offer.clone()));
        self.cards.push(Card::Out(Outgoing {
            offer,
            file,
            offered_to: live.to_vec(),
            rates: Vec::new(),
            closed: None,
        }));
        Ok(sends)
    }

    /// Members now live: those who have not seen our open offers get them.
    pub fn members_live(&mut self, live: &[MemberId]) -> Vec<Send> {
        let mut sends = Vec::new();
        for card in &mut self.cards {
            if let Card::Out(out) = card
                && out.closed.is_none()
            {
                for member in live {
                    if !out.offered_to.contains(member) {
                        out.offered_to.push(*member);
                        sends.push(Send::Offer(Some(*member), out.offer.clone()));
                    }
                }
            }
        }
        sends
    }

    /// An offer from a live member.
    pub fn offered(&mut self, from: MemberId, sender: SenderId, offer: FileOffer, author: String) {
        let known = self.cards.iter().any(|card| {
            matches!(card, Card::In(i) if i.sender == sender && i.offer.file_id == offer.file_id)
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
        offer.name = protocol::file_name::sanitise_file_name(&offer.name);
        self.cards.push(Card::In(Incoming {
            from,
            sender,
            offer,
            author,
            state: InState::Offered,
            rate: Rate::default(),
            received: 0,
            refusal,
        }));
        self.forget_old_offers();
    }

    fn forget_old_offers(&mut self) {
        let unanswered =
            |card: &Card| matches!(card, Card::In(i) if matches!(i.state, InState::Offered));
        while self.cards.iter().filter(|c| unanswered(c)).count() > MAX_OFFERS_SHOWN {
            if let Some(at) = self.cards.iter().position(unanswered) {
                self.cards.remove(at);
            }
        }
    }

    fn incoming(&mut self, file_id: FileId) -> Option<&mut Incoming> {
        self.cards.iter_mut().find_map(|card| match card {
            Card::In(i) if i.offer.file_id == file_id => Some(i),
            _ => None,
        })
    }

    fn outgoing(&mut self, file_id: FileId) -> Option<&mut Outgoing> {
        self.cards.iter_mut().find_map(|card| match card {
            Card::Out(o) if o.offer.file_id == file_id => Some(o),
            _ => None,
        })
    }

    /// The person accepts an offer. Returns the Accept to send, or why not.
    pub fn accept(&mut self, file_id: FileId) -> Result<Vec<Send>, String> {
        let max = self.max_file_size;
        let Some(card) = self.incoming(file_id) else {
            return Ok(Vec::new());
        };
        if !matches!(card.state, InState::Offered) {
            return Ok(Vec::new());
        }
        let (from, sender, offer) = (card.from, card.sender, card.offer.clone());
        let ctrl = self
            .receiver
            .accept(&self.keys, from, sender, &offer, max)
            .map_err(|e| format!("{}: {e}.", offer.name))?;
        if let Some(card) = self.incoming(file_id) {
            card.state = InState::Receiving(Sink::new(&hex(file_id.as_bytes())));
        }
        Ok(vec![Send::Ctrl(from, ctrl)])
    }

    /// The person declines an offer.
    pub fn decline(&mut self, file_id: FileId) -> Vec<Send> {
        match self.incoming(file_id) {
            Some(card) if matches!(card.state, InState::Offered) => {
                card.state = InState::Declined;
                vec![Send::Ctrl(card.from, FileCtrl::Decline { file_id })]
            }
            _ => Vec::new(),
        }
    }

    /// The person cancels a transfer: an incoming one (the partial file is discarded), or one of
    /// their own offers (nobody gets more of it).
    pub fn cancel(&mut self, file_id: FileId) -> Vec<Send> {
        if let Some(card) = self.incoming(file_id)
            && matches!(card.state, InState::Receiving(_))
        {
            let (from, sender) = (card.from, card.sender);
            card.state = InState::Cancelled;
            self.receiver.cancel(sender, file_id);
            return vec![Send::Ctrl(from, FileCtrl::Cancel { file_id })];
        }
        if self.outgoing(file_id).is_some_and(|o| o.closed.is_none()) {
            self.sender.withdraw(file_id);
            self.close_outgoing(file_id, "You stopped sharing this file");
            return vec![Send::CtrlAll(FileCtrl::Cancel { file_id })];
        }
        Vec::new()
    }

    /// Removes a finished card (and frees the received file).
    pub fn dismiss(&mut self, file_id: FileId) {
        self.cards.retain(|card| match card {
            Card::In(i) if i.offer.file_id == file_id => {
                // Dropping a Done card's `Saved` frees its URL and stored bytes.
                matches!(
                    i.state,
                    InState::Offered | InState::Receiving(_) | InState::Finishing
                )
            }
            Card::Out(o) if o.offer.file_id == file_id => o.closed.is_none(),
            _ => true,
        });
    }

    /// Reading the person's file failed: stop offering it.
    pub fn unreadable(&mut self, file_id: FileId) -> Vec<Send> {
        self.sender.withdraw(file_id);
        self.close_outgoing(file_id, "Could not read the file; stopped");
        vec![Send::CtrlAll(FileCtrl::Cancel { file_id })]
    }

    fn close_outgoing(&mut self, file_id: FileId, why: &str) {
        if let Some(out) = self.outgoing(file_id)
            && out.closed.is_none()
        {
            out.closed = Some(why.to_owned());
        }
    }

    /// FILE_CTRL from a live member. Returns whether a chunk may now be sendable.
    pub fn on_ctrl(
        &mut self,
        from: MemberId,
        sender: SenderId,
        ctrl: &FileCtrl,
        now_ms: u64,
    ) -> bool {
        let file_id = ctrl.file_id();
        if self.outgoing(file_id).is_some() {
            let changed = self.sender.on_ctrl(from, ctrl);
            self.record_outgoing(file_id, now_ms);
            return changed;
        }
        // A Cancel from the member that offered the file.
        if let FileCtrl::Cancel { .. } = ctrl
            && let Some(card) = self.incoming(file_id)
            && card.sender == sender
            && card.from == from
        {
            match card.state {
                InState::Offered => card.state = InState::Withdrawn,
                InState::Receiving(_) => {
                    card.state = InState::Failed("Transfer incomplete: the sender stopped".into());
                    self.receiver.cancel(sender, file_id);
                }
                _ => {}
            }
        }
        false
    }

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

    /// A chunk frame from member `from`, decrypted in wasm. Returns what to send (an Ack or a
    /// Cancel).
    pub fn on_chunk(
        &mut self,
        room_id: &RoomId,
        from: MemberId,
        frame: &[u8],
        now_ms: u64,
    ) -> Vec<Send> {
        let outcome = self.receiver.receive(room_id, from, frame);
        self.chunk_outcome(from, outcome, now_ms)
    }

    /// Whether a chunk frame from `from` belongs to a transfer in progress (worth queueing
    /// for decryption elsewhere).
    pub fn expects_chunk(&self, from: MemberId, frame: &[u8]) -> bool {
        self.receiver.expects(from, frame)
    }

    /// The key-free checks of a chunk to be decrypted elsewhere ([`FileReceiver::check`]).
    pub fn check_chunk(&mut self, room_id: &RoomId, from: MemberId, frame: &[u8]) -> Checked {
        self.receiver.check(room_id, from, frame)
    }

    /// A chunk decrypted elsewhere (`None`: it did not authenticate), or decided without it.
    pub fn chunk_opened(
        &mut self,
        from: MemberId,
        pending: &PendingChunk,
        plaintext: Option<Vec<u8>>,
        now_ms: u64,
    ) -> Vec<Send> {
        let outcome = self.receiver.opened(from, pending, plaintext);
        self.chunk_outcome(from, outcome, now_ms)
    }

    /// What a chunk did to its card, and what to send back.
    pub fn chunk_outcome(
        &mut self,
        from: MemberId,
        outcome: ChunkOutcome,
        now_ms: u64,
    ) -> Vec<Send> {
        match outcome {
            ChunkOutcome::Dropped => Vec::new(),
            ChunkOutcome::Progress {
                file_id,
                bytes,
                ack,
                ..
            } => {
                if let Some(card) = self.incoming(file_id)
                    && let InState::Receiving(parts) = &mut card.state
                {
                    parts.push(&bytes);
                    card.received += bytes.len() as u64;
                    card.rate.record(now_ms, card.received);
                }
                ack.map(|ack| Send::Ctrl(from, ack)).into_iter().collect()
            }
            ChunkOutcome::Complete { file, bytes, ack } => {
                if let Some(card) = self.incoming(file.file_id) {
                    let state = std::mem::replace(&mut card.state, InState::Finishing);
                    match state {
                        InState::Receiving(mut sink) => {
                            sink.push(&bytes);
                            card.received = file.size;
                            self.finishing.push((file.file_id, sink, file.size));
                        }
                        other => card.state = other,
                    }
                }
                vec![Send::Ctrl(from, ack)]
            }
            ChunkOutcome::Aborted {
                file_id, cancel, ..
            } => {
                if let Some(card) = self.incoming(file_id) {
                    card.state = InState::Failed(
                        "Transfer incomplete: a damaged chunk was discarded".into(),
                    );
                }
                vec![Send::Ctrl(from, cancel)]
            }
        }
    }

    /// A file the room closed (see [`Transfers::finishing`]): offered for saving, or failed.
    pub fn finished(&mut self, file_id: FileId, result: Result<Saved, String>) {
        match self.incoming(file_id) {
            Some(card) if matches!(card.state, InState::Finishing) => {
                card.state = match result {
                    Ok(saved) => InState::Done(saved),
                    Err(why) => InState::Failed(format!("Transfer incomplete: {why}")),
                };
            }
            // The card went away meanwhile: dropping `result` frees what it holds.
            _ => {}
        }
    }

    /// The relay's LEFT for `member`.
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
        self.inbox.clear();
        self.crypto_keys.clear();
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
        self.sender = FileSender::new(&self.keys, sender);
    }

    /// The cards as drawn; `name_of` names a member.
    pub fn views(&self, name_of: &dyn Fn(MemberId) -> String) -> Vec<FileView> {
        self.cards
            .iter()
            .map(|card| match card {
                Card::In(i) => self.incoming_view(i),
                Card::Out(o) => self.outgoing_view(o, name_of),
            })
            .collect()
    }

    fn incoming_view(&self, i: &Incoming) -> FileView {
        let total = i.offer.size;
        let (state, status, progress) = match &i.state {
            InState::Offered => (
                "offered",
                i.refusal
                    .clone()
                    .unwrap_or_else(|| format!("{} offers this file", i.author)),
                Vec::new(),
            ),
            InState::Receiving(_) => (
                "receiving",
                "Receiving…".to_owned(),
                vec![ProgressView {
                    who: "You".into(),
                    bytes: i.received,
                    total,
                    state: "receiving",
                    detail: detail(&i.rate, i.received, total),
                }],
            ),
            InState::Finishing => (
                "receiving",
                "Checking the file…".to_owned(),
                vec![ProgressView {
                    who: "You".into(),
                    bytes: total,
                    total,
                    state: "receiving",
                    detail: "Checking".into(),
                }],
            ),
            InState::Done(_) => ("done", "Received and verified".to_owned(), Vec::new()),
            InState::Failed(why) => ("failed", why.clone(), Vec::new()),
            InState::Declined => ("declined", "You declined".to_owned(), Vec::new()),
            InState::Cancelled => (
                "cancelled",
                "You cancelled; nothing was kept".to_owned(),
                Vec::new(),
            ),
            InState::Withdrawn => ("withdrawn", "No longer offered".to_owned(), Vec::new()),
        };
        FileView {
            key: hex(i.offer.file_id.as_bytes()),
            outgoing: false,
            name: i.offer.name.clone(),
            size: format_size(total),
            badge: badge(&i.offer).0,
            kind: badge(&i.offer).1,
            author: i.author.clone(),
            state,
            status,
            progress,
            save_url: match &i.state {
                InState::Done(saved) => Some(saved.url.clone()),
                _ => None,
            },
            can_accept: matches!(i.state, InState::Offered) && i.refusal.is_none(),
            can_cancel: matches!(i.state, InState::Receiving(_)),
        }
    }

    fn outgoing_view(&self, o: &Outgoing, name_of: &dyn Fn(MemberId) -> String) -> FileView {
        let total = o.offer.size;
        let progress: Vec<ProgressView> = self
            .sender
            .progress(o.offer.file_id)
            .into_iter()
            .map(|p| {
                let rate = o.rates.iter().find(|(m, _)| *m == p.member).map(|(_, r)| r);
                let (state, detail) = match p.state {
                    ReceiverState::Receiving { .. } => (
                        "receiving",
                        rate.map(|r| detail(r, p.bytes, total)).unwrap_or_default(),
                    ),
                    ReceiverState::Done => ("done", "Received".to_owned()),
                    ReceiverState::Declined => ("declined", "Declined".to_owned()),
                    ReceiverState::Cancelled => ("cancelled", "Cancelled".to_owned()),
                    ReceiverState::Left => ("left", "Left the room before the end".to_owned()),
                };
                ProgressView {
                    who: name_of(p.member),
                    bytes: p.bytes,
                    total,
                    state,
                    detail,
                }
            })
            .collect();
        let (state, status) = match &o.closed {
            Some(why) => ("stopped", why.clone()),
            None if progress.is_empty() => ("sharing", "Offered to the room".to_owned()),
            None => ("sharing", "Sharing".to_owned()),
        };
        FileView {
            key: hex(o.offer.file_id.as_bytes()),
            outgoing: true,
            name: o.offer.name.clone(),
            size: format_size(total),
            badge: badge(&o.offer).0,
            kind: badge(&o.offer).1,
            author: "You".into(),
            state,
            status,
            progress,
            save_url: None,
            can_accept: false,
            can_cancel: o.closed.is_none(),
        }
    }

    /// Parses a card key back into a file id.
    pub fn file_id(key: &str) -> Option<FileId> {
        let mut out = [0u8; 16];
        if key.len() != 32 {
            return None;
        }
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(key.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(FileId(out))
    }
}
