//! Member credentials (docs/PROTOCOL.md R.2): the identity certifies each leaf's signature key.
//!
//! ```text
//! statement  = "cutout/v2 member" ‖ group_id(16) ‖ msk(32) ‖ device_id(16) ‖ name_len(1) ‖ name
//! credential = identity(128) ‖ device_id(16) ‖ name_len(1) ‖ name ‖ Sign_IK(statement)(64)
//! ```
//!
//! An MLS library signs synchronously with a key it holds; a WebCrypto identity key cannot be
//! that key, so each leaf gets a signature key of its own and the identity vouches for it once.

use crate::identity::{
    IDENTITY_LEN, IdentityError, PublicIdentity, SIGNATURE_LEN, SigningPublic, verify,
};
use crate::ids::DeviceId;

/// The MLS credential type of Cutout's member credentials (a private-use value, RFC 9420 §17.1).
pub const CREDENTIAL_TYPE: u16 = 0xF0C2;

const MEMBER_LABEL: &[u8] = b"cutout/v2 member";

/// Longest display name a credential holds (the presence body's limit, as docs/PROTOCOL.md I.2).
const MAX_NAME: usize = crate::body::MAX_NAME_LEN;

/// A group's id (docs/PROTOCOL.md R.1): 16 random bytes chosen by its creator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub [u8; 16]);

/// What a leaf is, as its identity vouches for it.
#[derive(Clone, Copy, Debug)]
pub struct LeafFacts<'a> {
    /// The group (the receiver's own, when checking).
    pub group: GroupId,
    /// The leaf's MLS signature key.
    pub msk: &'a SigningPublic,
    /// The device the leaf is on.
    pub device_id: DeviceId,
    /// The display name.
    pub name: &'a str,
}

/// The statement the identity signs for a leaf. Fails if the name is over 64 bytes.
pub fn member_statement(facts: &LeafFacts<'_>) -> Result<Vec<u8>, IdentityError> {
    let name = facts.name.as_bytes();
    if name.len() > MAX_NAME {
        return Err(IdentityError::Length);
    }
    let name_len = u8::try_from(name.len()).map_err(|_| IdentityError::Length)?;
    Ok([
        MEMBER_LABEL,
        &facts.group.0,
        facts.msk,
        facts.device_id.as_bytes(),
        &[name_len],
        name,
    ]
    .concat())
}

/// A member credential, checked or about to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberCredential {
    identity: PublicIdentity,
    device_id: DeviceId,
    name: String,
    signature: [u8; SIGNATURE_LEN],
}

impl MemberCredential {
    /// A credential from the identity's signature over [`member_statement`] (not checked here:
    /// a member's own credential is checked by [`Self::check`] like any other before use).
    pub fn assemble(
        identity: PublicIdentity,
        device_id: DeviceId,
        name: &str,
        signature: [u8; SIGNATURE_LEN],
    ) -> Self {
        Self {
            identity,
            device_id,
            name: name.to_owned(),
            signature,
        }
    }

    /// The credential's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let name = self.name.as_bytes();
        // `name_len` fits: a name over 64 bytes has no statement, so no signature to assemble.
        let name_len = u8::try_from(name.len()).unwrap_or(u8::MAX);
        [
            &self.identity.to_bytes()[..],
            self.device_id.as_bytes(),
            &[name_len],
            name,
            &self.signature,
        ]
        .concat()
    }

    /// Reads a credential and checks it against the leaf's signature key in `group`: exact
    /// length, the identity (docs/PROTOCOL.md I.1), a valid name, and the identity's signature
    /// over the statement rebuilt from these facts.
    pub fn check(bytes: &[u8], group: GroupId, msk: &[u8]) -> Result<Self, IdentityError> {
        let msk: &SigningPublic = msk.try_into().map_err(|_| IdentityError::Length)?;
        let (identity, rest) = split(bytes, IDENTITY_LEN)?;
        let (device_id, rest) = split(rest, 16)?;
        let (&name_len, rest) = rest.split_first().ok_or(IdentityError::Length)?;
        let (name, signature) = split(rest, usize::from(name_len))?;
        let signature: [u8; SIGNATURE_LEN] =
            signature.try_into().map_err(|_| IdentityError::Length)?;
        let identity = PublicIdentity::parse(identity)?;
        let device_id = DeviceId(device_id.try_into().map_err(|_| IdentityError::Length)?);
        let name = core::str::from_utf8(name).map_err(|_| IdentityError::Length)?;
        let statement = member_statement(&LeafFacts {
            group,
            msk,
            device_id,
            name,
        })?;
        if !verify(identity.ik(), &statement, &signature) {
            return Err(IdentityError::Signature);
        }
        Ok(Self::assemble(identity, device_id, name, signature))
    }

    /// The identity that vouches for the leaf.
    pub fn identity(&self) -> &PublicIdentity {
        &self.identity
    }

    /// The device the leaf is on.
    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What makes a leaf unique in a group: `ik ‖ device_id` (docs/PROTOCOL.md R.2).
    pub fn leaf_identity(&self) -> Vec<u8> {
        [&self.identity.ik()[..], self.device_id.as_bytes()].concat()
    }
}

fn split(bytes: &[u8], at: usize) -> Result<(&[u8], &[u8]), IdentityError> {
    (bytes.len() >= at)
        .then(|| bytes.split_at(at))
        .ok_or(IdentityError::Length)
}

/// Length of a credential with a name of `name_len` bytes.
pub const fn credential_len(name_len: usize) -> usize {
    IDENTITY_LEN + 16 + 1 + name_len + SIGNATURE_LEN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SystemEntropy;
    use crate::identity::{IdentityKeys, IdentitySigner};

    fn sample(signer: &IdentityKeys, group: GroupId, msk: &SigningPublic) -> Vec<u8> {
        let device_id = DeviceId([7; 16]);
        let statement = member_statement(&LeafFacts {
            group,
            msk,
            device_id,
            name: "Ana",
        })
        .unwrap_or_default();
        MemberCredential::assemble(signer.public(), device_id, "Ana", signer.sign(&statement))
            .to_bytes()
    }

    #[test]
    fn a_credential_checks_only_for_its_group_and_key() {
        let signer = IdentityKeys::generate(&mut SystemEntropy);
        let group = GroupId([1; 16]);
        let bytes = sample(&signer, group, &[9; 32]);
        assert_eq!(bytes.len(), credential_len(3));
        let checked = MemberCredential::check(&bytes, group, &[9; 32]);
        assert_eq!(checked.map(|c| c.name().to_owned()), Ok("Ana".to_owned()));
        assert_eq!(
            MemberCredential::check(&bytes, GroupId([2; 16]), &[9; 32]),
            Err(IdentityError::Signature)
        );
        assert_eq!(
            MemberCredential::check(&bytes, group, &[8; 32]),
            Err(IdentityError::Signature)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            MemberCredential::check(&longer, group, &[9; 32]),
            Err(IdentityError::Length)
        );
        assert_eq!(
            MemberCredential::check(&bytes[..bytes.len() - 1], group, &[9; 32]),
            Err(IdentityError::Length)
        );
    }
}
