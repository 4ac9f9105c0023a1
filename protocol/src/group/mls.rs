//! The MLS group of a room (docs/PROTOCOL.md R.1, R.2), on mls-rs in sync mode with pure-Rust
//! crypto: a [`Device`] is one leaf to be (its signature key and credential), a [`RoomGroup`]
//! the group as one member holds it. Bytes in, bytes out; which frame carries them is the
//! state machine's business.

use ed25519_dalek::SigningKey;
use mls_rs::client_builder::{
    BaseConfig, IntoConfigOutput, WithCryptoProvider, WithIdentityProvider, WithMlsRules,
};
use mls_rs::crypto::{SignaturePublicKey, SignatureSecretKey};
use mls_rs::group::ContentType;
use mls_rs::group::{CommitEffect, ReceivedMessage};
use mls_rs::identity::{Credential, CredentialType, CustomCredential, SigningIdentity};
use mls_rs::time::MlsTime;
use mls_rs::{CipherSuite, Client, ExtensionList, Group, MlsMessage, MlsMessageDescription};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;
use zeroize::Zeroizing;

use super::credential::{CREDENTIAL_TYPE, GroupId, MemberCredential};
use super::identities::Identities;
use super::rules::RoomRules;
use super::settings::{RoomSettings, SETTINGS_EXTENSION};
use crate::entropy::Entropy;
use crate::identity::SigningPublic;

/// The one cipher suite (R.1): X25519, AES-128-GCM, SHA-256, Ed25519.
const SUITE: CipherSuite = CipherSuite::CURVE25519_AES128;

const BRANCH_LABEL: &[u8] = b"cutout/v2 branch";
const MOVED_LABEL: &[u8] = b"cutout/v2 moved";
/// The authenticated data of a commit by which a person removes someone (R.8).
const REMOVAL_MARK: &[u8] = b"cutout/v2 removal";

/// Something MLS refused, or bytes that are not what they claim. Deliberately opaque to peers;
/// the text is for logs and tests.
#[derive(Debug, thiserror::Error)]
#[error("MLS: {0}")]
pub struct GroupError(String);

fn refused(what: &str) -> impl Fn(mls_rs::error::MlsError) -> GroupError + '_ {
    move |e| GroupError(format!("{what}: {e}"))
}

type Config = IntoConfigOutput<
    WithMlsRules<
        RoomRules,
        WithCryptoProvider<RustCryptoProvider, WithIdentityProvider<Identities, BaseConfig>>,
    >,
>;

/// A leaf's signature key pair (R.2), made for one leaf alone.
pub struct LeafKey {
    secret: SigningKey,
}

impl LeafKey {
    /// A fresh key.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        entropy.fill(&mut seed[..]);
        Self {
            secret: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key, `msk` in the credential's statement.
    pub fn public(&self) -> SigningPublic {
        self.secret.verifying_key().to_bytes()
    }
}

/// One device about to be a leaf of one group: its key, its credential, its MLS client.
pub struct Device {
    client: Client<Config>,
    group: GroupId,
    credential: MemberCredential,
}

impl Device {
    /// A device with `key`, certified by `credential` for `group` (checked here like any
    /// other: a credential that would be refused by others is refused at once).
    pub fn new(
        group: GroupId,
        key: LeafKey,
        credential: MemberCredential,
    ) -> Result<Self, GroupError> {
        let public = key.public();
        MemberCredential::check(&credential.to_bytes(), group, &public)
            .map_err(|e| GroupError(format!("own credential: {e}")))?;
        let leaf = SigningIdentity::new(
            Credential::Custom(CustomCredential::new(
                CredentialType::new(CREDENTIAL_TYPE),
                credential.to_bytes(),
            )),
            SignaturePublicKey::new(public.to_vec()),
        );
        let secret = SignatureSecretKey::new(key.secret.to_keypair_bytes().to_vec());
        let client = Client::builder()
            .identity_provider(Identities::new(group))
            .crypto_provider(RustCryptoProvider::with_enabled_cipher_suites(vec![SUITE]))
            .mls_rules(RoomRules)
            .extension_type(SETTINGS_EXTENSION.into())
            .signing_identity(leaf, secret, SUITE)
            .build();
        Ok(Self {
            client,
            group,
            credential,
        })
    }

