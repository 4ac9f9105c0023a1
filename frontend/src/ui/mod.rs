//! Presentational pieces that more than one feature draws.

pub mod ca_replaced;
pub mod copy_text;
pub mod focus;
pub mod qr_code;
pub mod safety_number;
pub mod secure_banner;
pub mod storage_stuck;
