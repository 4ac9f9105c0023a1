//! One screen per file.

pub mod home;
pub mod offline;
pub mod room;