    /// The group this device is for.
    pub fn group(&self) -> GroupId {
        self.group
    }

    /// Its credential.
    pub fn credential(&self) -> &MemberCredential {
        &self.credential
    }

    /// Creates the group, with this device as its only member, and the room's `settings`
    /// (`None` for a private conversation's group).
    pub fn create(
        &self,
        now_s: u64,
        settings: Option<RoomSettings>,
    ) -> Result<RoomGroup, GroupError> {
        let group = self
            .client
            .create_group_with_id(
                self.group.0.to_vec(),
                settings.map(RoomSettings::extensions).unwrap_or_default(),
                ExtensionList::default(),
                Some(lifetime_start(now_s)),
            )
            .map_err(refused("create"))?;
        Ok(RoomGroup::new(group, self.group))
    }

    /// A fresh KeyPackage (an `MLSMessage`) to be added with. Single use: its secrets stay
    /// with this device until a Welcome uses them.
    pub fn key_package(&self, now_s: u64) -> Result<Vec<u8>, GroupError> {
        self.client
            .generate_key_package_message(
                ExtensionList::default(),
                ExtensionList::default(),
                Some(lifetime_start(now_s)),
            )
            .and_then(|m| m.to_bytes())
            .map_err(refused("key package"))
    }

    /// Joins by a Welcome made for one of this device's KeyPackages, into its group only.
    pub fn join(&self, welcome: &[u8], now_s: u64) -> Result<RoomGroup, GroupError> {
        let message = MlsMessage::from_bytes(welcome).map_err(refused("welcome"))?;
        let (group, _) = self
            .client
            .join_group(None, &message, Some(MlsTime::from(now_s)))
            .map_err(refused("join"))?;
        if group.group_id() != self.group.0 {
            return Err(GroupError("a welcome into another group".into()));
        }
        Ok(RoomGroup::new(group, self.group))
    }
}

/// A commit made, not yet the group's (R.5): its message, and the Welcome for those it adds.
#[derive(Clone, Debug)]
pub struct Commit {
    /// The commit (`MLSMessage`, a `PrivateMessage`).
    pub message: Vec<u8>,
    /// The Welcome, when the commit adds someone.
    pub welcome: Option<Vec<u8>>,
}

/// A leaf of the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    /// Its index.
    pub index: u32,
    /// Its credential (checked when it entered).
    pub credential: MemberCredential,
}

/// What an incoming MLS message was.
#[derive(Debug)]
pub enum Received {
    /// An application message from the leaf `sender`.
    Application {
        /// The sending leaf.
        sender: u32,
        /// The epoch it was sent in (this one, or a recent one a commit overtook).
        epoch: u64,
        /// The content.
        data: Vec<u8>,
    },
    /// A commit, now applied.
    Commit {
        /// Who committed.
        committer: u32,
        /// Leaves added.
        added: Vec<Leaf>,
        /// Leaves removed (as they were before the commit).
        removed: Vec<Leaf>,
        /// Whether a person removed them (R.8), rather than the group (gone, or replaced).
        by_person: bool,
    },
    /// A commit that removed this member.
    Removed {
        /// Who removed it.
        remover: Option<Leaf>,
        /// Whether a person did (R.8); otherwise the group let it go and it may come back.
        by_person: bool,
    },
}

/// The group as one member holds it (a copy is another member's state: benchmarks only).
#[derive(Clone)]
pub struct RoomGroup {
    group: Group<Config>,
    id: GroupId,
    /// The roster with checked credentials, kept so a message costs no signature checks.
    leaves: Vec<Leaf>,
    /// The epoch this member entered the group in: what is older was never its to read.
    first_epoch: u64,
}

impl RoomGroup {
    fn new(group: Group<Config>, id: GroupId) -> Self {
        let first_epoch = group.current_epoch();
        let mut this = Self {
            group,
            id,
            leaves: Vec::new(),
            first_epoch,
        };
        this.refresh();
        this
    }

    fn refresh(&mut self) {
        self.leaves = self
            .group
            .roster()
            .members_iter()
            .filter_map(|m| leaf_of(self.id, m.index, &m.signing_identity))
            .collect();
    }

    /// The group's id.
    pub fn id(&self) -> GroupId {
        self.id
    }

