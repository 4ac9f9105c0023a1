//! One screen per file.

pub mod home;
pub mod room;
