//! Cutout's end-to-end protocol (PROTOCOL.md sections B and C): keys, envelopes, presence,
//! file streams, offline blobs, QR texts and fountain frames.
//!
//! No I/O: randomness and time are parameters, so every rule is testable natively and in wasm.

#![forbid(unsafe_code)]

mod aead;
pub mod base45;
pub mod blob;
pub mod body;
pub mod check_code;
pub mod collector;
pub mod contact;
pub mod contact_book;
pub mod conversation;
pub mod days;
pub mod dedupe;
pub mod density;
pub mod device_claim;
pub mod draft;
pub mod entropy;
pub mod envelope;
pub mod file_name;
pub mod fountain;
pub mod group;
pub mod hex;
pub mod identity;
pub mod ids;
pub mod invite;
pub mod kdf;
pub mod keep;
pub mod keys;
pub mod links;
pub mod passphrase;
pub mod passphrase_input;
mod peer;
pub mod qr_text;
pub mod replay;
pub mod room;
pub mod room_io;
pub mod secret;
pub mod session;
pub mod stream;
pub mod stream_receive;
pub mod stream_send;
pub mod text_form;
pub mod transfer_rate;
pub mod transfers;
pub mod unread;
pub mod verified;

pub use wire::{MemberId, RoomId};
