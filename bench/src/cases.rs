//! The measurements of `protocol` itself, identical natively and in wasm: what the app does
//! for a chat message, for each 64 KiB chunk of a file, and for a passphrase blob.

use std::cell::RefCell;
use std::hint::black_box;

use protocol::MemberId;
use protocol::body::FileOffer;
use protocol::entropy::SystemEntropy;
use protocol::envelope::{HEADER_LEN, Kind, PAD_BLOCK, SealedEnvelope, TAG_LEN};
use protocol::ids::SenderId;
use protocol::kdf::{Argon2Params, Argon2id, PasswordKdf};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::replay::ReplayWindow;
use protocol::session::SenderSession;
use protocol::stream::DEFAULT_CHUNK_SIZE;
use protocol::stream_receive::{ChunkOutcome, FileReceiver};
use protocol::stream_send::FileSender;

use crate::BenchError;
use crate::figure::{Figure, Unit};
use crate::measurement::Measurement;
use crate::sampler::{Clock, Plan};

/// A typical chat body: 200 bytes, padded to one 256-byte block when sealed.
pub const CHAT_BODY_LEN: usize = 200;
/// The app's chunk size (PROTOCOL.md B.4).
pub const CHUNK_LEN: usize = DEFAULT_CHUNK_SIZE as usize;
/// The file sent through the STREAM: 32 MiB, 512 chunks.
pub const FILE_LEN: usize = 32 << 20;
/// [`FILE_LEN`] in MiB, the unit of throughput figures.
pub const FILE_MIB: f64 = (FILE_LEN >> 20) as f64;

const SENDER: SenderId = SenderId([0x5e; 16]);
const FROM: MemberId = MemberId(1);
const PASSPHRASE: &[u8] = b"correct horse battery staple";
const SALT: [u8; 16] = [0x5a; 16];

/// Every measurement natively, in the order the report lists them.
pub fn run_all(clock: &dyn Clock, emit: &mut dyn FnMut(&Figure)) -> Result<(), BenchError> {
    emit(&envelope_seal()?.run(clock)?);
    emit(&envelope_open()?.run(clock)?);
    let stream = StreamFixture::new()?;
    emit(&stream.seal().run(clock)?);
    emit(&stream.open()?.run(clock)?);
    emit(&argon2id_default().run(clock)?);
    crate::identity::run_all(clock, emit)?;
    crate::room::run_all(clock, emit)
}

fn room_keys() -> RoomKeys {
    RoomKeys::derive(&RoomSecret::from_bytes([0x42; 32]))
}

/// Deterministic bytes that are not all alike, so nothing about them is special.
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0])
        .collect()
}

/// Envelopes sealed per second: [`SenderSession::seal`] of a [`CHAT_BODY_LEN`]-byte body.
pub fn envelope_seal() -> Result<Measurement<'static>, BenchError> {
    const MEASURE: &str = "envelope_seal";
    let keys = room_keys();
    let mut session = SenderSession::with_sender(&keys, SENDER);
    let body = pattern(CHAT_BODY_LEN);
    let sealed = session
        .seal(Kind::Chat, &body)
        .map_err(|_| BenchError::Seal(MEASURE))?;
    if sealed.len() != HEADER_LEN + PAD_BLOCK + TAG_LEN {
        return Err(BenchError::Seal(MEASURE));
    }
    Ok(Measurement::new(
        MEASURE,
        Unit::OpsPerSecond,
        Plan::FAST,
        move |n| {
            for _ in 0..n {
                let sealed = session
                    .seal(Kind::Chat, black_box(&body))
                    .map_err(|_| BenchError::Seal(MEASURE))?;
                black_box(sealed);
            }
            Ok(())
        },
    ))
}

/// Envelopes opened per second: [`SealedEnvelope::parse`] then `open` with the replay window,
/// as the app does for every message received.
pub fn envelope_open() -> Result<Measurement<'static>, BenchError> {
    const MEASURE: &str = "envelope_open";
    let keys = room_keys();
    let room_id = keys.room_id();
    let key = keys.message_key(SENDER);
    let body = pattern(CHAT_BODY_LEN);
    let sealed = SenderSession::with_sender(&keys, SENDER)
        .seal(Kind::Chat, &body)
        .map_err(|_| BenchError::Seal(MEASURE))?;
    let open_once = move |bytes: &[u8]| -> Result<Vec<u8>, BenchError> {
        // A fresh window each time: the same envelope is opened again and again.
        let mut window = ReplayWindow::default();
        SealedEnvelope::parse(bytes)
            .and_then(|envelope| envelope.open(&room_id, &key, &mut window))
            .map_err(|_| BenchError::Open(MEASURE))
    };
    if open_once(&sealed)? != body {
        return Err(BenchError::Open(MEASURE));
    }
    Ok(Measurement::new(
        MEASURE,
        Unit::OpsPerSecond,
        Plan::FAST,
        move |n| {
            for _ in 0..n {
                black_box(open_once(black_box(&sealed))?);
            }
            Ok(())
        },
    ))
}

