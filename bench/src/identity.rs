//! The measurements of `protocol::identity` (docs/PROTOCOL.md I), identical natively and in
//! wasm: one Ed25519 signature and one strict verification of a presence statement, one session
//! certificate checked, one safety number, and what a newcomer pays to meet a full room.
//!
//! The keys come from fixed seeds, so the WebCrypto baseline (`webcrypto::ed25519`) can import
//! the same session key and must produce the very same signatures (Ed25519 is deterministic).

use std::hint::black_box;

use protocol::identity::safety::{DIGITS, safety_number};
use protocol::identity::session::{
    CERT_LEN, Certificate, PresenceMessage, PresenceType, SessionFacts, SessionKey,
    session_statement,
};
use protocol::identity::{
    IdentityKeys, IdentitySigner, SIGNATURE_LEN, SigningPublic, binding_statement, verify,
};
use protocol::ids::{Challenge, DeviceId, SenderId};
use protocol::{MemberId, RoomId};

use crate::BenchError;
use crate::figure::{Figure, Unit};
use crate::measurement::Measurement;
use crate::sampler::{Clock, Plan};

/// Members of a full room (the relay's limit): a newcomer meets the other 63.
pub const ROOM_SIZE: usize = wire::limits::MAX_MEMBERS_PER_ROOM;
/// The seed of the session key that signs in [`ed25519_sign`] and of the newcomer's.
pub const SESSION_SEED: [u8; 32] = [0x5e; 32];

const ROOM_ID: RoomId = RoomId([0x42; 16]);
const NEWCOMER: MemberId = MemberId(ROOM_SIZE as u32);
const NEWCOMER_SENDER: SenderId = SenderId([0xee; 16]);
const JOIN_CHALLENGE: Challenge = Challenge([0xc1; 16]);
/// A display name of typical length.
const NAME: &str = "Ann on the laptop";

/// Every measurement natively, in the order the report lists them.
pub fn run_all(clock: &dyn Clock, emit: &mut dyn FnMut(&Figure)) -> Result<(), BenchError> {
    emit(&ed25519_sign()?.run(clock)?);
    emit(&ed25519_verify()?.run(clock)?);
    emit(&certificate_check()?.run(clock)?);
    emit(&safety_number_pair()?.run(clock)?);
    emit(&FullRoom::new()?.newcomer()?.run(clock)?);
    Ok(())
}

/// One signature, as WebCrypto needs it: the signer's public key, what it signed, the signature.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The Ed25519 public key.
    pub public: SigningPublic,
    /// The signed statement.
    pub statement: Vec<u8>,
    /// The signature.
    pub signature: [u8; SIGNATURE_LEN],
}

impl Signed {
    fn verifies(&self) -> bool {
        verify(&self.public, &self.statement, &self.signature)
    }
}

/// The Here that member `index` of the room sends the newcomer.
fn here(index: usize) -> PresenceMessage {
    let byte = index as u8;
    PresenceMessage {
        kind: PresenceType::Here,
        room_id: ROOM_ID,
        sender: SenderId([byte; 16]),
        member: MemberId(index as u32),
        first: JOIN_CHALLENGE,
        second: Challenge([byte ^ 0xd0; 16]),
    }
}

/// The session key's signature over the Here of member 0, the presence statement the sign and
/// verify rows use.
pub fn presence() -> Signed {
    let key = SessionKey::from_seed(&SESSION_SEED);
    let message = here(0);
    Signed {
        public: key.public(),
        statement: message.statement(),
        signature: key.sign_presence(&message),
    }
}

/// Signatures per second: [`SessionKey::sign_presence`] of a Here.
pub fn ed25519_sign() -> Result<Measurement<'static>, BenchError> {
    const MEASURE: &str = "ed25519_sign";
    let key = SessionKey::from_seed(&SESSION_SEED);
    let message = here(0);
    if !presence().verifies() {
        return Err(BenchError::Verify(MEASURE));
    }
    Ok(Measurement::new(
        MEASURE,
        Unit::OpsPerSecond,
        Plan::FAST,
        move |n| {
            for _ in 0..n {
                black_box(key.sign_presence(black_box(&message)));
            }
            Ok(())
        },
    ))
}

