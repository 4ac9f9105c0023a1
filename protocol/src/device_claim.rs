//! Which device id a tab uses (PROTOCOL.md B.3): kept across reloads and reconnects of that tab,
//! never shared by two live tabs.
//!
//! A tab keeps its id in `sessionStorage`, which a browser's "Duplicate tab" (and `window.open`)
//! copies. A duplicate that kept the copied id would replace the original in every member list
//! while the original still sends, so its messages would be dropped unseen. A page therefore
//! marks its id in use while it lives and free on `pagehide`. A page that starts and finds the
//! id free (a reload) or finds none (a new tab) takes it at once; one that finds it in use (a
//! duplicate, or a page that crashed) asks the other tabs of this origin whether one holds it,
//! and mints a new id if one answers within [`PROBE_MS`].
//!
//! The browser carries the [`ClaimMessage`]s (a `BroadcastChannel`, which works where
//! `navigator.locks` does not: plain HTTP at a LAN address is not a secure context) and the
//! storage; this type decides. Two pages probing for the same id at once (two duplicates of a
//! tab that died) settle it by their random nonces: the larger one answers as a holder, so the
//! other mints a new id, whichever heard the other first.

use crate::entropy::Entropy;
use crate::hex;
use crate::ids::DeviceId;

/// How long a page that finds its id in use waits for a live tab to say it holds it, in
/// milliseconds. A live tab of the same browser answers within a few milliseconds; this is also
/// how much longer such a page takes to join a room.
pub const PROBE_MS: u32 = 300;

/// What a tab's storage says about its device id when a page starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// No id (a new tab), or one that cannot be read.
    Nothing,
    /// An id its last page released on `pagehide`: a reload. An id stored by a version of the
    /// app that did not mark ids counts as free.
    Free(DeviceId),
    /// An id marked in use: copied from a live tab, or left by a page that crashed.
    InUse(DeviceId),
}

const FREE: &str = "free:";
const IN_USE: &str = "live:";

impl Stored {
    /// Reads the stored text (`live:<hex>`, `free:<hex>`, or a bare `<hex>` from earlier
    /// versions); anything else is [`Stored::Nothing`].
    pub fn parse(text: Option<&str>) -> Self {
        let Some(text) = text else {
            return Self::Nothing;
        };
        let id = |hex_text: &str| hex::decode::<16>(hex_text).ok().map(DeviceId);
        let stored = if let Some(rest) = text.strip_prefix(IN_USE) {
            id(rest).map(Self::InUse)
        } else {
            id(text.strip_prefix(FREE).unwrap_or(text)).map(Self::Free)
        };
        stored.unwrap_or(Self::Nothing)
    }

    /// The text to store, `None` for [`Stored::Nothing`].
    pub fn to_text(&self) -> Option<String> {
        match self {
            Self::Nothing => None,
            Self::Free(id) => Some(format!("{FREE}{}", hex::encode(id.as_bytes()))),
            Self::InUse(id) => Some(format!("{IN_USE}{}", hex::encode(id.as_bytes()))),
        }
    }
}

/// What tabs of one origin tell each other about device ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimMessage {
    /// "Does a live tab hold this id?", with a random nonce that breaks ties between two
    /// pages probing for the same id.
    Probe {
        /// The id asked about.
        id: DeviceId,
        /// The asking page's nonce.
        nonce: [u8; 16],
    },
    /// "I hold this id."
    Held {
        /// The id held.
        id: DeviceId,
    },
}

impl ClaimMessage {
    /// The message as text (`probe <id> <nonce>` or `held <id>`, in hex).
    pub fn to_text(&self) -> String {
        match self {
            Self::Probe { id, nonce } => {
                format!(
                    "probe {} {}",
                    hex::encode(id.as_bytes()),
                    hex::encode(nonce)
                )
            }
            Self::Held { id } => format!("held {}", hex::encode(id.as_bytes())),
        }
    }

