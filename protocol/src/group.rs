//! Rooms on MLS (docs/PROTOCOL.md, part 2): member credentials certified by the identity, the
//! join channel that lets a holder of the invite in, and the clear payloads of a v2 room.

pub mod body;
pub mod conversation;
pub mod credential;
pub mod identities;
pub mod join;
pub mod machine;
pub mod member;
pub mod mls;
pub mod output;
pub mod rules;
pub mod settings;

pub use credential::{CREDENTIAL_TYPE, GroupId, LeafFacts, MemberCredential, member_statement};
pub use join::{Ends, Ephemeral, JoinChannel, JoinKeys, Payload, PayloadError, Status};
