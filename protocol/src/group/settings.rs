//! The room's settings (docs/PROTOCOL.md R.1): a group context extension of type
//! [`SETTINGS_EXTENSION`] that the member who creates the group sets, which every member reads
//! from the group (so everyone sees the same, and a newcomer has it from its Welcome), and which
//! no commit changes (R.1 allows Add and Remove proposals only).

use mls_rs::{Extension, ExtensionList};

/// The extension's type, in the range RFC 9420 §17.1 leaves for private use.
pub const SETTINGS_EXTENSION: u16 = 0xF0C3;
/// Bit 0 of its one byte: members share recent history with a newcomer (R.12).
const HISTORY_FOR_NEWCOMERS: u8 = 0x01;

/// What the person who made the room chose for it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RoomSettings {
    /// Members online pass a newcomer the room's recent messages (R.12).
    pub history_for_newcomers: bool,
}

impl RoomSettings {
    /// Each setting on only if on in both.
    pub fn and(self, other: Self) -> Self {
        Self {
            history_for_newcomers: self.history_for_newcomers && other.history_for_newcomers,
        }
    }

    /// The extension list a new room group is created with.
    pub(crate) fn extensions(self) -> ExtensionList {
        let mut list = ExtensionList::new();
        let flags = if self.history_for_newcomers {
            HISTORY_FOR_NEWCOMERS
        } else {
            0
        };
        list.set(Extension::new(SETTINGS_EXTENSION.into(), vec![flags]));
        list
    }

    /// The settings a group's context holds: none (a group made without them, or a private
    /// conversation's) is all off, and so is any byte but the ones defined.
    pub(crate) fn from_extensions(list: &ExtensionList) -> Self {
        let flags = list
            .get(SETTINGS_EXTENSION.into())
            .and_then(|e| match e.extension_data.as_slice() {
                [flags] => Some(*flags),
                _ => None,
            })
            .unwrap_or(0);
        Self {
            history_for_newcomers: flags == HISTORY_FOR_NEWCOMERS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_back_and_anything_else_is_off() {
        for history_for_newcomers in [false, true] {
            let settings = RoomSettings {
                history_for_newcomers,
            };
            assert_eq!(
                RoomSettings::from_extensions(&settings.extensions()),
                settings
            );
        }
        assert_eq!(
            RoomSettings::from_extensions(&ExtensionList::new()),
            RoomSettings::default()
        );
        let mut odd = ExtensionList::new();
        odd.set(Extension::new(SETTINGS_EXTENSION.into(), vec![0x03]));
        assert_eq!(RoomSettings::from_extensions(&odd), RoomSettings::default());
    }
}
