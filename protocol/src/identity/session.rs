//! Session certificates and signed presence (docs/PROTOCOL.md I.2, I.3).
//!
//! ```text
//! session   = "cutout/v2 session" ‖ room_id ‖ sender_id ‖ sk ‖ device_id ‖ name_len(1) ‖ name
//! cert      = identity(128) ‖ sk(32) ‖ Sign_IK(session)(64)                      224 bytes
//! presence  = "cutout/v2 presence" ‖ type(1) ‖ room_id ‖ sender_id ‖ member_id(u32)
//!             ‖ first(16) ‖ second(16)
//! ```
//!
//! The identity signs once per session (where WebCrypto can only sign asynchronously); the
//! session key, held in memory for that session only, signs each handshake message.

use ed25519_dalek::{Signer as _, SigningKey};
use wire::{MemberId, RoomId};
use zeroize::Zeroizing;

use super::{
    IDENTITY_LEN, IdentityError, KEY_LEN, PublicIdentity, SIGNATURE_LEN, SigningPublic, verify,
};
use crate::entropy::Entropy;
use crate::ids::{Challenge, DeviceId, SenderId};

/// Length of a session certificate.
pub const CERT_LEN: usize = IDENTITY_LEN + KEY_LEN + SIGNATURE_LEN;

const SESSION_LABEL: &[u8] = b"cutout/v2 session";
const PRESENCE_LABEL: &[u8] = b"cutout/v2 presence";

/// Longest display name a statement holds (the presence body's limit).
const MAX_NAME: usize = crate::body::MAX_NAME_LEN;

/// Which handshake message a signature is for (docs/PROTOCOL.md I.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresenceType {
    /// `first` = its challenge, `second` = zeros.
    Join = 1,
    /// `first` = the echoed Join challenge, `second` = its own challenge.
    Here = 2,
    /// `first` = the Join challenge the acked Here echoed, `second` = the echoed Here challenge.
    Ack = 3,
}

/// What a session is, as its identity vouches for it.
#[derive(Clone, Copy, Debug)]
pub struct SessionFacts<'a> {
    /// The room's id (the receiver's own, when checking).
    pub room_id: RoomId,
    /// The session's sender id (the envelope's, when checking).
    pub sender: SenderId,
    /// The device id its presence announces.
    pub device_id: DeviceId,
    /// The display name its presence announces.
    pub name: &'a str,
}

/// The statement the identity signs for a session with key `sk`. Fails if the name is longer
/// than a presence body allows.
pub fn session_statement(
    facts: &SessionFacts<'_>,
    sk: &SigningPublic,
) -> Result<Vec<u8>, IdentityError> {
    let name = facts.name.as_bytes();
    let name_len = u8::try_from(name.len()).map_err(|_| IdentityError::Length)?;
    if name.len() > MAX_NAME {
        return Err(IdentityError::Length);
    }
    Ok([
        SESSION_LABEL,
        &facts.room_id.0,
        facts.sender.as_bytes(),
        sk,
        facts.device_id.as_bytes(),
        &[name_len],
        name,
    ]
    .concat())
}

/// One handshake message, as its signature covers it (docs/PROTOCOL.md I.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PresenceMessage {
    /// Join, Here or Ack.
    pub kind: PresenceType,
    /// The room's id.
    pub room_id: RoomId,
    /// The signer's sender id.
    pub sender: SenderId,
    /// The signer's own wire id.
    pub member: MemberId,
    /// The first challenge of the exchange (see [`PresenceType`]).
    pub first: Challenge,
    /// The second challenge, or zeros for a Join.
    pub second: Challenge,
}

impl PresenceMessage {
    /// The statement the session key signs.
    pub fn statement(&self) -> Vec<u8> {
        [
            PRESENCE_LABEL,
            &[self.kind as u8],
            &self.room_id.0,
            self.sender.as_bytes(),
            &self.member.0.to_be_bytes(),
            self.first.as_bytes(),
            self.second.as_bytes(),
        ]
        .concat()
    }
}

/// A session's signing key, in memory for that session only.
pub struct SessionKey(SigningKey);

impl SessionKey {
    /// A fresh key.
    pub fn generate(entropy: &mut dyn Entropy) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        entropy.fill(seed.as_mut_slice());
        Self::from_seed(&seed)
    }

    /// The key of a 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(seed))
    }

    /// Its public key.
    pub fn public(&self) -> SigningPublic {
        self.0.verifying_key().to_bytes()
    }

    /// Signs one handshake message.
    pub fn sign_presence(&self, message: &PresenceMessage) -> [u8; SIGNATURE_LEN] {
        self.0.sign(&message.statement()).to_bytes()
    }
}

/// A session certificate, checked against the session it claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Certificate {
    identity: PublicIdentity,
    sk: SigningPublic,
    signature: [u8; SIGNATURE_LEN],
}

impl Certificate {
    /// Assembles a certificate from the identity's signature over [`session_statement`].
    pub fn assemble(
        identity: PublicIdentity,
        sk: SigningPublic,
        signature: [u8; SIGNATURE_LEN],
    ) -> Self {
        Self {
            identity,
            sk,
            signature,
        }
    }

