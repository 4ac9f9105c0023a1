//! Signing and checking for [`Room`]'s handshake (docs/PROTOCOL.md I.2, I.3): a session's
//! certificate from this browser's identity, its signed Join, the session key's signatures, and
//! the certificates of other sessions, checked.
//!
//! The identity signs where its private key lives, which may be a non-extractable WebCrypto key
//! that signs only asynchronously. So a session is made first, and asks for its certificate
//! ([`Room::certificate_request`]); whoever holds the key signs the statement, in its own time,
//! and hands the signature back ([`Room::certify`]). Until then the session does not join.

use wire::MemberId;

use super::{PeerKey, Room};
use crate::body::Presence;
use crate::identity::session::{
    Certificate, PresenceMessage, PresenceType, SessionFacts, session_statement,
};
use crate::identity::{IdentitySigner, SIGNATURE_LEN, SigningPublic, verify};
use crate::ids::{Challenge, DeviceId, SenderId};
use crate::room_io::SendError;

/// What the identity must sign for one session to join (docs/PROTOCOL.md I.2): the session
/// statement, and which session it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateRequest {
    sender: SenderId,
    statement: Vec<u8>,
}

impl CertificateRequest {
    /// The bytes to sign with the identity key.
    pub fn statement(&self) -> &[u8] {
        &self.statement
    }
}

/// Why a signature did not become the session's certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CertifyError {
    /// The request was for a session that is gone (the connection dropped meanwhile), or one
    /// that has its certificate already.
    #[error("the session is gone or already certified")]
    Stale,
    /// Not the identity's signature over the statement.
    #[error("the signature does not verify")]
    Signature,
}

impl Room {
    /// This session's signed Join (docs/PROTOCOL.md I.3), as member `member_id`.
    pub(super) fn signed_join(
        &self,
        member_id: MemberId,
        challenge: Challenge,
        now_ms: u64,
    ) -> Result<Presence, SendError> {
        let cert = self.cert.ok_or(SendError::NotCertified)?;
        let signature = self.sign(PresenceType::Join, member_id, challenge, Challenge([0; 16]));
        Ok(Presence::SignedJoin {
            challenge,
            name: self.name.clone(),
            device_id: self.device_id,
            ts_ms: now_ms,
            member_id: member_id.0,
            cert: cert.to_vec(),
            signature: signature.to_vec(),
        })
    }

    /// The session key's signature over one handshake message of ours.
    pub(super) fn sign(
        &self,
        kind: PresenceType,
        member: MemberId,
        first: Challenge,
        second: Challenge,
    ) -> [u8; SIGNATURE_LEN] {
        self.session_key.sign_presence(&PresenceMessage {
            kind,
            room_id: self.keys.room_id(),
            sender: self.session.sender(),
            member,
            first,
            second,
        })
    }

    /// This browser's identity key.
    pub fn identity(&self) -> SigningPublic {
        *self.identity.ik()
    }

    /// What the identity must sign before this session can join; `None` once it has its
    /// certificate.
    pub fn certificate_request(&self) -> Option<CertificateRequest> {
        if self.cert.is_some() {
            return None;
        }
        // The name was checked in `Room::new`, so the statement is always there.
        let statement = session_statement(&self.facts(), &self.session_key.public()).ok()?;
        Some(CertificateRequest {
            sender: self.session.sender(),
            statement,
        })
    }

    /// The identity's signature over `request`'s statement becomes this session's certificate,
    /// if the request is for this session, which has none yet, and the signature verifies.
    pub fn certify(
        &mut self,
        request: &CertificateRequest,
        signature: [u8; SIGNATURE_LEN],
    ) -> Result<(), CertifyError> {
        let current = self.certificate_request().ok_or(CertifyError::Stale)?;
        if current != *request {
            return Err(CertifyError::Stale);
        }
        if !verify(self.identity.ik(), &current.statement, &signature) {
            return Err(CertifyError::Signature);
        }
        let cert = Certificate::assemble(self.identity, self.session_key.public(), signature);
        self.cert = Some(cert.to_bytes());
        Ok(())
    }

    /// Certifies this session at once with an identity whose keys are in memory; nothing to do
    /// if it has its certificate.
    pub fn certify_with(&mut self, signer: &dyn IdentitySigner) -> Result<(), CertifyError> {
        match self.certificate_request() {
            Some(request) => {
                let signature = signer.sign(request.statement());
                self.certify(&request, signature)
            }
            None => Ok(()),
        }
    }

    /// Whether this session has its certificate (and so may join).
    pub fn is_certified(&self) -> bool {
        self.cert.is_some()
    }

    /// This session as its certificate describes it.
    fn facts(&self) -> SessionFacts<'_> {
        SessionFacts {
            room_id: self.keys.room_id(),
            sender: self.session.sender(),
            device_id: self.device_id,
            name: &self.name,
        }
    }

    /// A certificate in a Join or Here from `sender`, checked against this room, the
    /// envelope's sender id and the body's device id and name, and against the session's
    /// certificate already known (it never changes).
    pub(super) fn check_cert(
        &self,
        key: PeerKey,
        device_id: DeviceId,
        name: &str,
        cert: &[u8],
    ) -> Option<Certificate> {
        let facts = SessionFacts {
            room_id: self.keys.room_id(),
            sender: key.1,
            device_id,
            name,
        };
        if let Some(known) = self.peers.get(&key).and_then(|peer| peer.cert) {
            // Cheap first: a session's certificate never changes.
            if known.to_bytes().as_slice() != cert {
                return None;
            }
        }
        let checked = Certificate::check(cert, &facts).ok()?;
        match self.peers.get(&key).and_then(|peer| peer.cert) {
            Some(known) if known != checked => None,
            _ => Some(checked),
        }
    }
}
