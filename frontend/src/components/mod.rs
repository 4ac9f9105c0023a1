//! Presentational pieces shared by screens.

pub mod composer;
pub mod file_list;
pub mod invite_panel;
pub mod member_list;
pub mod message_list;
pub mod qr_code;
pub mod scan_panel;
pub mod secure_banner;