    /// The room's settings, as the group's context holds them (R.1).
    pub fn settings(&self) -> RoomSettings {
        RoomSettings::from_extensions(&self.group.context().extensions)
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.group.current_epoch()
    }

    /// Whether `message` is of this group from before this member entered it: sent before it
    /// came (a newcomer gets such messages while it joins), so never its to read, and no sign
    /// of tampering.
    pub fn before_me(&self, message: &[u8]) -> bool {
        MlsMessage::from_bytes(message).is_ok_and(|m| {
            m.group_id() == Some(&self.id.0[..]) && m.epoch().is_some_and(|e| e < self.first_epoch)
        })
    }

    /// This member's leaf index.
    pub fn own_index(&self) -> u32 {
        self.group.current_member_index()
    }

    /// Every leaf, in index order.
    pub fn leaves(&self) -> &[Leaf] {
        &self.leaves
    }

    /// The leaf at `index`, if any.
    pub fn leaf(&self, index: u32) -> Option<&Leaf> {
        self.leaves.iter().find(|l| l.index == index)
    }

    /// `branch` of R.4: equal for every member in the same epoch of the same group.
    pub fn branch(&self) -> Result<[u8; 8], GroupError> {
        let secret = self
            .group
            .export_secret(BRANCH_LABEL, &[], 8)
            .map_err(refused("export"))?;
        let mut branch = [0; 8];
        branch.copy_from_slice(secret.as_bytes());
        Ok(branch)
    }

    /// `S'` of R.8: the new room secret after a person's removal, from the epoch it began.
    pub fn moved_secret(&self) -> Result<Zeroizing<[u8; 32]>, GroupError> {
        let secret = self
            .group
            .export_secret(MOVED_LABEL, &[], 32)
            .map_err(refused("export"))?;
        let mut out = Zeroizing::new([0; 32]);
        out.copy_from_slice(secret.as_bytes());
        Ok(out)
    }

    /// Whether a commit of this member's waits for its echo.
    pub fn has_pending_commit(&self) -> bool {
        self.group.has_pending_commit()
    }

    /// Commits adding `key_packages` and removing the leaves `removes`, as one commit. It is
    /// pending until [`Self::apply_pending`] (R.5).
    pub fn commit(
        &mut self,
        key_packages: &[Vec<u8>],
        removes: &[u32],
        by_person: bool,
    ) -> Result<Commit, GroupError> {
        let mut builder = self.group.commit_builder();
        if by_person {
            builder = builder.authenticated_data(REMOVAL_MARK.to_vec());
        }
        for index in removes {
            builder = builder.remove_member(*index).map_err(refused("remove"))?;
        }
        for bytes in key_packages {
            let message = MlsMessage::from_bytes(bytes).map_err(refused("key package"))?;
            builder = builder.add_member(message).map_err(refused("add"))?;
        }
        let output = builder.build().map_err(refused("commit"))?;
        let welcome = match output.welcome_messages.first() {
            Some(welcome) => Some(welcome.to_bytes().map_err(refused("welcome"))?),
            None => None,
        };
        Ok(Commit {
            message: output
                .commit_message
                .to_bytes()
                .map_err(refused("commit"))?,
            welcome,
        })
    }

    /// The pending commit is the group's: apply it.
    pub fn apply_pending(&mut self) -> Result<(), GroupError> {
        self.group
            .apply_pending_commit()
            .map_err(refused("apply"))?;
        self.refresh();
        Ok(())
    }

    /// The pending commit lost its epoch: forget it.
    pub fn clear_pending(&mut self) {
        self.group.clear_pending_commit();
    }

    /// Seals an application message.
    pub fn encrypt(&mut self, data: &[u8]) -> Result<Vec<u8>, GroupError> {
        self.group
            .encrypt_application_message(data, Vec::new())
            .and_then(|m| m.to_bytes())
            .map_err(refused("encrypt"))
    }