/// Verifications per second: strict [`verify`] of a Here's signature, from the key's bytes.
pub fn ed25519_verify() -> Result<Measurement<'static>, BenchError> {
    const MEASURE: &str = "ed25519_verify";
    let signed = presence();
    let mut forged = signed.clone();
    forged.signature[0] ^= 1;
    if !signed.verifies() || forged.verifies() {
        return Err(BenchError::Verify(MEASURE));
    }
    Ok(Measurement::new(
        MEASURE,
        Unit::OpsPerSecond,
        Plan::FAST,
        move |n| {
            for _ in 0..n {
                let s = black_box(&signed);
                if !verify(&s.public, &s.statement, &s.signature) {
                    return Err(BenchError::Verify(MEASURE));
                }
            }
            Ok(())
        },
    ))
}

/// What the room knows of one member, and what that member sends the newcomer.
struct Member {
    sender: SenderId,
    device_id: DeviceId,
    certificate: [u8; CERT_LEN],
    here: PresenceMessage,
    here_signature: [u8; SIGNATURE_LEN],
}

impl Member {
    /// Member `index`: its identity, a session certificate for this room, and its signed Here.
    fn new(index: usize) -> Result<Self, BenchError> {
        let byte = index as u8;
        let identity = IdentityKeys::from_seeds(&[byte; 32], &[byte ^ 0x80; 32]);
        let session = SessionKey::from_seed(&[byte ^ 0x40; 32]);
        let here = here(index);
        let mut member = Self {
            sender: here.sender,
            device_id: DeviceId([byte ^ 0x20; 16]),
            certificate: [0; CERT_LEN],
            here,
            here_signature: session.sign_presence(&here),
        };
        let statement = session_statement(&member.facts(), &session.public())
            .map_err(|_| BenchError::Verify("certificate statement"))?;
        member.certificate = Certificate::assemble(
            identity.public(),
            session.public(),
            identity.sign(&statement),
        )
        .to_bytes();
        Ok(member)
    }

    fn facts(&self) -> SessionFacts<'static> {
        SessionFacts {
            room_id: ROOM_ID,
            sender: self.sender,
            device_id: self.device_id,
            name: NAME,
        }
    }

    /// The three signatures in it: the identity's binding, the certificate, the Here.
    fn signatures(&self) -> Result<[Signed; 3], BenchError> {
        let checked = Certificate::check(&self.certificate, &self.facts())
            .map_err(|_| BenchError::Verify("certificate"))?;
        let identity = checked.identity().to_bytes();
        let signature = |bytes: &[u8]| -> [u8; SIGNATURE_LEN] {
            let mut out = [0; SIGNATURE_LEN];
            out.copy_from_slice(&bytes[bytes.len() - SIGNATURE_LEN..]);
            out
        };
        let (ik, sk) = (*checked.identity().ik(), *checked.session_key());
        let session = session_statement(&self.facts(), &sk)
            .map_err(|_| BenchError::Verify("certificate statement"))?;
        let signed = [
            Signed {
                public: ik,
                statement: binding_statement(checked.identity().xk()),
                signature: signature(&identity),
            },
            Signed {
                public: ik,
                statement: session,
                signature: signature(&self.certificate),
            },
            Signed {
                public: sk,
                statement: self.here.statement(),
                signature: self.here_signature,
            },
        ];
        if signed.iter().all(Signed::verifies) {
            Ok(signed)
        } else {
            Err(BenchError::Verify("certificate"))
        }
    }
}

/// Certificates checked per second: [`Certificate::check`] of a 224-byte certificate (the
/// identity's binding and the certificate's own signature: two verifications).
pub fn certificate_check() -> Result<Measurement<'static>, BenchError> {
    const MEASURE: &str = "certificate_check";
    let member = Member::new(1)?;
    let facts = member.facts();
    let mut forged = member.certificate;
    forged[CERT_LEN - 1] ^= 1;
    if Certificate::check(&member.certificate, &facts).is_err()
        || Certificate::check(&forged, &facts).is_ok()
    {
        return Err(BenchError::Verify(MEASURE));
    }
    Ok(Measurement::new(
        MEASURE,
        Unit::OpsPerSecond,
        Plan::FAST,
        move |n| {
            for _ in 0..n {
                let checked = Certificate::check(black_box(&member.certificate), &facts)
                    .map_err(|_| BenchError::Verify(MEASURE))?;
                black_box(checked);
            }
            Ok(())
        },
    ))
}

