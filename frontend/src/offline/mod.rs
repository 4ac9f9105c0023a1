//! Offline messages: sealed on one device, shown as QR codes, read by another device's camera,
//! with no network at all. The screen (`page`) has three tabs: `send`, `receive`, and
//! `contacts_panel`; Argon2id runs in a worker (`worker`); the app itself is kept for offline
//! use by a service worker (`kept_app`).

pub mod code;
pub mod contact_row;
pub mod contacts;
pub mod contacts_panel;
pub mod kept_app;
pub mod lazy_worker;
pub mod page;
pub mod passphrase;
pub mod receive;
pub mod sealing;
pub mod send;
pub mod worker;