    /// Reads a certificate and checks it: the identity's binding, and the identity's signature
    /// over the statement rebuilt from `facts` (the receiver's own room id, the envelope's
    /// sender id, the device id and name of the body that carries it).
    pub fn check(bytes: &[u8], facts: &SessionFacts<'_>) -> Result<Self, IdentityError> {
        if bytes.len() != CERT_LEN {
            return Err(IdentityError::Length);
        }
        let (identity, rest) = bytes.split_at(IDENTITY_LEN);
        let (sk, signature) = rest.split_at(KEY_LEN);
        let identity = PublicIdentity::parse(identity)?;
        let sk: SigningPublic = sk.try_into().map_err(|_| IdentityError::Length)?;
        let signature: [u8; SIGNATURE_LEN] =
            signature.try_into().map_err(|_| IdentityError::Length)?;
        let statement = session_statement(facts, &sk)?;
        if !verify(identity.ik(), &statement, &signature) {
            return Err(IdentityError::Signature);
        }
        Ok(Self {
            identity,
            sk,
            signature,
        })
    }

    /// The identity that vouches for the session.
    pub fn identity(&self) -> &PublicIdentity {
        &self.identity
    }

    /// The session's key.
    pub fn session_key(&self) -> &SigningPublic {
        &self.sk
    }

    /// The 224 bytes.
    pub fn to_bytes(&self) -> [u8; CERT_LEN] {
        let mut out = [0; CERT_LEN];
        out[..IDENTITY_LEN].copy_from_slice(&self.identity.to_bytes());
        out[IDENTITY_LEN..IDENTITY_LEN + KEY_LEN].copy_from_slice(&self.sk);
        out[IDENTITY_LEN + KEY_LEN..].copy_from_slice(&self.signature);
        out
    }

    /// Whether `signature` is this session's over `message`.
    pub fn check_presence(
        &self,
        message: &PresenceMessage,
        signature: &[u8; SIGNATURE_LEN],
    ) -> bool {
        verify(&self.sk, &message.statement(), signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{IdentityKeys, IdentitySigner};

    fn facts(name: &str) -> SessionFacts<'_> {
        SessionFacts {
            room_id: RoomId([1; 16]),
            sender: SenderId([2; 16]),
            device_id: DeviceId([3; 16]),
            name,
        }
    }

    fn certificate(keys: &IdentityKeys, sk: &SessionKey, name: &str) -> [u8; CERT_LEN] {
        let statement = session_statement(&facts(name), &sk.public()).unwrap();
        Certificate::assemble(keys.public(), sk.public(), keys.sign(&statement)).to_bytes()
    }

    #[test]
    fn a_certificate_holds_for_its_session_only() {
        let keys = IdentityKeys::from_seeds(&[1; 32], &[2; 32]);
        let sk = SessionKey::from_seed(&[9; 32]);
        let cert = certificate(&keys, &sk, "ann");
        let checked = Certificate::check(&cert, &facts("ann")).unwrap();
        assert_eq!(checked.identity(), &keys.public());
        assert_eq!(checked.session_key(), &sk.public());
        assert!(Certificate::check(&cert, &facts("ann ")).is_err());
        let mut other = facts("ann");
        other.sender = SenderId([4; 16]);
        assert!(Certificate::check(&cert, &other).is_err());
        other = facts("ann");
        other.room_id = RoomId([5; 16]);
        assert!(Certificate::check(&cert, &other).is_err());
        other = facts("ann");
        other.device_id = DeviceId([6; 16]);
        assert!(Certificate::check(&cert, &other).is_err());
        for at in [0, 130, 150, 160, 200, 223] {
            let mut bad = cert;
            bad[at] ^= 0x80;
            assert!(
                Certificate::check(&bad, &facts("ann")).is_err(),
                "byte {at}"
            );
        }
    }

    #[test]
    fn a_presence_signature_holds_for_its_message_only() {
        let keys = IdentityKeys::from_seeds(&[1; 32], &[2; 32]);
        let sk = SessionKey::from_seed(&[9; 32]);
        let cert = Certificate::check(&certificate(&keys, &sk, "ann"), &facts("ann")).unwrap();
        let here = PresenceMessage {
            kind: PresenceType::Here,
            room_id: RoomId([1; 16]),
            sender: SenderId([2; 16]),
            member: MemberId(5),
            first: Challenge([7; 16]),
            second: Challenge([8; 16]),
        };
        let sig = sk.sign_presence(&here);
        assert!(cert.check_presence(&here, &sig));
        for changed in [
            PresenceMessage {
                kind: PresenceType::Ack,
                ..here
            },
            PresenceMessage {
                member: MemberId(6),
                ..here
            },
            PresenceMessage {
                first: here.second,
                second: here.first,
                ..here
            },
        ] {
            assert!(!cert.check_presence(&changed, &sig), "{changed:?}");
        }
    }

    #[test]
    fn a_name_over_the_limit_has_no_statement() {
        let long = "x".repeat(MAX_NAME + 1);
        assert_eq!(
            session_statement(&facts(&long), &[0; 32]),
            Err(IdentityError::Length)
        );
    }
}
