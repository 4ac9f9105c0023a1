//! The identity's part (docs/PROTOCOL.md R.2): what it must sign for a leaf, and what its
//! signature makes (the group, a KeyPackage for the answerer, a private group's device).

use super::{Machine, Phase, Unsigned};
use crate::entropy::Entropy;
use crate::group::credential::{GroupId, LeafFacts, MemberCredential, member_statement};
use crate::group::member::GroupMember;
use crate::group::mls::{Device, LeafKey};
use crate::group::output::{CertifyError, CredentialRequest, Output};
use crate::identity::{IdentitySigner, PublicIdentity, SIGNATURE_LEN, SigningPublic};
use crate::ids::DeviceId;

impl Machine {
    /// What the identity must sign now, if anything.
    pub fn credential_request(&self) -> Option<&CredentialRequest> {
        let knocking = self
            .knock
            .as_ref()
            .and_then(|k| k.answer.as_ref())
            .and_then(|a| a.unsigned.as_ref())
            .map(|u| &u.request);
        match &self.phase {
            Phase::Creating(unsigned) => Some(&unsigned.request),
            _ => knocking.or_else(|| self.privates.request()),
        }
    }

    /// Signs whatever is waited for at once with keys in memory (tests, benchmarks).
    pub fn certify_with(
        &mut self,
        signer: &dyn IdentitySigner,
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Output {
        match self.credential_request().cloned() {
            Some(request) => {
                let signature = signer.sign(&request.statement);
                self.certify(&request, signature, now_ms, entropy)
                    .unwrap_or_default()
            }
            None => Output::default(),
        }
    }

    /// The identity's signature over `request`: the leaf gets its credential, and the group is
    /// made or the KeyPackage sent.
    pub fn certify(
        &mut self,
        request: &CredentialRequest,
        signature: [u8; SIGNATURE_LEN],
        now_ms: u64,
        entropy: &mut dyn Entropy,
    ) -> Result<Output, CertifyError> {
        let mut output = Output::default();
        let now_s = now_ms / 1000;
        if self.privates.request().is_some()
            && self
                .certify_private(request, signature, now_ms, &mut output)
                .is_ok()
        {
            return Ok(output);
        }
        match &mut self.phase {
            Phase::Creating(unsigned) if unsigned.request.serial == request.serial => {
                let Phase::Creating(unsigned) = core::mem::replace(&mut self.phase, Phase::Outside)
                else {
                    return Err(CertifyError::Stale);
                };
                let group = unsigned.group;
                let device = self.device(*unsigned, signature)?;
                let Ok(room) = device.create(now_s, Some(self.settings)) else {
                    return Err(CertifyError::Invalid);
                };
                let member = GroupMember::new(room, now_ms, entropy);
                self.enter(member, false, now_ms, &mut output);
                debug_assert_eq!(self.group().map(|g| g.id()), Some(group));
            }
            _ if self.knock.is_some() => {
                let Some(answered) = self.knock.as_mut().and_then(|k| k.answer.as_mut()) else {
                    return Err(CertifyError::Stale);
                };
                match answered.unsigned.take() {
                    Some(unsigned) if unsigned.request.serial == request.serial => {
                        let device = Self::make_device(
                            &self.identity,
                            self.device_id,
                            &self.name,
                            unsigned,
                            signature,
                        )?;
                        let key_package = device
                            .key_package(now_s)
                            .map_err(|_| CertifyError::Invalid)?;
                        let payload = answered
                            .channel
                            .request(&key_package)
                            .map_err(|_| CertifyError::Invalid)?;
                        output.send(Some(answered.channel.ends().d), payload);
                        answered.device = Some(device);
                    }
                    other => {
                        answered.unsigned = other;
                        return Err(CertifyError::Stale);
                    }
                }
            }
            _ => return Err(CertifyError::Stale),
        }
        Ok(output)
    }

    pub(super) fn device(
        &self,
        unsigned: Unsigned,
        signature: [u8; SIGNATURE_LEN],
    ) -> Result<Device, CertifyError> {
        Self::make_device(
            &self.identity,
            self.device_id,
            &self.name,
            unsigned,
            signature,
        )
    }

    fn make_device(
        identity: &PublicIdentity,
        device_id: DeviceId,
        name: &str,
        unsigned: Unsigned,
        signature: [u8; SIGNATURE_LEN],
    ) -> Result<Device, CertifyError> {
        let credential = MemberCredential::assemble(*identity, device_id, name, signature);
        Device::new(unsigned.group, unsigned.key, credential).map_err(|_| CertifyError::Invalid)
    }

    pub(super) fn unsigned(
        &mut self,
        group: GroupId,
        entropy: &mut dyn Entropy,
    ) -> Option<Unsigned> {
        let key = LeafKey::generate(entropy);
        let msk: SigningPublic = key.public();
        let statement = member_statement(&LeafFacts {
            group,
            msk: &msk,
            device_id: self.device_id,
            name: &self.name,
        })
        .ok()?;
        self.serial += 1;
        Some(Unsigned {
            group,
            key,
            request: CredentialRequest {
                statement,
                serial: self.serial,
            },
        })
    }
}
