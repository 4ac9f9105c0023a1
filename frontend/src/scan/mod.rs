//! The QR scanner: the camera and pictures (`camera`), the decoding worker (`worker`), and the
//! panel that shows them (`panel`).

pub mod camera;
pub mod panel;
pub mod worker;
