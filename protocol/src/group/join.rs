//! The join channel and the clear payloads of a v2 room (docs/PROTOCOL.md R.3, R.4).
//!
//! ```text
//! K_join  = HKDF-Expand(PRK, "cutout/v2 join", 32)
//! tag     = HMAC-SHA256(K_join, "cutout/v2 knock" ‖ room_id ‖ n ‖ attempt ‖ e_N)[0..16]
//! k       = HKDF(salt = K_join, IKM = X25519(e_D, e_N),
//!                info = "cutout/v2 join channel" ‖ room_id ‖ n ‖ d ‖ e_N ‖ e_D)
//! status  = HMAC-SHA256(K_join, "cutout/v2 status" ‖ room_id ‖ m ‖ group_id ‖ epoch ‖ branch)[0..16]
//! ```
//!
//! The invite's secret authenticates a knock and a status; the channel's key needs it and an
//! ephemeral secret of each side, so a recording opens with neither.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use wire::{MemberId, RoomId};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::credential::GroupId;
use crate::aead::{self, AeadKey, NONCE_LEN};
use crate::entropy::Entropy;
use crate::keys::{RoomKeys, hkdf};

/// The first byte of every v2 payload.
pub const VERSION: u8 = 0x02;
/// Length of a knock's or status's tag.
pub const TAG_LEN: usize = 16;

const JOIN_LABEL: &[u8] = b"cutout/v2 join";
const KNOCK_LABEL: &[u8] = b"cutout/v2 knock";
const STATUS_LABEL: &[u8] = b"cutout/v2 status";
const CHANNEL_LABEL: &[u8] = b"cutout/v2 join channel";

/// The payload types (docs/PROTOCOL.md R.3).
pub mod kind {
    /// A newcomer asks to be let in.
    pub const KNOCK: u8 = 0x01;
    /// The answerer opens the channel.
    pub const ANSWER: u8 = 0x02;
    /// The newcomer's KeyPackage.
    pub const REQUEST: u8 = 0x03;
    /// The answerer's Welcome.
    pub const WELCOME: u8 = 0x04;
    /// Where a member's group is.
    pub const STATUS: u8 = 0x05;
    /// An MLS message.
    pub const MLS: u8 = 0x10;
}

/// A v2 payload that failed to parse or open. Says nothing more, on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unreadable room payload")]
pub struct PayloadError;

/// A v2 payload, parsed but not opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload<'a> {
    /// KNOCK.
    Knock {
        /// Which attempt of its newcomer.
        attempt: u8,
        /// The newcomer's ephemeral key.
        e_n: [u8; 32],
        /// `tag`, checked by [`JoinKeys::check_knock`].
        tag: [u8; TAG_LEN],
    },
    /// ANSWER.
    Answer {
        /// The newcomer's ephemeral key it answers.
        e_n: [u8; 32],
        /// The answerer's ephemeral key.
        e_d: [u8; 32],
        /// The sealed group id and epoch.
        sealed: &'a [u8],
    },
    /// REQUEST.
    Request {
        /// The newcomer's ephemeral key (which channel).
        e_n: [u8; 32],
        /// The sealed KeyPackage.
        sealed: &'a [u8],
    },
    /// WELCOME.
    Welcome {
        /// The newcomer's ephemeral key (which channel).
        e_n: [u8; 32],
        /// The sealed Welcome.
        sealed: &'a [u8],
    },
    /// STATUS.
    Status(Status),
    /// An MLS message.
    Mls(&'a [u8]),
}

/// Where a member's group stands (docs/PROTOCOL.md R.4, R.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The group.
    pub group: GroupId,
    /// Its epoch.
    pub epoch: u64,
    /// `MLS-Exporter("cutout/v2 branch", "", 8)` of that epoch.
    pub branch: [u8; 8],
    /// The tag, checked by [`JoinKeys::check_status`].
    pub tag: [u8; TAG_LEN],
}

