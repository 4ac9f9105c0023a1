//! `opener`: what someone who recorded a room's traffic and later got its invite can open
//! (docs/PROTOCOL.md R.11, "A leaked invite plus a recording opens nothing"). The browser test
//! `tests/browser/private.spec.ts` records every frame of a room session through the relay and
//! hands this program the recording and the invite once everyone has left.
//!
//! With the room secret `S` it derives everything `S` gives (`K_join`, part 1's message and file
//! keys) and tries every payload with it: KNOCK and STATUS tags (which `S` does authenticate: the
//! control that the secret and the recording are the right ones), part-1 envelopes under the sender's
//! message key, file chunks under part-1's file key, and the join channel's sealed parts under
//! a key from `K_join` alone. It also looks for the texts given with `--needle` (what was said,
//! file bytes) anywhere in the recording. It prints one JSON object: what it found, by kind,
//! and how much it opened.
//!
//! The recording is a file of frames, each a 4-byte big-endian length and a client or relay
//! frame's bytes as they crossed the socket.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use hkdf::Hkdf;
use protocol::envelope::SealedEnvelope;
use protocol::group::join::{JoinKeys, Payload};
use protocol::keys::RoomKeys;
use protocol::replay::ReplayWindow;
use protocol::stream::SealedChunk;
use serde_json::json;
use sha2::Sha256;
use wire::{ClientFrame, MemberId, RelayFrame};

#[derive(Parser)]
#[command(about = "Tries to open a recorded room session with the room's invite")]
struct Args {
    /// The room's invite link.
    #[arg(long)]
    invite: String,
    /// The recording.
    #[arg(long)]
    recording: PathBuf,
    /// Text that was said or sent in the session, to look for in the recording's bytes.
    #[arg(long)]
    needle: Vec<String>,
}

/// One payload as the relay carried it: who sent it (when the frame says) and its bytes.
struct Carried {
    from: Option<MemberId>,
    payload: Vec<u8>,
}

fn frames(bytes: &[u8]) -> anyhow::Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = rest.split_at_checked(4).context("a truncated length")?;
        let len = u32::from_be_bytes(len.try_into()?) as usize;
        let (frame, tail) = tail.split_at_checked(len).context("a truncated frame")?;
        out.push(frame);
        rest = tail;
    }
    Ok(out)
}

fn payloads(frames: &[&[u8]]) -> Vec<Carried> {
    frames
        .iter()
        .filter_map(|bytes| {
            if let Ok(RelayFrame::Deliver { from, payload }) = RelayFrame::decode(bytes) {
                return Some(Carried {
                    from: Some(from),
                    payload: payload.to_vec(),
                });
            }
            match ClientFrame::decode(bytes).ok()? {
                ClientFrame::Broadcast { payload } | ClientFrame::SendTo { payload, .. } => {
                    Some(Carried {
                        from: None,
                        payload: payload.to_vec(),
                    })
                }
                _ => None,
            }
        })
        .collect()
}

/// AES-256-GCM under a key from `K_join` alone (no ephemeral secret), with each of the join
/// channel's nonces: what `S` by itself could make of a sealed part.
fn opens_with_join_key(join: &JoinKeys, room: &RoomKeys, sealed: &[u8]) -> bool {
    use aes_gcm::aead::{Aead, KeyInit};
    let hk = Hkdf::<Sha256>::new(Some(&join.k_join_bytes()), &[0u8; 32]);
    let mut key = [0u8; 32];
    let info = [&b"cutout/v2 join channel"[..], &room.room_id().0].concat();
    if hk.expand(&info, &mut key).is_err() {
        return false;
    }
    let cipher = aes_gcm::Aes256Gcm::new(&key.into());
    (1u8..=3).any(|n| {
        let mut nonce = [0u8; 12];
        nonce[11] = n;
        cipher.decrypt(&nonce.into(), sealed).is_ok()
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let secret = insider::secret_of(&args.invite)?;
    let room = RoomKeys::derive(&secret);
    let join = JoinKeys::derive(&room);
    let recording = std::fs::read(&args.recording).context("reading the recording")?;
    let frames = frames(&recording)?;
    let carried = payloads(&frames);

    let (mut knocks, mut knocks_checked, mut statuses, mut statuses_checked) = (0, 0, 0, 0);
    let (mut channel, mut mls) = (0, 0);
    let (mut chunks, mut envelopes, mut other, mut opened) = (0, 0, 0, 0);
    for Carried { from, payload } in &carried {
        if let Ok(chunk) = SealedChunk::parse(payload) {
            chunks += 1;
            let header = chunk.header();
            let key = room.file_key(header.sender, header.file_id);
            opened += usize::from(chunk.open(&room.room_id(), &key).is_ok());
            continue;
        }
        match Payload::parse(payload) {
            // A tag names its sender's wire id: checkable as the relay delivered it.
            Some(Ok(Payload::Knock { attempt, e_n, tag })) => {
                if let Some(from) = from {
                    knocks += 1;
                    knocks_checked += usize::from(join.check_knock(*from, attempt, &e_n, &tag));
                }
            }
            Some(Ok(Payload::Status(status))) => {
                if let Some(from) = from {
                    statuses += 1;
                    statuses_checked += usize::from(join.check_status(*from, &status));
                }
            }
            Some(Ok(
                Payload::Answer { sealed, .. }
                | Payload::Request { sealed, .. }
                | Payload::Welcome { sealed, .. },
            )) => {
                channel += 1;
                opened += usize::from(opens_with_join_key(&join, &room, sealed));
            }
            Some(Ok(Payload::Mls(_))) => mls += 1,
            Some(Err(_)) => other += 1,
            None => match SealedEnvelope::parse(payload) {
                Ok(envelope) => {
                    envelopes += 1;
                    let key = room.message_key(envelope.header().sender);
                    let window = &mut ReplayWindow::default();
                    opened += usize::from(envelope.open(&room.room_id(), &key, window).is_ok());
                }
                Err(_) => other += 1,
            },
        }
    }
    let found: Vec<&String> = args
        .needle
        .iter()
        .filter(|needle| {
            let needle = needle.as_bytes();
            !needle.is_empty() && recording.windows(needle.len()).any(|w| w == needle)
        })
        .collect();
    println!(
        "{}",
        json!({
            "frames": frames.len(),
            "payloads": carried.len(),
            // KNOCKs and STATUSes as delivered, and how many of those the invite checks.
            "knocks": knocks,
            "knocks_checked": knocks_checked,
            "statuses": statuses,
            "statuses_checked": statuses_checked,
            "channel": channel,
            "mls": mls,
            "chunks": chunks,
            "envelopes": envelopes,
            "other": other,
            "opened": opened,
            "found": found,
        })
    );
    Ok(())
}