/// A [`FILE_LEN`]-byte file offered by one sender, and its sealed chunk frames.
pub struct StreamFixture {
    keys: RoomKeys,
    file: Vec<u8>,
    sender: RefCell<FileSender>,
    offer: FileOffer,
    frames: Vec<Vec<u8>>,
}

impl StreamFixture {
    /// Offers the file and seals it once, for [`Self::open`] to receive.
    pub fn new() -> Result<Self, BenchError> {
        let keys = room_keys();
        let file = pattern(FILE_LEN);
        let mut sender = FileSender::new(&keys, SENDER);
        let offer = sender
            .offer(
                &keys,
                "bench.bin",
                "application/octet-stream",
                FILE_LEN as u64,
                &mut SystemEntropy,
            )
            .map_err(|_| BenchError::Seal("stream offer"))?
            .0;
        let mut fixture = Self {
            keys,
            file,
            sender: RefCell::new(sender),
            offer,
            frames: Vec::new(),
        };
        fixture.frames = fixture.seal_file()?;
        Ok(fixture)
    }

    fn seal_file(&self) -> Result<Vec<Vec<u8>>, BenchError> {
        let mut sender = self.sender.borrow_mut();
        self.file
            .chunks(CHUNK_LEN)
            .zip(0u32..)
            .map(|(chunk, index)| {
                sender
                    .seal(self.offer.file_id, index, chunk)
                    .map(|frame| frame.to_vec())
                    .map_err(|_| BenchError::Seal("stream_seal"))
            })
            .collect()
    }

    /// Receives every frame into a fresh [`FileReceiver`]; returns the file it released.
    fn receive_file(&self) -> Result<Vec<u8>, BenchError> {
        let room_id = self.keys.room_id();
        let mut receiver = FileReceiver::default();
        receiver
            .accept(&self.keys, FROM, SENDER, &self.offer, u64::MAX)
            .map_err(|_| BenchError::Open("stream accept"))?;
        let mut file = Vec::with_capacity(self.file.len());
        for frame in &self.frames {
            match receiver.receive(&room_id, FROM, frame) {
                ChunkOutcome::Progress { bytes, .. } => file.extend_from_slice(&bytes),
                ChunkOutcome::Complete { bytes, .. } => {
                    file.extend_from_slice(&bytes);
                    return Ok(file);
                }
                _ => break,
            }
        }
        Err(BenchError::Open("stream_open"))
    }

    /// STREAM sealing in MiB/s: [`FileSender::seal`] of every 64 KiB chunk of the file.
    pub fn seal(&self) -> Measurement<'_> {
        let unit = Unit::MibPerSecond(FILE_MIB);
        Measurement::new("stream_seal", unit, Plan::FAST, move |n| {
            for _ in 0..n {
                black_box(self.seal_file()?);
            }
            Ok(())
        })
    }

    /// STREAM opening in MiB/s: [`FileReceiver::receive`] of every chunk frame, up to the
    /// released file, as the app receives one.
    pub fn open(&self) -> Result<Measurement<'_>, BenchError> {
        if self.receive_file()? != self.file {
            return Err(BenchError::Open("stream_open"));
        }
        let unit = Unit::MibPerSecond(FILE_MIB);
        Ok(Measurement::new(
            "stream_open",
            unit,
            Plan::FAST,
            move |n| {
                for _ in 0..n {
                    let file = self.receive_file()?;
                    if file.len() != FILE_LEN {
                        return Err(BenchError::Open("stream_open"));
                    }
                    black_box(file);
                }
                Ok(())
            },
        ))
    }
}

/// Milliseconds per Argon2id derivation with the default blob profile (m = 2^16 KiB, t = 3,
/// p = 1; PROTOCOL.md C.1).
pub fn argon2id_default() -> Measurement<'static> {
    let mut kdf = Argon2id;
    Measurement::new(
        "argon2id_default",
        Unit::MillisPerOp,
        Plan::SLOW,
        move |n| {
            for _ in 0..n {
                let key = kdf
                    .derive(black_box(PASSPHRASE), &SALT, Argon2Params::DEFAULT)
                    .map_err(|_| BenchError::Kdf)?;
                black_box(key);
            }
            Ok(())
        },
    )
}
