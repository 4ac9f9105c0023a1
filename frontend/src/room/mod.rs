//! A joined room: the screen (`page`), the conversation wired to the relay (`live`), and the
//! pieces the screen draws (members, messages, the composer, the invite, verifying a member,
//! where this browser keeps its identity keys).

pub mod attention;
pub mod composer;
pub mod identity_storage;
pub mod invite_panel;
pub mod keep_panel;
pub mod live;
pub mod member_list;
pub mod message_list;
pub mod page;
pub mod thread;
pub mod verify_view;
pub mod views;
