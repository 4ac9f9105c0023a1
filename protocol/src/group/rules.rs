//! What a room's group accepts in a commit (docs/PROTOCOL.md R.1): Adds and Removes only, at
//! most [`MAX_LEAVES`] leaves, at most [`MAX_DEVICES`] of one person; and how its messages are
//! framed. mls-rs applies these rules to every commit, made or received, before applying it.

use std::collections::BTreeMap;

use mls_rs::MlsRules;
use mls_rs::client_builder::PaddingMode;
use mls_rs::group::{GroupContext, Roster};
use mls_rs::mls_rules::{
    CommitDirection, CommitOptions, CommitSource, EncryptionOptions, ProposalBundle,
};

/// Most leaves a group holds: the relay's room limit (64) with room for members gone but not
/// yet removed (R.7). A Welcome to a group this size stays under the relay's payload limit.
pub const MAX_LEAVES: usize = 128;
/// Most leaves of one identity (one person's devices).
pub const MAX_DEVICES: usize = 8;

/// A commit the room's rules refuse.
#[derive(Debug, thiserror::Error)]
#[error("a commit the room's rules refuse")]
pub struct CommitRefused;

impl mls_rs::error::IntoAnyError for CommitRefused {
    fn into_dyn_error(self) -> Result<Box<dyn std::error::Error + Send + Sync>, Self> {
        Ok(Box::new(self))
    }
}

/// The room's MLS rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct RoomRules;

/// The identity key a leaf's credential names (its first 32 bytes, R.2), checked when it entered.
fn ik_of(credential: &mls_rs::identity::Credential) -> Option<[u8; 32]> {
    credential.as_custom()?.data.get(..32)?.try_into().ok()
}

impl MlsRules for RoomRules {
    type Error = CommitRefused;

    fn filter_proposals(
        &self,
        _: CommitDirection,
        _: CommitSource,
        roster: &Roster<'_>,
        _: &GroupContext,
        proposals: ProposalBundle,
    ) -> Result<ProposalBundle, Self::Error> {
        let adds = proposals.add_proposals();
        let removes = proposals.remove_proposals();
        if proposals.length() != adds.len() + removes.len() {
            return Err(CommitRefused);
        }
        let removed: Vec<u32> = removes.iter().map(|r| r.proposal.to_remove()).collect();
        let mut per_person: BTreeMap<[u8; 32], usize> = BTreeMap::new();
        let staying = roster
            .members_iter()
            .filter(|m| !removed.contains(&m.index))
            .map(|m| ik_of(&m.signing_identity.credential));
        let added = adds
            .iter()
            .map(|a| ik_of(&a.proposal.signing_identity().credential));
        let mut total = 0;
        for ik in staying.chain(added) {
            total += 1;
            *per_person.entry(ik.ok_or(CommitRefused)?).or_default() += 1;
        }
        if total > MAX_LEAVES || per_person.values().any(|n| *n > MAX_DEVICES) {
            return Err(CommitRefused);
        }
        Ok(proposals)
    }

    fn commit_options(
        &self,
        _: &Roster<'_>,
        _: &GroupContext,
        _: &ProposalBundle,
    ) -> Result<CommitOptions, Self::Error> {
        Ok(CommitOptions::new().with_ratchet_tree_extension(true))
    }

    fn encryption_options(
        &self,
        _: &Roster<'_>,
        _: &GroupContext,
    ) -> Result<EncryptionOptions, Self::Error> {
        Ok(EncryptionOptions::new(true, PaddingMode::Padme))
    }
}
