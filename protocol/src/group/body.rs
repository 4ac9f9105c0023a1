//! What a v2 room's application messages hold (docs/PROTOCOL.md R.6): postcard, like the
//! part-1 bodies, with their limits and canonical encoding ([`Body`]).

use serde::{Deserialize, Serialize};

use crate::body::{Body, BodyError, Chat, FileCtrl, FileOffer};
use crate::ids::MsgId;
use crate::ids::SenderId;

/// One application message of a room's group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupBody {
    /// A member on a new connection (or just joined) says which wire id it has.
    Hello {
        /// Its wire id; must be the DELIVER `from`.
        member_id: u32,
        /// Its session on this connection: the `sender_id` of its file chunks (R.9).
        session: SenderId,
    },
    /// A member answers a Hello (by SEND_TO) with its own wire id.
    Here {
        /// Its wire id; must be the DELIVER `from`.
        member_id: u32,
        /// Its session on this connection.
        session: SenderId,
    },
    /// Still here (every 20 s ± 5 s).
    Heartbeat,
    /// Leaving (best effort, on `pagehide`).
    Leave,
    /// A chat message.
    Chat(Chat),
    /// A file offer, with the file's key (R.9).
    FileOffer {
        /// The offer.
        offer: FileOffer,
        /// `K_file`.
        key: FileKey,
    },
    /// File control.
    FileCtrl(FileCtrl),
    /// Asks a member for a KeyPackage for a private conversation's group (R.10), by SEND_TO.
    PrivateAsk {
        /// The two-member group to be.
        group: [u8; 16],
    },
    /// The KeyPackage asked for.
    PrivateKeyPackage {
        /// The group it is for.
        group: [u8; 16],
        /// An `MLSMessage` holding the KeyPackage.
        key_package: Vec<u8>,
    },
    /// The Welcome into the private conversation's group.
    PrivateWelcome {
        /// The group.
        group: [u8; 16],
        /// An `MLSMessage` holding the Welcome.
        welcome: Vec<u8>,
    },
    /// This member cannot read that private group (it lost it): open another.
    PrivateReset {
        /// The group.
        group: [u8; 16],
    },
    /// Recent messages of the room, passed to a newcomer in a private conversation (R.12).
    History(Vec<SharedLine>),
}

/// A message of the room as one member saw it, passed on to a newcomer (R.12): the sharer's
/// word, not the author's (no signature of the author comes with it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedLine {
    /// The message id.
    pub msg_id: MsgId,
    /// The author's name, as the sharer saw it.
    pub author: String,
    /// The author's leaf identity (`ik ‖ device_id`, 48 bytes), as the sharer saw it.
    pub author_key: Vec<u8>,
    /// The author's clock when sent.
    pub sent_at_ms: u64,
    /// The text.
    pub text: String,
}

/// Most lines in one [`GroupBody::History`] message.
pub const MAX_SHARED_PER_MESSAGE: usize = 64;

/// Bytes of a leaf identity, `ik ‖ device_id` (R.2).
pub(crate) const LEAF_IDENTITY_LEN: usize = 48;
/// Longest KeyPackage a private conversation takes (one leaf: about 600 bytes).
const MAX_KEY_PACKAGE: usize = 4 * 1024;
/// Longest Welcome into a two-member group (about 2 KiB with its tree).
const MAX_PRIVATE_WELCOME: usize = 16 * 1024;

fn bytes(field: &'static str, value: &[u8], max: usize) -> Result<(), BodyError> {
    if value.len() > max {
        Err(BodyError::TooLong(field))
    } else {
        Ok(())
    }
}

impl Body for GroupBody {
    fn validate(&self) -> Result<(), BodyError> {
        match self {
            Self::Chat(chat) => chat.validate(),
            Self::FileOffer { offer, .. } => offer.validate(),
            Self::FileCtrl(ctrl) => ctrl.validate(),
            Self::PrivateKeyPackage { key_package, .. } => {
                bytes("key package", key_package, MAX_KEY_PACKAGE)
            }
            Self::PrivateWelcome { welcome, .. } => bytes("welcome", welcome, MAX_PRIVATE_WELCOME),
            Self::PrivateAsk { .. } | Self::PrivateReset { .. } => Ok(()),
            // Each line is checked on its own when taken: one bad line drops only itself.
            Self::History(lines) => {
                if lines.len() > MAX_SHARED_PER_MESSAGE {
                    return Err(BodyError::TooLong("history"));
                }
                Ok(())
            }
            Self::Hello { .. } | Self::Here { .. } | Self::Heartbeat | Self::Leave => Ok(()),
        }
    }
}

/// The room's new secret after a removal (R.8); zeroized on drop, its `Debug` prints no bytes.
#[derive(
    Clone, PartialEq, Eq, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop,
)]
pub struct MovedSecret(pub [u8; 32]);

impl core::fmt::Debug for MovedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("MovedSecret(..)")
    }
}

/// A file's key in a [`GroupBody::FileOffer`]; zeroized on drop, its `Debug` prints no bytes.
#[derive(
    Clone, PartialEq, Eq, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop,
)]
pub struct FileKey(pub [u8; 32]);

impl core::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FileKey(..)")
    }
}