impl Status {
    /// The order of R.7: by epoch, then the smaller branch is the greater status.
    pub fn beats(&self, other: &Self) -> bool {
        (self.epoch, core::cmp::Reverse(self.branch))
            > (other.epoch, core::cmp::Reverse(other.branch))
    }
}

impl<'a> Payload<'a> {
    /// Parses a payload exactly; `None` for a payload that is not v2 at all (a part-1
    /// envelope), an error for a v2 payload that does not parse.
    pub fn parse(payload: &'a [u8]) -> Option<Result<Self, PayloadError>> {
        let (&version, rest) = payload.split_first()?;
        if version != VERSION {
            return None;
        }
        Some(Self::parse_v2(rest))
    }

    fn parse_v2(bytes: &'a [u8]) -> Result<Self, PayloadError> {
        let (&kind, body) = bytes.split_first().ok_or(PayloadError)?;
        let mut reader = Reader(body);
        let payload = match kind {
            kind::KNOCK => Self::Knock {
                attempt: reader.array::<1>()?[0],
                e_n: reader.array()?,
                tag: reader.array()?,
            },
            kind::ANSWER => Self::Answer {
                e_n: reader.array()?,
                e_d: reader.array()?,
                sealed: reader.sealed()?,
            },
            kind::REQUEST => Self::Request {
                e_n: reader.array()?,
                sealed: reader.sealed()?,
            },
            kind::WELCOME => Self::Welcome {
                e_n: reader.array()?,
                sealed: reader.sealed()?,
            },
            kind::STATUS => Self::Status(Status {
                group: GroupId(reader.array()?),
                epoch: u64::from_be_bytes(reader.array()?),
                branch: reader.array()?,
                tag: reader.array()?,
            }),
            kind::MLS if !body.is_empty() => return Ok(Self::Mls(body)),
            _ => return Err(PayloadError),
        };
        reader.0.is_empty().then_some(payload).ok_or(PayloadError)
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], PayloadError> {
        let (head, rest) = self.0.split_at_checked(N).ok_or(PayloadError)?;
        self.0 = rest;
        head.try_into().map_err(|_| PayloadError)
    }

    /// The rest, which must hold at least a tag.
    fn sealed(&mut self) -> Result<&'a [u8], PayloadError> {
        let rest = core::mem::take(&mut self.0);
        (rest.len() >= aead::TAG_LEN)
            .then_some(rest)
            .ok_or(PayloadError)
    }
}

/// The room secret's part in the join channel and status: `K_join` and the room id.
#[derive(Clone)]
pub struct JoinKeys {
    k_join: Zeroizing<[u8; 32]>,
    room_id: RoomId,
}

impl core::fmt::Debug for JoinKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("JoinKeys(..)")
    }
}

impl JoinKeys {
    /// `K_join` of a room.
    pub fn derive(keys: &RoomKeys) -> Self {
        Self {
            k_join: keys.expand_secret(JOIN_LABEL),
            room_id: keys.room_id(),
        }
    }

    /// The raw `K_join`, for the known-answer vectors only.
    #[doc(hidden)]
    pub fn k_join_bytes(&self) -> [u8; 32] {
        *self.k_join
    }

    fn tag(&self, parts: &[&[u8]]) -> [u8; TAG_LEN] {
        // HMAC takes a key of any length, so this never fails; were it to, the all-zero
        // tag it returns would be refused by the check on both sides alike.
        let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(&self.k_join[..]) else {
            return [0; TAG_LEN];
        };
        for part in parts {
            mac.update(part);
        }
        let full = mac.finalize().into_bytes();
        let mut tag = [0; TAG_LEN];
        tag.copy_from_slice(&full[..TAG_LEN]);
        tag
    }

    /// A KNOCK payload from the newcomer `n`.
    pub fn knock(&self, n: MemberId, attempt: u8, e_n: &[u8; 32]) -> Vec<u8> {
        let tag = self.knock_tag(n, attempt, e_n);
        [&[VERSION, kind::KNOCK, attempt][..], e_n, &tag].concat()
    }

