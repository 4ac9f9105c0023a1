//! Adversaries for the v2 room tests (group_attacks.rs): a relay that injects, replays and
//! reorders frames of a [`GroupRelay`], and an insider that holds the room secret `S` (so it
//! can make KNOCK, STATUS and ANSWER payloads that check) but runs no honest client.

use protocol::MemberId;
use protocol::group::GroupId;
use protocol::group::join::{Ends, Ephemeral, JoinChannel, JoinKeys, Payload, kind};
use protocol::group::machine::{Out, Output};
use protocol::keys::{RoomKeys, RoomSecret};

use super::group_relay::{Frame, GroupRelay};

/// The room's `K_join`, as anyone holding the invite derives it.
pub fn join_keys(secret: &RoomSecret) -> JoinKeys {
    JoinKeys::derive(&RoomKeys::derive(secret))
}

/// The kind byte of a v2 payload.
pub fn kind_of(payload: &[u8]) -> Option<u8> {
    (payload.first() == Some(&0x02))
        .then(|| payload.get(1).copied())
        .flatten()
}

impl GroupRelay {
    /// The relay hands `to` a DELIVER from `from` (any id it likes) after everything queued.
    pub fn inject(&mut self, to: MemberId, from: MemberId, payload: Vec<u8>) {
        self.queue.push_back((to, Frame::Deliver(from, payload)));
    }

    /// The relay hands `to` a DELIVER from `from` before everything queued.
    pub fn inject_first(&mut self, to: MemberId, from: MemberId, payload: Vec<u8>) {
        self.queue.push_front((to, Frame::Deliver(from, payload)));
    }

    /// A person's wire id.
    pub fn wire(&self, who: usize) -> MemberId {
        self.people[who].wire.expect("not connected")
    }

    /// `who` writes this payload as a BROADCAST (through its own connection: a modified client).
    pub fn broadcast_as(&mut self, who: usize, payload: Vec<u8>) {
        self.handle(
            who,
            Output {
                out: vec![Out::Broadcast(payload)],
                ..Output::default()
            },
        );
    }

    /// Every recorded payload of this kind.
    pub fn recorded(&self, kind: u8) -> Vec<Vec<u8>> {
        self.recording
            .iter()
            .filter(|p| kind_of(p) == Some(kind))
            .cloned()
            .collect()
    }

    /// Steps until `pred` holds of the queue; panics if the room settles first.
    pub fn step_until(&mut self, mut pred: impl FnMut(&GroupRelay) -> bool) {
        let mut steps = 0;
        while !pred(self) {
            assert!(self.step(), "the room settled before the moment wanted");
            steps += 1;
            assert!(steps < 100_000);
        }
    }

    /// Whether the next frame for `to` is a DELIVER of a payload of `kind`.
    pub fn next_for_is(&self, to: MemberId, kind: u8) -> bool {
        self.queue
            .iter()
            .find(|(t, _)| *t == to)
            .is_some_and(|(_, f)| matches!(f, Frame::Deliver(_, p) if kind_of(p) == Some(kind)))
    }
}

/// An insider that answers knocks itself, ignoring who is designated (R.5).
pub struct RogueAnswerer {
    pub keys: JoinKeys,
    pub me: MemberId,
}

impl RogueAnswerer {
    /// An ANSWER to the KNOCK `knock` from `n`, naming `group` at `epoch`.
    pub fn answer(
        &self,
        n: MemberId,
        knock: &[u8],
        group: GroupId,
        epoch: u64,
        entropy: &mut dyn protocol::entropy::Entropy,
    ) -> Option<(JoinChannel, Vec<u8>)> {
        let Some(Ok(Payload::Knock { e_n, .. })) = Payload::parse(knock) else {
            return None;
        };
        let eph = Ephemeral::generate(entropy);
        let ends = Ends {
            n,
            d: self.me,
            e_n,
            e_d: eph.public(),
        };
        let channel = JoinChannel::derive(&self.keys, &eph, ends)?;
        let answer = channel.answer(group, epoch).ok()?;
        Some((channel, answer))
    }
}

/// Whether a payload is a KNOCK.
pub fn is_knock(payload: &[u8]) -> bool {
    kind_of(payload) == Some(kind::KNOCK)
}

// ---------------------------------------------------------------------------------------------
// An insider with a client of its own: mls-rs driven directly, not through `Machine`, so it can
// make any commit or message the library lets a member make.
// ---------------------------------------------------------------------------------------------

use mls_rs::client_builder::{
    BaseConfig, IntoConfigOutput, PaddingMode, WithCryptoProvider, WithIdentityProvider,
    WithMlsRules,
};
use mls_rs::crypto::{SignaturePublicKey, SignatureSecretKey};
use mls_rs::identity::{Credential, CredentialType, CustomCredential, SigningIdentity};
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions};
use mls_rs::time::MlsTime;
use mls_rs::{CipherSuite, Client, ExtensionList, Group, IdentityProvider, MlsMessage};
use mls_rs_core::identity::MemberValidationContext;
use mls_rs_crypto_rustcrypto::RustCryptoProvider;
use protocol::entropy::Entropy;
use protocol::group::credential::{CREDENTIAL_TYPE, LeafFacts, MemberCredential, member_statement};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;

