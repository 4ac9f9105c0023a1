//! Cutout's end-to-end protocol (PROTOCOL.md sections B and C): keys, envelopes, presence,
//! file streams, offline blobs, QR texts and fountain frames.
//!
//! No I/O: randomness and time are parameters, so every rule is testable natively and in wasm.

#![forbid(unsafe_code)]

pub mod body;
pub mod check_code;
pub mod entropy;
pub mod envelope;
pub mod ids;
pub mod invite;
pub mod keys;
pub mod replay;
pub mod session;

pub use wire::{MemberId, RoomId};
