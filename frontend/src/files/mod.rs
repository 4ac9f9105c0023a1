//! A room's file transfers (PROTOCOL.md B.4), the browser's side: the person's `File`s, the
//! pump that reads and seals them, received bytes kept outside wasm memory (`received`), the
//! AES-GCM call in WebCrypto (`chunk_crypto`), and the cards (`file_list`).

pub mod chunk_crypto;
pub mod file_list;
pub mod live;
pub mod placement;
pub mod read_ahead;
pub mod received;
pub mod sealing;
pub mod transfers;
