//! [`Library`] for openmls (`openmls_rust_crypto`'s RustCrypto and its in-memory storage),
//! basic credentials.
//!
//! Options matching the mls-rs side: commits as PublicMessage
//! (`MIXED_PLAINTEXT_WIRE_FORMAT_POLICY`; openmls's default would encrypt them), no padding
//! (the default), the ratchet tree in the Welcome (`use_ratchet_tree_extension`), and no
//! update path on Add commits (`add_members_without_update`). A member's state lives in its
//! provider's storage, so a copy is a copy of that storage and `MlsGroup::load`.

use std::collections::HashMap;
use std::sync::RwLock;

use openmls::prelude::tls_codec::Deserialize as _;
use openmls::prelude::*;
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::{MemoryStorage, RustCrypto};

use crate::library::{EXPORTER_CONTEXT, EXPORTER_LABEL, EXPORTER_LEN, Library};
use crate::{Failure, fail};

const SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/// The openmls side.
pub struct OpenMls;

/// `OpenMlsRustCrypto` with storage that can be copied: its own fields are private.
#[derive(Default)]
pub struct Provider {
    crypto: RustCrypto,
    storage: MemoryStorage,
}

impl OpenMlsProvider for Provider {
    type CryptoProvider = RustCrypto;
    type RandProvider = RustCrypto;
    type StorageProvider = MemoryStorage;

    fn storage(&self) -> &Self::StorageProvider {
        &self.storage
    }

    fn crypto(&self) -> &Self::CryptoProvider {
        &self.crypto
    }

    fn rand(&self) -> &Self::RandProvider {
        &self.crypto
    }
}

/// A client with its keys: before joining (a newcomer) and after (in [`Member`]).
pub struct Client {
    provider: Provider,
    signer: SignatureKeyPair,
}

/// A group member.
pub struct Member {
    client: Client,
    group: MlsGroup,
}

fn client(name: &str) -> Result<(Client, CredentialWithKey), Failure> {
    let signer = SignatureKeyPair::new(SUITE.signature_algorithm())
        .map_err(fail("openmls: signature key"))?;
    let credential = CredentialWithKey {
        credential: BasicCredential::new(name.as_bytes().to_vec()).into(),
        signature_key: signer.to_public_vec().into(),
    };
    Ok((
        Client {
            provider: Provider::default(),
            signer,
        },
        credential,
    ))
}

fn join_config() -> MlsGroupJoinConfig {
    MlsGroupJoinConfig::builder()
        .wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
        .use_ratchet_tree_extension(true)
        .build()
}

fn parse(bytes: &[u8]) -> Result<MlsMessageIn, Failure> {
    MlsMessageIn::tls_deserialize_exact(bytes).map_err(fail("openmls: parse"))
}

fn to_bytes(message: &MlsMessageOut) -> Result<Vec<u8>, Failure> {
    message.to_bytes().map_err(fail("openmls: serialize"))
}

fn protocol_message(bytes: &[u8]) -> Result<ProtocolMessage, Failure> {
    parse(bytes)?
        .try_into_protocol_message()
        .map_err(fail("openmls: not a protocol message"))
}

fn key_package(provider: &Provider, bytes: &[u8]) -> Result<KeyPackage, Failure> {
    match parse(bytes)?.extract() {
        MlsMessageBodyIn::KeyPackage(key_package) => key_package
            .validate(provider.crypto(), ProtocolVersion::Mls10)
            .map_err(fail("openmls: key package")),
        _ => Err(Failure::new("openmls: not a key package")),
    }
}

impl Library for OpenMls {
    const NAME: &'static str = "openmls";
    type Member = Member;
    type Newcomer = Client;

    fn room(n: usize) -> Result<(Self::Member, Self::Member), Failure> {
        let (creator, credential) = client("member 0")?;
        let group = MlsGroup::builder()
            .ciphersuite(SUITE)
            .use_ratchet_tree_extension(true)
            .with_wire_format_policy(MIXED_PLAINTEXT_WIRE_FORMAT_POLICY)
            .build(&creator.provider, &creator.signer, credential)
            .map_err(fail("openmls: create group"))?;
        let mut member = Member {
            client: creator,
            group,
        };
        let mut receiver = None;
        let mut key_packages = Vec::with_capacity(n);
        for i in 1..n {
            let (newcomer, bytes) = Self::newcomer(&format!("member {i}"))?;
            key_packages.push(key_package(&member.client.provider, &bytes)?);
            if i == 1 {
                receiver = Some(newcomer);
            }
        }
        let (_, welcome, _) = member
            .group
            .add_members_without_update(
                &member.client.provider,
                &member.client.signer,
                &key_packages,
            )
            .map_err(fail("openmls: add"))?;
        Self::apply_own(&mut member)?;
        let receiver = receiver.ok_or_else(|| Failure::new("a room needs two members"))?;
        let receiver = Self::join(receiver, &to_bytes(&welcome)?)?;
        Ok((member, receiver))
    }

