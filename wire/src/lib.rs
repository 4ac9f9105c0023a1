//! Cutout's wire format (PROTOCOL.md section A): the frames between a browser and the relay.
//!
//! This crate holds everything the relay may see: room ids, member ids, frame types, limits.
//! It has no crypto and no I/O, and decoding never panics on any input.
//!
//! ```
//! use wire::{ClientFrame, MemberId, RelayFrame};
//!
//! let sent = ClientFrame::Broadcast { payload: b"ciphertext" }.encode();
//! let Ok(ClientFrame::Broadcast { payload }) = ClientFrame::decode(&sent) else { panic!() };
//! let delivered = wire::deliver(MemberId(7), payload);
//! assert_eq!(
//!     RelayFrame::decode(&delivered),
//!     Ok(RelayFrame::Deliver { from: MemberId(7), payload: b"ciphertext" })
//! );
//! ```

#![forbid(unsafe_code)]

mod client;
mod error_code;
mod frame_type;
mod ids;
pub mod limits;
mod relay;

pub use client::ClientFrame;
pub use error_code::ErrorCode;
pub use frame_type::{DecodeError, EncodeError, FrameType};
pub use ids::{MemberId, RoomId};
pub use limits::WIRE_VERSION;
pub use relay::{RelayFrame, deliver, deliver_header, encode_deliver_into};