    /// Reads a message; `None` for anything else (another version's, or garbage).
    pub fn parse(text: &str) -> Option<Self> {
        let mut words = text.split(' ');
        let message = match (words.next()?, words.next()?) {
            ("probe", id) => Self::Probe {
                id: DeviceId(hex::decode(id).ok()?),
                nonce: hex::decode(words.next()?).ok()?,
            },
            ("held", id) => Self::Held {
                id: DeviceId(hex::decode(id).ok()?),
            },
            _ => return None,
        };
        words.next().is_none().then_some(message)
    }
}

/// Where a page stands with its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Asked whether a live tab holds the id; waiting [`PROBE_MS`] for an answer.
    Probing { nonce: [u8; 16] },
    /// The id is this page's; it answers probes for it.
    Held,
    /// The page is hidden (`pagehide`): the id is free for the page that comes next.
    Hidden,
}

/// A page's claim on its tab's device id.
#[derive(Clone, Debug)]
pub struct DeviceClaim {
    id: DeviceId,
    state: State,
}

impl DeviceClaim {
    /// Starts a page from what its tab stored: takes the id at once when it is free or new,
    /// else returns the probe to send to the other tabs.
    pub fn start(stored: Stored, entropy: &mut dyn Entropy) -> (Self, Option<ClaimMessage>) {
        match stored {
            Stored::Nothing => (Self::held(DeviceId::random(entropy)), None),
            Stored::Free(id) => (Self::held(id), None),
            Stored::InUse(id) => {
                let mut claim = Self::held(id);
                let probe = claim.probe(entropy);
                (claim, Some(probe))
            }
        }
    }

    fn held(id: DeviceId) -> Self {
        Self {
            id,
            state: State::Held,
        }
    }

    fn probe(&mut self, entropy: &mut dyn Entropy) -> ClaimMessage {
        let mut nonce = [0u8; 16];
        entropy.fill(&mut nonce);
        self.state = State::Probing { nonce };
        ClaimMessage::Probe { id: self.id, nonce }
    }

    /// A message from another tab; returns the answer to send, if any. A probing page that
    /// hears its id is held mints a new one.
    pub fn hear(
        &mut self,
        message: ClaimMessage,
        entropy: &mut dyn Entropy,
    ) -> Option<ClaimMessage> {
        match (message, self.state) {
            (ClaimMessage::Probe { id, .. }, State::Held) if id == self.id => {
                Some(ClaimMessage::Held { id })
            }
            // Two pages probing for one id: the larger nonce keeps it, whichever heard the
            // other first (the first page's probe may have gone out before the second lived).
            (ClaimMessage::Probe { id, nonce: theirs }, State::Probing { nonce: mine })
                if id == self.id =>
            {
                if mine > theirs {
                    Some(ClaimMessage::Held { id })
                } else {
                    self.mint(entropy);
                    None
                }
            }
            (ClaimMessage::Held { id }, State::Probing { .. }) if id == self.id => {
                self.mint(entropy);
                None
            }
            _ => None,
        }
    }

    fn mint(&mut self, entropy: &mut dyn Entropy) {
        self.id = DeviceId::random(entropy);
        self.state = State::Held;
    }

    /// The wait is over and nobody said they hold the id: it is this page's.
    pub fn settle(&mut self) {
        if matches!(self.state, State::Probing { .. }) {
            self.state = State::Held;
        }
    }

    /// The page is hidden (`pagehide`): the id is free for a reload.
    pub fn hide(&mut self) {
        self.state = State::Hidden;
    }

    /// The page is shown again from the back/forward cache (`pageshow`, persisted): a tab
    /// duplicated meanwhile may have taken the id, so ask again.
    pub fn show(&mut self, entropy: &mut dyn Entropy) -> Option<ClaimMessage> {
        (self.state == State::Hidden).then(|| self.probe(entropy))
    }

    /// The id this page uses (a probing page's may still change).
    pub fn id(&self) -> DeviceId {
        self.id
    }

    /// Whether the id is settled: not waiting for an answer.
    pub fn is_settled(&self) -> bool {
        !matches!(self.state, State::Probing { .. })
    }

    /// What the tab's storage should say now.
    pub fn stored(&self) -> Stored {
        match self.state {
            State::Hidden => Stored::Free(self.id),
            State::Probing { .. } | State::Held => Stored::InUse(self.id),
        }
    }
}
