//! The identity rules of a room's group (docs/PROTOCOL.md R.2), as mls-rs enforces them on every
//! leaf it meets: a credential of Cutout's type, certified by its identity for this group and this
//! leaf's key, and never changed.

use mls_rs::identity::{CredentialType, SigningIdentity};
use mls_rs::time::MlsTime;
use mls_rs::{ExtensionList, IdentityProvider};
use mls_rs_core::identity::MemberValidationContext;

use super::credential::{CREDENTIAL_TYPE, GroupId, MemberCredential};

/// A leaf's credential that does not check (R.2).
#[derive(Debug, thiserror::Error)]
#[error("member credential refused")]
pub struct CredentialRefused;

impl mls_rs::error::IntoAnyError for CredentialRefused {
    fn into_dyn_error(self) -> Result<Box<dyn std::error::Error + Send + Sync>, Self> {
        Ok(Box::new(self))
    }
}

/// The identity rules of one group (R.2), enforced by mls-rs on every leaf it meets.
#[derive(Clone, Copy, Debug)]
pub struct Identities {
    group: GroupId,
}

impl Identities {
    /// The rules of `group`.
    pub fn new(group: GroupId) -> Self {
        Self { group }
    }
}

impl Identities {
    fn credential(&self, leaf: &SigningIdentity) -> Result<MemberCredential, CredentialRefused> {
        let custom = leaf.credential.as_custom().ok_or(CredentialRefused)?;
        if custom.credential_type != CredentialType::new(CREDENTIAL_TYPE) {
            return Err(CredentialRefused);
        }
        MemberCredential::check(&custom.data, self.group, leaf.signature_key.as_bytes())
            .map_err(|_| CredentialRefused)
    }
}

impl IdentityProvider for Identities {
    type Error = CredentialRefused;

    fn validate_member(
        &self,
        leaf: &SigningIdentity,
        _: Option<MlsTime>,
        context: MemberValidationContext<'_>,
    ) -> Result<(), Self::Error> {
        let group = match context {
            MemberValidationContext::ForCommit {
                current_context, ..
            }
            | MemberValidationContext::ForNewGroup { current_context } => {
                Some(current_context.group_id.as_slice())
            }
            _ => None,
        };
        if group.is_some_and(|id| id != self.group.0) {
            return Err(CredentialRefused);
        }
        self.credential(leaf).map(|_| ())
    }

    fn validate_external_sender(
        &self,
        _: &SigningIdentity,
        _: Option<MlsTime>,
        _: Option<&ExtensionList>,
    ) -> Result<(), Self::Error> {
        // A room has no external senders.
        Err(CredentialRefused)
    }

    fn identity(&self, leaf: &SigningIdentity, _: &ExtensionList) -> Result<Vec<u8>, Self::Error> {
        self.credential(leaf).map(|c| c.leaf_identity())
    }

    fn valid_successor(
        &self,
        predecessor: &SigningIdentity,
        successor: &SigningIdentity,
        _: &ExtensionList,
    ) -> Result<bool, Self::Error> {
        // A leaf keeps its credential and signature key for life (R.2): a commit's path that
        // changed either (a new name, another device, another key) would read as someone new.
        self.credential(successor)?;
        Ok(predecessor == successor)
    }

    fn supported_types(&self) -> Vec<CredentialType> {
        vec![CredentialType::new(CREDENTIAL_TYPE)]
    }
}
