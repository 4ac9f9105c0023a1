//! File keys from a group (docs/PROTOCOL.md R.9): `F_e` of the newest epochs, and `K_file`.
//!
//! ```text
//! F_e     = MLS-Exporter("cutout/v2 file", "", 32)                          of epoch e
//! K_file  = HKDF-Expand(F_e, "cutout/v2 file-key" ‖ session(16) ‖ file_id(16), 32)
//! ```

use std::collections::VecDeque;

use zeroize::Zeroizing;

use super::mls::RoomGroup;
use crate::ids::{FileId, SenderId};
use crate::keys::hkdf_expand;

/// File keys come from this many newest epochs (the epochs whose messages still open, R.1).
const EPOCHS: usize = 3;
const FILE_KEY_LABEL: &[u8] = b"cutout/v2 file-key";

/// `F_e` of a group's newest epochs.
#[derive(Default)]
pub struct FileBases(VecDeque<(u64, Zeroizing<[u8; 32]>)>);

impl FileBases {
    /// Keeps the group's current epoch's `F_e`, and forgets the oldest.
    pub(crate) fn new_epoch(&mut self, group: &RoomGroup) {
        if self.0.back().is_some_and(|(e, _)| *e == group.epoch()) {
            return;
        }
        if let Ok(base) = group.file_base() {
            self.0.push_back((group.epoch(), base));
        }
        while self.0.len() > EPOCHS {
            self.0.pop_front();
        }
    }

    /// `K_file` for the file `file` of the session `session`, offered in `epoch`.
    pub fn key(&self, epoch: u64, session: SenderId, file: FileId) -> Option<Zeroizing<[u8; 32]>> {
        let (_, base) = self.0.iter().find(|(e, _)| *e == epoch)?;
        Some(Zeroizing::new(hkdf_expand(
            base,
            &[FILE_KEY_LABEL, session.as_bytes(), file.as_bytes()],
        )))
    }
}
