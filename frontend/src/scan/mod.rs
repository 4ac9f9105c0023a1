//! The QR scanner: the camera (`camera`), photos and pictures (`photo`), the decoding worker
//! (`worker`), the frame loop that feeds it (`session`), what a read means (`code`), and the
//! panel that shows them (`panel`).

pub mod camera;
pub mod code;
pub mod panel;
pub mod photo;
pub mod session;
pub mod worker;