    fn knock_tag(&self, n: MemberId, attempt: u8, e_n: &[u8; 32]) -> [u8; TAG_LEN] {
        self.tag(&[
            KNOCK_LABEL,
            &self.room_id.0,
            &n.0.to_be_bytes(),
            &[attempt],
            e_n,
        ])
    }

    /// Whether a knock's tag is right for the DELIVER `from`.
    pub fn check_knock(&self, from: MemberId, attempt: u8, e_n: &[u8; 32], tag: &[u8; 16]) -> bool {
        bool::from(self.knock_tag(from, attempt, e_n).ct_eq(tag))
    }

    /// A STATUS payload from member `m`.
    pub fn status(&self, m: MemberId, group: GroupId, epoch: u64, branch: [u8; 8]) -> Vec<u8> {
        let tag = self.status_tag(m, group, epoch, branch);
        [
            &[VERSION, kind::STATUS][..],
            &group.0,
            &epoch.to_be_bytes(),
            &branch,
            &tag,
        ]
        .concat()
    }

    fn status_tag(&self, m: MemberId, group: GroupId, epoch: u64, branch: [u8; 8]) -> [u8; 16] {
        self.tag(&[
            STATUS_LABEL,
            &self.room_id.0,
            &m.0.to_be_bytes(),
            &group.0,
            &epoch.to_be_bytes(),
            &branch,
        ])
    }

    /// Whether a status's tag is right for the DELIVER `from`.
    pub fn check_status(&self, from: MemberId, status: &Status) -> bool {
        let tag = self.status_tag(from, status.group, status.epoch, status.branch);
        bool::from(tag.ct_eq(&status.tag))
    }
}

/// One side's ephemeral X25519 key pair for one attempt.
pub struct Ephemeral {
    secret: StaticSecret,
    public: [u8; 32],
}

impl Ephemeral {
    /// A fresh key pair.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        entropy.fill(&mut seed[..]);
        Self::from_seed(&seed)
    }

    /// The key pair of a seed (the vectors).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let secret = StaticSecret::from(*seed);
        let public = PublicKey::from(&secret).to_bytes();
        Self { secret, public }
    }

    /// The public key.
    pub fn public(&self) -> [u8; 32] {
        self.public
    }

    fn agree(&self, theirs: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
        let shared = self.secret.diffie_hellman(&PublicKey::from(*theirs));
        shared
            .was_contributory()
            .then(|| Zeroizing::new(shared.to_bytes()))
    }
}

/// Who is who in one join channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ends {
    /// The newcomer's wire id.
    pub n: MemberId,
    /// The answerer's wire id.
    pub d: MemberId,
    /// The newcomer's ephemeral key.
    pub e_n: [u8; 32],
    /// The answerer's ephemeral key.
    pub e_d: [u8; 32],
}

/// The channel of one attempt, as either side holds it.
pub struct JoinChannel {
    key: AeadKey,
    ends: Ends,
}

impl JoinChannel {
    /// The channel from one's own ephemeral key and the other's public one; `None` when the
    /// other key is of small order (an all-zero shared secret).
    pub fn derive(keys: &JoinKeys, own: &Ephemeral, ends: Ends) -> Option<Self> {
        let theirs = if own.public == ends.e_n {
            &ends.e_d
        } else {
            &ends.e_n
        };
        let z = own.agree(theirs)?;
        let key = channel_key(keys, &z, &ends);
        Some(Self {
            key: AeadKey::new(*key),
            ends,
        })
    }

    /// Who is who.
    pub fn ends(&self) -> &Ends {
        &self.ends
    }

