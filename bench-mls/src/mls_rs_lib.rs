//! [`Library`] for mls-rs (sync mode, `mls-rs-crypto-rustcrypto`), basic credentials.
//!
//! Options: commits as PublicMessage (`encrypt_control_messages: false`, the default), no
//! padding of application messages (openmls's default, so ciphertext sizes compare), the
//! ratchet tree in the Welcome (the default), and no update path on Add-only commits (the
//! default `path_required: false`, as openmls's `add_members_without_update`).

use mls_rs::client_builder::{
    BaseConfig, IntoConfigOutput, WithCryptoProvider, WithIdentityProvider, WithMlsRules,
};
use mls_rs::group::ReceivedMessage;
use mls_rs::identity::SigningIdentity;
use mls_rs::identity::basic::{BasicCredential, BasicIdentityProvider};
use mls_rs::mls_rules::{CommitOptions, DefaultMlsRules, EncryptionOptions};
use mls_rs::{CipherSuite, CipherSuiteProvider, Client, CryptoProvider, Group, MlsMessage};
use mls_rs_crypto_rustcrypto::RustCryptoProvider;

use crate::library::{EXPORTER_CONTEXT, EXPORTER_LABEL, EXPORTER_LEN, Library};
use crate::{Failure, fail};

const SUITE: CipherSuite = CipherSuite::CURVE25519_AES128;

type Config = IntoConfigOutput<
    WithMlsRules<
        DefaultMlsRules,
        WithCryptoProvider<
            RustCryptoProvider,
            WithIdentityProvider<BasicIdentityProvider, BaseConfig>,
        >,
    >,
>;

/// The mls-rs side.
pub struct MlsRs;

fn client(name: &str) -> Result<Client<Config>, Failure> {
    let crypto = RustCryptoProvider::with_enabled_cipher_suites(vec![SUITE]);
    let suite = crypto
        .cipher_suite_provider(SUITE)
        .ok_or_else(|| Failure::new("mls-rs: no cipher suite provider"))?;
    let (secret, public) = suite
        .signature_key_generate()
        .map_err(fail("mls-rs: signature key"))?;
    let credential = BasicCredential::new(name.as_bytes().to_vec()).into_credential();
    let rules = DefaultMlsRules::new()
        .with_commit_options(CommitOptions::new().with_ratchet_tree_extension(true))
        .with_encryption_options(EncryptionOptions::new(
            false,
            mls_rs::client_builder::PaddingMode::None,
        ));
    Ok(Client::builder()
        .identity_provider(BasicIdentityProvider)
        .crypto_provider(crypto)
        .mls_rules(rules)
        .signing_identity(SigningIdentity::new(credential, public), secret, SUITE)
        .build())
}

fn message(bytes: &[u8]) -> Result<MlsMessage, Failure> {
    MlsMessage::from_bytes(bytes).map_err(fail("mls-rs: parse"))
}

fn to_bytes(message: &MlsMessage) -> Result<Vec<u8>, Failure> {
    message.to_bytes().map_err(fail("mls-rs: serialize"))
}

impl Library for MlsRs {
    const NAME: &'static str = "mls-rs";
    type Member = Group<Config>;
    type Newcomer = Client<Config>;

    fn room(n: usize) -> Result<(Self::Member, Self::Member), Failure> {
        let creator = client("member 0")?;
        let mut group = creator
            .create_group(Default::default(), Default::default(), None)
            .map_err(fail("mls-rs: create group"))?;
        let mut receiver = None;
        let mut commit = group.commit_builder();
        for i in 1..n {
            let (newcomer, key_package) = Self::newcomer(&format!("member {i}"))?;
            if i == 1 {
                receiver = Some(newcomer);
            }
            commit = commit
                .add_member(message(&key_package)?)
                .map_err(fail("mls-rs: add"))?;
        }
        let output = commit.build().map_err(fail("mls-rs: commit"))?;
        group
            .apply_pending_commit()
            .map_err(fail("mls-rs: apply"))?;
        let receiver = receiver.ok_or_else(|| Failure::new("a room needs two members"))?;
        let welcome = output
            .welcome_messages
            .first()
            .ok_or_else(|| Failure::new("mls-rs: no welcome"))?;
        let (receiver, _) = receiver
            .join_group(None, welcome, None)
            .map_err(fail("mls-rs: join"))?;
        Ok((group, receiver))
    }

    fn fork(member: &Self::Member) -> Result<Self::Member, Failure> {
        Ok(member.clone())
    }

    fn newcomer(name: &str) -> Result<(Self::Newcomer, Vec<u8>), Failure> {
        let client = client(name)?;
        let key_package = client
            .generate_key_package_message(Default::default(), Default::default(), None)
            .map_err(fail("mls-rs: key package"))?;
        Ok((client, to_bytes(&key_package)?))
    }

    fn add(member: &mut Self::Member, key_package: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Failure> {
        let output = member
            .commit_builder()
            .add_member(message(key_package)?)
            .map_err(fail("mls-rs: add"))?
            .build()
            .map_err(fail("mls-rs: commit"))?;
        let welcome = output
            .welcome_messages
            .first()
            .ok_or_else(|| Failure::new("mls-rs: no welcome"))?;
        Ok((to_bytes(&output.commit_message)?, to_bytes(welcome)?))
    }

    fn remove(member: &mut Self::Member, leaf: u32) -> Result<Vec<u8>, Failure> {
        let output = member
            .commit_builder()
            .remove_member(leaf)
            .map_err(fail("mls-rs: remove"))?
            .build()
            .map_err(fail("mls-rs: commit"))?;
        to_bytes(&output.commit_message)
    }

    fn apply_own(member: &mut Self::Member) -> Result<(), Failure> {
        member
            .apply_pending_commit()
            .map(|_| ())
            .map_err(fail("mls-rs: apply"))
    }

    fn join(newcomer: Self::Newcomer, welcome: &[u8]) -> Result<Self::Member, Failure> {
        newcomer
            .join_group(None, &message(welcome)?, None)
            .map(|(group, _)| group)
            .map_err(fail("mls-rs: join"))
    }

    fn process_commit(member: &mut Self::Member, commit: &[u8]) -> Result<(), Failure> {
        match member
            .process_incoming_message(message(commit)?)
            .map_err(fail("mls-rs: process commit"))?
        {
            ReceivedMessage::Commit(_) => Ok(()),
            _ => Err(Failure::new("mls-rs: not a commit")),
        }
    }

    fn encrypt(member: &mut Self::Member, plaintext: &[u8]) -> Result<Vec<u8>, Failure> {
        let message = member
            .encrypt_application_message(plaintext, Vec::new())
            .map_err(fail("mls-rs: encrypt"))?;
        to_bytes(&message)
    }

    fn decrypt(member: &mut Self::Member, message_bytes: &[u8]) -> Result<Vec<u8>, Failure> {
        match member
            .process_incoming_message(message(message_bytes)?)
            .map_err(fail("mls-rs: decrypt"))?
        {
            ReceivedMessage::ApplicationMessage(m) => Ok(m.data().to_vec()),
            _ => Err(Failure::new("mls-rs: not an application message")),
        }
    }

    fn export(member: &Self::Member) -> Result<Vec<u8>, Failure> {
        member
            .export_secret(EXPORTER_LABEL.as_bytes(), &EXPORTER_CONTEXT, EXPORTER_LEN)
            .map(|secret| secret.as_bytes().to_vec())
            .map_err(fail("mls-rs: export"))
    }
}