/// Milliseconds per safety number of two identity keys (both halves: 2 × 5 200 SHA-512
/// rounds, docs/PROTOCOL.md I.4).
pub fn safety_number_pair() -> Result<Measurement<'static>, BenchError> {
    const MEASURE: &str = "safety_number";
    let a = IdentityKeys::from_seeds(&[1; 32], &[2; 32]).public();
    let b = IdentityKeys::from_seeds(&[3; 32], &[4; 32]).public();
    let (a, b) = (*a.ik(), *b.ik());
    if safety_number(&a, &b).len() != DIGITS {
        return Err(BenchError::Verify(MEASURE));
    }
    Ok(Measurement::new(
        MEASURE,
        Unit::MillisPerOp,
        Plan::FAST,
        move |n| {
            for _ in 0..n {
                black_box(safety_number(black_box(&a), black_box(&b)));
            }
            Ok(())
        },
    ))
}

/// A room of [`ROOM_SIZE`] members as a newcomer meets it: the other 63 each send it their
/// certificate and a signed Here, and it answers each with a signed Ack, after its own Join
/// (docs/PROTOCOL.md I.2, I.3).
pub struct FullRoom {
    newcomer: SessionKey,
    members: Vec<Member>,
}

impl FullRoom {
    /// The room, its members' certificates and Here signatures made in advance.
    pub fn new() -> Result<Self, BenchError> {
        Ok(Self {
            newcomer: SessionKey::from_seed(&SESSION_SEED),
            members: (0..ROOM_SIZE - 1)
                .map(Member::new)
                .collect::<Result<_, _>>()?,
        })
    }

    fn join() -> PresenceMessage {
        PresenceMessage {
            kind: PresenceType::Join,
            room_id: ROOM_ID,
            sender: NEWCOMER_SENDER,
            member: NEWCOMER,
            first: JOIN_CHALLENGE,
            second: Challenge([0; 16]),
        }
    }

    fn ack(here: &PresenceMessage) -> PresenceMessage {
        PresenceMessage {
            kind: PresenceType::Ack,
            second: here.second,
            ..Self::join()
        }
    }

    /// What the newcomer does: signs its Join; for each member checks the certificate and the
    /// Here's signature, and signs an Ack. Returns how many signatures it made.
    fn meet(&self) -> Result<usize, BenchError> {
        const MEASURE: &str = "newcomer";
        black_box(self.newcomer.sign_presence(&Self::join()));
        for member in &self.members {
            let certificate = Certificate::check(&member.certificate, &member.facts())
                .map_err(|_| BenchError::Verify(MEASURE))?;
            if !certificate.check_presence(&member.here, &member.here_signature) {
                return Err(BenchError::Verify(MEASURE));
            }
            black_box(self.newcomer.sign_presence(&Self::ack(&member.here)));
        }
        Ok(1 + self.members.len())
    }

    /// Milliseconds per newcomer: the Join signed, then for each of the 63 others its
    /// certificate and Here checked and an Ack signed (63 × 3 verifications, 64 signatures).
    pub fn newcomer(&self) -> Result<Measurement<'_>, BenchError> {
        if self.meet()? != ROOM_SIZE {
            return Err(BenchError::Verify("newcomer"));
        }
        Ok(Measurement::new(
            "newcomer_full_room",
            Unit::MillisPerOp,
            Plan::FAST,
            move |n| {
                for _ in 0..n {
                    black_box(self.meet()?);
                }
                Ok(())
            },
        ))
    }

    /// The signatures the newcomer verifies, three per member: the identity's binding, the
    /// certificate, the Here (for WebCrypto, which takes them apart).
    pub fn signatures(&self) -> Result<Vec<[Signed; 3]>, BenchError> {
        self.members.iter().map(Member::signatures).collect()
    }

    /// The statements the newcomer signs: its Join, then an Ack to each member.
    pub fn statements(&self) -> Vec<Vec<u8>> {
        let acks = self.members.iter().map(|m| Self::ack(&m.here).statement());
        std::iter::once(Self::join().statement())
            .chain(acks)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_room_holds_63_others_whose_signatures_verify() {
        let room = FullRoom::new().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(room.meet(), Ok(ROOM_SIZE));
        let signatures = room.signatures().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(signatures.len(), ROOM_SIZE - 1);
        assert_eq!(room.statements().len(), ROOM_SIZE);
    }

    #[test]
    fn the_presence_statement_is_as_long_as_the_report_says() {
        // xtask's report names the length in the signature table's title.
        assert_eq!(presence().statement.len(), 87);
    }

    #[test]
    fn a_forged_here_stops_the_newcomer() {
        let mut room = FullRoom::new().unwrap_or_else(|e| panic!("{e}"));
        room.members[62].here_signature[5] ^= 1;
        assert_eq!(room.meet(), Err(BenchError::Verify("newcomer")));
    }
}