    /// The ANSWER naming the answerer's group and epoch.
    pub fn answer(&self, group: GroupId, epoch: u64) -> Result<Vec<u8>, PayloadError> {
        let header = [&[VERSION, kind::ANSWER][..], &self.ends.e_n, &self.ends.e_d].concat();
        let body = [&group.0[..], &epoch.to_be_bytes()].concat();
        self.seal(header, &body, 1)
    }

    /// Opens an ANSWER's sealed part: the group and epoch.
    pub fn open_answer(&self, sealed: &[u8]) -> Result<(GroupId, u64), PayloadError> {
        let header = [&[VERSION, kind::ANSWER][..], &self.ends.e_n, &self.ends.e_d].concat();
        let body = self.open(&header, sealed, 1)?;
        let mut reader = Reader(&body);
        let group = GroupId(reader.array()?);
        let epoch = u64::from_be_bytes(reader.array()?);
        reader
            .0
            .is_empty()
            .then_some((group, epoch))
            .ok_or(PayloadError)
    }

    /// The REQUEST carrying a KeyPackage.
    pub fn request(&self, key_package: &[u8]) -> Result<Vec<u8>, PayloadError> {
        self.seal(self.short_header(kind::REQUEST), key_package, 2)
    }

    /// Opens a REQUEST's sealed part: the KeyPackage.
    pub fn open_request(&self, sealed: &[u8]) -> Result<Vec<u8>, PayloadError> {
        self.open(&self.short_header(kind::REQUEST), sealed, 2)
    }

    /// The WELCOME carrying an MLS Welcome.
    pub fn welcome(&self, welcome: &[u8]) -> Result<Vec<u8>, PayloadError> {
        self.seal(self.short_header(kind::WELCOME), welcome, 3)
    }

    /// Opens a WELCOME's sealed part: the MLS Welcome.
    pub fn open_welcome(&self, sealed: &[u8]) -> Result<Vec<u8>, PayloadError> {
        self.open(&self.short_header(kind::WELCOME), sealed, 3)
    }

    fn short_header(&self, kind: u8) -> Vec<u8> {
        [&[VERSION, kind][..], &self.ends.e_n].concat()
    }

    fn seal(&self, header: Vec<u8>, body: &[u8], which: u8) -> Result<Vec<u8>, PayloadError> {
        let header_len = header.len();
        let mut frame = header;
        frame.extend_from_slice(body);
        let aad = frame[..header_len].to_vec();
        aead::seal_in_place(&self.key, &nonce(which), &aad, &mut frame, header_len)
            .map_err(|_| PayloadError)?;
        Ok(frame)
    }

    fn open(&self, header: &[u8], sealed: &[u8], which: u8) -> Result<Vec<u8>, PayloadError> {
        let mut body = sealed.to_vec();
        aead::open_in_place(&self.key, &nonce(which), header, &mut body)
            .map_err(|_| PayloadError)?;
        Ok(body)
    }
}

fn nonce(which: u8) -> [u8; NONCE_LEN] {
    let mut nonce = [0; NONCE_LEN];
    nonce[NONCE_LEN - 1] = which;
    nonce
}

/// `k` of R.4 from the shared secret `z`.
fn channel_key(keys: &JoinKeys, z: &[u8; 32], ends: &Ends) -> Zeroizing<[u8; 32]> {
    let info = [
        CHANNEL_LABEL,
        &keys.room_id.0,
        &ends.n.0.to_be_bytes(),
        &ends.d.0.to_be_bytes(),
        &ends.e_n,
        &ends.e_d,
    ]
    .concat();
    hkdf(&keys.k_join[..], z, &info)
}

/// The raw channel key, for the known-answer vectors only.
#[doc(hidden)]
pub fn channel_key_bytes(keys: &JoinKeys, own: &Ephemeral, ends: &Ends) -> Option<[u8; 32]> {
    let theirs = if own.public == ends.e_n {
        &ends.e_d
    } else {
        &ends.e_n
    };
    let z = own.agree(theirs)?;
    Some(*channel_key(keys, &z, ends))
}