/// Accepts every leaf: the insider's client checks nothing.
#[derive(Clone, Copy, Debug)]
pub struct AnyIdentity;

#[derive(Debug, thiserror::Error)]
#[error("never")]
pub struct Never;

impl mls_rs::error::IntoAnyError for Never {}

impl IdentityProvider for AnyIdentity {
    type Error = Never;
    fn validate_member(
        &self,
        _: &SigningIdentity,
        _: Option<MlsTime>,
        _: MemberValidationContext<'_>,
    ) -> Result<(), Never> {
        Ok(())
    }
    fn validate_external_sender(
        &self,
        _: &SigningIdentity,
        _: Option<MlsTime>,
        _: Option<&ExtensionList>,
    ) -> Result<(), Never> {
        Ok(())
    }
    fn identity(&self, leaf: &SigningIdentity, _: &ExtensionList) -> Result<Vec<u8>, Never> {
        // ik ‖ device_id, as the honest clients see it (identity 128 bytes, then device 16).
        let data = leaf
            .credential
            .as_custom()
            .map(|c| c.data.clone())
            .unwrap_or_default();
        Ok(data
            .get(..32)
            .into_iter()
            .chain(data.get(128..144))
            .flatten()
            .copied()
            .collect())
    }
    fn valid_successor(
        &self,
        _: &SigningIdentity,
        _: &SigningIdentity,
        _: &ExtensionList,
    ) -> Result<bool, Never> {
        Ok(true)
    }
    fn supported_types(&self) -> Vec<CredentialType> {
        vec![CredentialType::new(CREDENTIAL_TYPE)]
    }
}

pub type RogueConfig = IntoConfigOutput<
    WithMlsRules<
        DefaultMlsRules,
        WithCryptoProvider<RustCryptoProvider, WithIdentityProvider<AnyIdentity, BaseConfig>>,
    >,
>;

/// A leaf signature key and its credential, certified by `identity` for `group`.
pub fn rogue_leaf(
    identity: &IdentityKeys,
    device_id: DeviceId,
    name: &str,
    group: GroupId,
    entropy: &mut dyn protocol::entropy::Entropy,
) -> (SignatureSecretKey, SigningIdentity) {
    let mut seed = [0u8; 32];
    entropy.fill(&mut seed);
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let msk = key.verifying_key().to_bytes();
    let statement = member_statement(&LeafFacts {
        group,
        msk: &msk,
        device_id,
        name,
    })
    .unwrap();
    let credential = MemberCredential::assemble(
        identity.public(),
        device_id,
        name,
        identity.sign(&statement),
    );
    let leaf = SigningIdentity::new(
        Credential::Custom(CustomCredential::new(
            CredentialType::new(CREDENTIAL_TYPE),
            credential.to_bytes(),
        )),
        SignaturePublicKey::new(msk.to_vec()),
    );
    (
        SignatureSecretKey::new(key.to_keypair_bytes().to_vec()),
        leaf,
    )
}

pub fn rogue_client(secret: SignatureSecretKey, leaf: SigningIdentity) -> Client<RogueConfig> {
    let rules = DefaultMlsRules::new()
        .with_commit_options(CommitOptions::new().with_ratchet_tree_extension(true))
        .with_encryption_options(EncryptionOptions::new(true, PaddingMode::Padme));
    Client::builder()
        .identity_provider(AnyIdentity)
        .crypto_provider(RustCryptoProvider::with_enabled_cipher_suites(vec![
            CipherSuite::CURVE25519_AES128,
        ]))
        .mls_rules(rules)
        // Every member's capabilities list the room's settings extension (R.1).
        .extension_type(protocol::group::settings::SETTINGS_EXTENSION.into())
        .signing_identity(leaf, secret, CipherSuite::CURVE25519_AES128)
        .build()
}

/// An insider that knocks like a newcomer, as the raw wire id `me`, and joins with a client of
/// its own. Frames the relay would hand it are taken from `relay.recording`.
pub struct RogueMember {
    pub me: MemberId,
    pub identity: IdentityKeys,
    pub device_id: DeviceId,
    pub name: String,
    pub group: Group<RogueConfig>,
}

impl RogueMember {
    pub fn join(relay: &mut GroupRelay, secret: &RoomSecret, me: MemberId, name: &str) -> Self {
        let identity = IdentityKeys::generate(&mut relay.entropy);
        Self::try_join(relay, secret, me, name, identity, None).expect("no welcome for the insider")
    }

