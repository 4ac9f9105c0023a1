//! Signing and checking for [`Room`]'s handshake (docs/PROTOCOL.md I.2, I.3): a session's
//! certificate from this browser's identity, its signed Join, the session key's signatures, and
//! the certificates of other sessions, checked.

use wire::MemberId;

use super::{PeerKey, Room};
use crate::body::Presence;
use crate::identity::session::{
    CERT_LEN, Certificate, PresenceMessage, PresenceType, SessionFacts, SessionKey,
    session_statement,
};
use crate::identity::{IdentitySigner, SIGNATURE_LEN, SigningPublic};
use crate::ids::{Challenge, DeviceId};
use crate::keys::RoomKeys;
use crate::room_io::SendError;
use crate::session::SenderSession;

impl Room {
    /// This session's signed Join (docs/PROTOCOL.md I.3), as member `member_id`.
    pub(super) fn signed_join(
        &self,
        member_id: MemberId,
        challenge: Challenge,
        now_ms: u64,
    ) -> Presence {
        let signature = self.sign(PresenceType::Join, member_id, challenge, Challenge([0; 16]));
        Presence::SignedJoin {
            challenge,
            name: self.name.clone(),
            device_id: self.device_id,
            ts_ms: now_ms,
            member_id: member_id.0,
            cert: self.cert.to_vec(),
            signature: signature.to_vec(),
        }
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
        *self.identity.public().ik()
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

/// The certificate of a new session: the identity signs the session's key, sender id, device id
/// and name in this room (docs/PROTOCOL.md I.2).
pub(super) fn certify(
    keys: &RoomKeys,
    session: &SenderSession,
    device_id: DeviceId,
    name: &str,
    identity: &dyn IdentitySigner,
    session_key: &SessionKey,
) -> Result<[u8; CERT_LEN], SendError> {
    let facts = SessionFacts {
        room_id: keys.room_id(),
        sender: session.sender(),
        device_id,
        name,
    };
    let statement = session_statement(&facts, &session_key.public())
        .map_err(|_| SendError::Body(crate::body::BodyError::TooLong("name")))?;
    let signature = identity.sign(&statement);
    Ok(Certificate::assemble(identity.public(), session_key.public(), signature).to_bytes())
}