    /// As [`Self::process`], for a group that reads application messages only (a private
    /// conversation's, R.10: only its maker commits, once, before the other joins). A commit
    /// or proposal is refused before anything of it is applied.
    pub fn process_application(
        &mut self,
        bytes: &[u8],
        now_s: u64,
    ) -> Result<Received, GroupError> {
        let message = MlsMessage::from_bytes(bytes).map_err(refused("message"))?;
        let application = matches!(
            message.description(),
            MlsMessageDescription::PrivateProtocolMessage {
                content_type: ContentType::Application,
                ..
            }
        );
        if !application {
            return Err(GroupError("not an application message".into()));
        }
        self.process(bytes, now_s)
    }

    /// Reads an incoming MLS message of this group.
    pub fn process(&mut self, bytes: &[u8], now_s: u64) -> Result<Received, GroupError> {
        let message = MlsMessage::from_bytes(bytes).map_err(refused("message"))?;
        if message.group_id() != Some(&self.id.0[..]) {
            return Err(GroupError("a message of another group".into()));
        }
        let epoch = message.epoch().unwrap_or_default();
        let before = self.leaves.clone();
        let received = self
            .group
            .process_incoming_message_with_time(message, MlsTime::from(now_s))
            .map_err(refused("process"))?;
        match received {
            ReceivedMessage::ApplicationMessage(m) => Ok(Received::Application {
                sender: m.sender_index,
                epoch,
                data: m.data().to_vec(),
            }),
            ReceivedMessage::Commit(commit) => {
                let find = |index: u32| before.iter().find(|l| l.index == index).cloned();
                let by_person = commit.authenticated_data == REMOVAL_MARK;
                match commit.effect {
                    CommitEffect::Removed { remover, .. } => Ok(Received::Removed {
                        remover: match remover {
                            mls_rs::group::Sender::Member(index) => find(index),
                            _ => None,
                        },
                        by_person,
                    }),
                    CommitEffect::NewEpoch(epoch) => {
                        self.refresh();
                        // Removed: what the commit's Remove proposals name (a credential never
                        // changes, R.2, but the proposals are what the commit did).
                        let removed: Vec<Leaf> = epoch
                            .applied_proposals
                            .iter()
                            .filter_map(|p| match &p.proposal {
                                mls_rs::group::proposal::Proposal::Remove(r) => find(r.to_remove()),
                                _ => None,
                            })
                            .collect();
                        let added = self
                            .leaves
                            .iter()
                            .filter(|l| !before.contains(l))
                            .cloned()
                            .collect();
                        Ok(Received::Commit {
                            committer: commit.committer,
                            added,
                            removed,
                            by_person,
                        })
                    }
                    CommitEffect::ReInit(_) => Err(GroupError("reinit is not used".into())),
                }
            }
            _ => Err(GroupError("not a room message".into())),
        }
    }
}

/// How far behind another member's clock may be (R.1): a leaf's lifetime starts this long
/// before its maker's clock, because members check it against their own.
pub const CLOCK_SKEW_S: u64 = 7 * 24 * 3600;

/// Where the lifetime of a leaf made at `now_s` starts (R.1).
fn lifetime_start(now_s: u64) -> MlsTime {
    MlsTime::from(now_s.saturating_sub(CLOCK_SKEW_S))
}

/// The group an MLS message says it is for (its clear header), if it parses.
pub fn group_of(message: &[u8]) -> Option<GroupId> {
    let message = MlsMessage::from_bytes(message).ok()?;
    Some(GroupId(message.group_id()?.try_into().ok()?))
}

fn leaf_of(group: GroupId, index: u32, leaf: &SigningIdentity) -> Option<Leaf> {
    let data = &leaf.credential.as_custom()?.data;
    let credential = MemberCredential::check(data, group, leaf.signature_key.as_bytes()).ok()?;
    Some(Leaf { index, credential })
}

impl RoomGroup {
    /// The leaf identity (`ik ‖ device_id`) of a KeyPackage's credential, checked for this
    /// group (R.2), or why not.
    pub fn key_package_identity(&self, key_package: &[u8]) -> Result<Vec<u8>, GroupError> {
        let message = MlsMessage::from_bytes(key_package).map_err(refused("key package"))?;
        let package = message
            .as_key_package()
            .ok_or_else(|| GroupError("not a key package".into()))?;
        let leaf = package.signing_identity();
        leaf_of(self.id, 0, leaf)
            .map(|l| l.credential.leaf_identity())
            .ok_or_else(|| GroupError("key package credential refused".into()))
    }
}
