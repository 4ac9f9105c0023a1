//! Presentational pieces shared by screens.

pub mod composer;
pub mod contacts_panel;
pub mod file_list;
pub mod invite_panel;
pub mod member_list;
pub mod message_list;
pub mod offline_code;
pub mod offline_receive;
pub mod offline_send;
pub mod qr_code;
pub mod scan_panel;
pub mod secure_banner;
