//! The messages between Cutout's page and its Web Workers, each defined once here and used by
//! both sides: the page (`frontend/src/scan/worker.rs`, `frontend/src/offline/worker.rs`) posts
//! requests and reads answers; the workers (`qr-worker/`, `offline-worker/`) read requests and
//! post answers.
//!
//! - [`qr`]: a frame to decode ([`QrRequest`], its pixels in [`Pixels`]) and what was read
//!   ([`QrAnswer`]).
//! - [`offline`]: the offline worker's requests ([`OfflineRequest`]: passphrase words, sealing,
//!   opening) and the strength worker's ([`StrengthRequest`]), with their answers, each numbered
//!   in a [`Call`] and answered in a [`Reply`] (or refused with a [`Refusal`]).
//!
//! The types are plain serde types, so they build and are tested natively. In wasm, `post`
//! turns one into a JavaScript value (through `serde-wasm-bindgen`) and posts it, and `read`
//! turns a received one back, or says why it is `Malformed`: nothing else builds or reads a
//! worker message field by field. Byte payloads travel as `Uint8Array`s (`serde_bytes`), never
//! as arrays of numbers; a frame's pixels stay in JavaScript memory and their buffer is moved,
//! not copied, to the worker (see [`Pixels`]).

#![forbid(unsafe_code)]

pub mod offline;
mod pixels;
pub mod qr;

#[cfg(target_arch = "wasm32")]
mod js;

pub use offline::{
    Call, OfflineAnswer, OfflineRequest, Reason, Refusal, Reply, Routing, Strength, StrengthRequest,
};
pub use pixels::Pixels;
pub use qr::{QrAnswer, QrRequest};

#[cfg(target_arch = "wasm32")]
pub use js::{Malformed, Port, Unsent, id, post, read};

/// A message that crosses the page ↔ worker boundary: what `post` sends and `read` reads.
pub trait Message: serde::Serialize + serde::de::DeserializeOwned {
    /// The buffer to move to the other side instead of copying it (a frame's pixels), if any.
    #[cfg(target_arch = "wasm32")]
    fn transfer(&self) -> Option<js_sys::ArrayBuffer> {
        None
    }
}
