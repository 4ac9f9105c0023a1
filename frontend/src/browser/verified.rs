//! The people verified on this device (`protocol::verified`), kept in `localStorage` so that a
//! person verified in one room is verified in every room.

use protocol::verified::Verified;

use super::{Store, load, save};

/// Where the verified people are kept (a `storage` event with this key: another tab verified
/// someone).
pub const VERIFIED_KEY: &str = "cutout.verified";

/// The people verified on this device (nobody, where storage is refused).
pub fn verified() -> Verified {
    Verified::from_stored_text(&load(Store::Device, VERIFIED_KEY).unwrap_or_default())
}

/// Keeps `verified` on this device.
pub fn save_verified(verified: &Verified) {
    save(Store::Device, VERIFIED_KEY, &verified.stored_text());
}