    /// Knocks and asks to be added with a credential of `identity`'s signature that names
    /// `claimed` (someone else's public identity) when given; `None` when no Welcome comes.
    pub fn try_join(
        relay: &mut GroupRelay,
        secret: &RoomSecret,
        me: MemberId,
        name: &str,
        identity: IdentityKeys,
        claimed: Option<protocol::identity::PublicIdentity>,
    ) -> Option<Self> {
        let keys = join_keys(secret);
        let device_id = DeviceId::random(&mut relay.entropy);
        let eph = Ephemeral::generate(&mut relay.entropy);
        let members: Vec<MemberId> = relay.people.iter().filter_map(|p| p.wire).collect();
        let knock = keys.knock(me, 0, &eph.public());
        for to in &members {
            relay.inject(*to, me, knock.clone());
        }
        relay.settle();
        // The ANSWER for our e_N, from whichever member opens it.
        let (channel, group_id) = relay
            .recorded(kind::ANSWER)
            .iter()
            .rev()
            .find_map(|answer| {
                let Some(Ok(Payload::Answer { e_n, e_d, sealed })) = Payload::parse(answer) else {
                    return None;
                };
                if e_n != eph.public() {
                    return None;
                }
                members.iter().find_map(|d| {
                    let ends = Ends {
                        n: me,
                        d: *d,
                        e_n,
                        e_d,
                    };
                    let channel = JoinChannel::derive(&keys, &eph, ends)?;
                    let (group, _) = channel.open_answer(sealed).ok()?;
                    Some((channel, group))
                })
            })
            .expect("nobody answered the insider");
        let (secret_key, leaf) = match claimed {
            None => rogue_leaf(&identity, device_id, name, group_id, &mut relay.entropy),
            Some(claimed) => {
                let mut seed = [0u8; 32];
                relay.entropy.fill(&mut seed);
                let key = ed25519_dalek::SigningKey::from_bytes(&seed);
                let msk = key.verifying_key().to_bytes();
                let statement = member_statement(&LeafFacts {
                    group: group_id,
                    msk: &msk,
                    device_id,
                    name,
                })
                .unwrap();
                let credential =
                    MemberCredential::assemble(claimed, device_id, name, identity.sign(&statement));
                let leaf = SigningIdentity::new(
                    Credential::Custom(CustomCredential::new(
                        CredentialType::new(CREDENTIAL_TYPE),
                        credential.to_bytes(),
                    )),
                    SignaturePublicKey::new(msk.to_vec()),
                );
                (
                    SignatureSecretKey::new(key.to_keypair_bytes().to_vec()),
                    leaf,
                )
            }
        };
        let client = rogue_client(secret_key, leaf);
        let key_package = client
            .generate_key_package_message(
                ExtensionList::default(),
                ExtensionList::default(),
                Some(MlsTime::from(relay.now / 1000)),
            )
            .unwrap()
            .to_bytes()
            .unwrap();
        let d = channel.ends().d;
        relay.inject(d, me, channel.request(&key_package).unwrap());
        relay.settle();
        let welcome =
            relay
                .recorded(kind::WELCOME)
                .iter()
                .rev()
                .find_map(|w| match Payload::parse(w) {
                    Some(Ok(Payload::Welcome { e_n, sealed })) if e_n == eph.public() => {
                        channel.open_welcome(sealed).ok()
                    }
                    _ => None,
                })?;
        let (group, _) = client
            .join_group(
                None,
                &MlsMessage::from_bytes(&welcome).unwrap(),
                Some(MlsTime::from(relay.now / 1000)),
            )
            .unwrap();
        Some(Self {
            me,
            identity,
            device_id,
            name: name.to_owned(),
            group,
        })
    }

    /// An MLS payload (0x02 0x10 ‖ message).
    pub fn payload(message: &MlsMessage) -> Vec<u8> {
        [&[0x02, kind::MLS][..], &message.to_bytes().unwrap()].concat()
    }

    /// Seals raw application bytes.
    pub fn seal(&mut self, data: &[u8]) -> Vec<u8> {
        let message = self
            .group
            .encrypt_application_message(data, Vec::new())
            .unwrap();
        Self::payload(&message)
    }

    /// Hands `payload` to every member, as from the insider.
    pub fn broadcast(&self, relay: &mut GroupRelay, payload: Vec<u8>) {
        let members: Vec<MemberId> = relay.people.iter().filter_map(|p| p.wire).collect();
        for to in members {
            relay.inject(to, self.me, payload.clone());
        }
    }

    /// Reads what the members broadcast since (commits especially), to keep up.
    pub fn read(&mut self, payloads: &[Vec<u8>]) {
        for payload in payloads {
            if kind_of(payload) == Some(kind::MLS)
                && let Ok(message) = MlsMessage::from_bytes(&payload[2..])
            {
                let _ = self.group.process_incoming_message(message);
            }
        }
    }
}
