//! A joined room: the screen (`page`), the conversation wired to the relay (`live`), and the
//! pieces the screen draws (members, messages, the composer, the invite, verifying a member).

pub mod composer;
pub mod invite_panel;
pub mod live;
pub mod member_list;
pub mod message_list;
pub mod page;
pub mod verify_view;