    fn fork(member: &Self::Member) -> Result<Self::Member, Failure> {
        let values: HashMap<Vec<u8>, Vec<u8>> = member
            .client
            .provider
            .storage
            .values
            .read()
            .map_err(|_| Failure::new("openmls: storage lock poisoned"))?
            .clone();
        let provider = Provider {
            crypto: RustCrypto::default(),
            storage: MemoryStorage {
                values: RwLock::new(values),
            },
        };
        let group = MlsGroup::load(&provider.storage, member.group.group_id())
            .map_err(fail("openmls: load"))?
            .ok_or_else(|| Failure::new("openmls: group not in storage"))?;
        Ok(Member {
            client: Client {
                provider,
                signer: member.client.signer.clone(),
            },
            group,
        })
    }

    fn newcomer(name: &str) -> Result<(Self::Newcomer, Vec<u8>), Failure> {
        let (client, credential) = client(name)?;
        let bundle = KeyPackage::builder()
            .build(SUITE, &client.provider, &client.signer, credential)
            .map_err(fail("openmls: key package"))?;
        let message = MlsMessageOut::from(bundle.key_package().clone());
        Ok((client, to_bytes(&message)?))
    }

    fn add(
        member: &mut Self::Member,
        key_package_bytes: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), Failure> {
        let key_package = key_package(&member.client.provider, key_package_bytes)?;
        let (commit, welcome, _) = member
            .group
            .add_members_without_update(
                &member.client.provider,
                &member.client.signer,
                &[key_package],
            )
            .map_err(fail("openmls: add"))?;
        Ok((to_bytes(&commit)?, to_bytes(&welcome)?))
    }

    fn remove(member: &mut Self::Member, leaf: u32) -> Result<Vec<u8>, Failure> {
        let (commit, _, _) = member
            .group
            .remove_members(
                &member.client.provider,
                &member.client.signer,
                &[LeafNodeIndex::new(leaf)],
            )
            .map_err(fail("openmls: remove"))?;
        to_bytes(&commit)
    }

    fn apply_own(member: &mut Self::Member) -> Result<(), Failure> {
        member
            .group
            .merge_pending_commit(&member.client.provider)
            .map_err(fail("openmls: merge own commit"))
    }

    fn join(newcomer: Self::Newcomer, welcome: &[u8]) -> Result<Self::Member, Failure> {
        let welcome = match parse(welcome)?.extract() {
            MlsMessageBodyIn::Welcome(welcome) => welcome,
            _ => return Err(Failure::new("openmls: not a welcome")),
        };
        let group =
            StagedWelcome::new_from_welcome(&newcomer.provider, &join_config(), welcome, None)
                .map_err(fail("openmls: stage welcome"))?
                .into_group(&newcomer.provider)
                .map_err(fail("openmls: join"))?;
        Ok(Member {
            client: newcomer,
            group,
        })
    }

    fn process_commit(member: &mut Self::Member, commit: &[u8]) -> Result<(), Failure> {
        let processed = member
            .group
            .process_message(&member.client.provider, protocol_message(commit)?)
            .map_err(fail("openmls: process commit"))?;
        match processed.into_content() {
            ProcessedMessageContent::StagedCommitMessage(staged) => member
                .group
                .merge_staged_commit(&member.client.provider, *staged)
                .map_err(fail("openmls: merge commit")),
            _ => Err(Failure::new("openmls: not a commit")),
        }
    }

    fn encrypt(member: &mut Self::Member, plaintext: &[u8]) -> Result<Vec<u8>, Failure> {
        let message = member
            .group
            .create_message(&member.client.provider, &member.client.signer, plaintext)
            .map_err(fail("openmls: encrypt"))?;
        to_bytes(&message)
    }

    fn decrypt(member: &mut Self::Member, message: &[u8]) -> Result<Vec<u8>, Failure> {
        let processed = member
            .group
            .process_message(&member.client.provider, protocol_message(message)?)
            .map_err(fail("openmls: decrypt"))?;
        match processed.into_content() {
            ProcessedMessageContent::ApplicationMessage(m) => Ok(m.into_bytes()),
            _ => Err(Failure::new("openmls: not an application message")),
        }
    }

    fn export(member: &Self::Member) -> Result<Vec<u8>, Failure> {
        member
            .group
            .export_secret(
                member.client.provider.crypto(),
                EXPORTER_LABEL,
                &EXPORTER_CONTEXT,
                EXPORTER_LEN,
            )
            .map_err(fail("openmls: export"))
    }
}
