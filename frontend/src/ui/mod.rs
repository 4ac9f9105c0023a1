//! Presentational pieces that more than one feature draws.

pub mod focus;
pub mod qr_code;
pub mod secure_banner;
