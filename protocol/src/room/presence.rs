//! The presence handshake of PROTOCOL.md B.3, as part of [`Room`]:
//!
//! ```text
//! joiner J:   Join { challenge c_J, name, device_id, ts_ms, member_id }          BROADCAST
//! member M:   Here { echo: c_J, challenge d_M, name, device_id, ts_ms, member_id } SEND_TO J
//! joiner J:   Ack  { echo: d_M }                                                 SEND_TO M
//! ```
//!
//! J makes M live when M's Here echoes `c_J`, with M's baseline at that Here's seq; M makes J
//! live when J's Ack echoes `d_M`, with J's baseline at the seq of J's Join. Nothing below a
//! baseline is accepted.
//!
//! A challenge expires [`CHALLENGE_MS`] after it was sent: J acks a Here only while the Join it
//! echoes is that fresh, and M accepts an Ack only that soon after its Here. So a relay that
//! delivers J's recorded Join to a newcomer hours later cannot get the newcomer to take J's
//! early envelopes (chats from before the newcomer came) as new: the baseline is always the seq
//! of an envelope at most 15 s old.
//!
//! A relay that drops, holds back or reorders handshake envelopes must not split the room for
//! good. A member that hears from a session it has not met (anything but a Join, or a Here or
//! Ack that does not answer a live challenge) asks that session alone with a fresh Join by
//! SEND_TO, at most once per [`CHALLENGE_MS`]; the session answers with a Here even if it
//! already counts the asker as live, and the handshake completes from there.
//!
//! PROTOCOL.md B.2 says only Join and Here are acted on before a sender is live; the Ack must be
//! too, since it is what makes the joiner live on the member's side.

use super::{PeerKey, Room};
use crate::body::{Body, Presence};
use crate::entropy::Entropy;
use crate::envelope::Kind;
use crate::identity::session::{Certificate, PresenceMessage, PresenceType};
use crate::ids::{Challenge, DeviceId};
use crate::peer::{Answered, CHALLENGE_MS, Held, Liveness, Profile, Sent};
use crate::room_io::{Outgoing, Step};

impl Room {
    /// Join, Here and Ack, which are acted on before a sender is live. Returns true if the
    /// message was consumed here. Only the signed forms count (docs/PROTOCOL.md I.3): a v1
    /// Join, Here or Ack, or a signed one whose certificate or signature does not check, is
    /// dropped.
    pub(super) fn handshake(
        &mut self,
        key: PeerKey,
        seq: u64,
        presence: &Presence,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) -> bool {
        match presence {
            Presence::SignedJoin { .. } if self.answered_live_lately(key, now_ms) => {}
            Presence::SignedJoin {
                challenge,
                name,
                device_id,
                member_id,
                cert,
                signature,
                ..
            } => {
                let Some(cert) = self.checked(
                    key,
                    *member_id,
                    (*device_id, name, cert),
                    (PresenceType::Join, *challenge, Challenge([0; 16])),
                    signature,
                ) else {
                    return true;
                };
                self.answer_join(
                    key,
                    seq,
                    *challenge,
                    (name, *device_id),
                    cert,
                    now_ms,
                    entropy,
                    step,
                );
            }
            Presence::SignedHere {
                echo,
                challenge,
                name,
                device_id,
                member_id,
                cert,
                signature,
                ..
            } => {
                let Some(cert) = self.checked(
                    key,
                    *member_id,
                    (*device_id, name, cert),
                    (PresenceType::Here, *echo, *challenge),
                    signature,
                ) else {
                    return true;
                };
                self.take_here(
                    key,
                    seq,
                    (*echo, *challenge),
                    (name, *device_id),
                    cert,
                    now_ms,
                    entropy,
                    step,
                );
            }
            Presence::SignedAck { echo, signature } => {
                self.take_ack(key, *echo, signature, now_ms, entropy, step);
            }
            Presence::Join { .. } | Presence::Here { .. } | Presence::Ack { .. } => {}
            Presence::Heartbeat { .. } | Presence::Leave => return false,
        }
        true
    }

    /// A signed Join's or Here's certificate and signature, checked; the session's
    /// certificate if both hold and the body's member id is the DELIVER `from`.
    fn checked(
        &self,
        key: PeerKey,
        member_id: u32,
        (device_id, name, cert): (DeviceId, &str, &[u8]),
        (kind, first, second): (PresenceType, Challenge, Challenge),
        signature: &[u8],
    ) -> Option<Certificate> {
        let peer = self.peers.get(&key)?;
        if member_id != peer.member_id.0 || peer.liveness == Liveness::Gone {
            return None;
        }
        let cert = self.check_cert(key, device_id, name, cert)?;
        let message = PresenceMessage {
            kind,
            room_id: self.keys.room_id(),
            sender: key.1,
            member: peer.member_id,
            first,
            second,
        };
        cert.check_presence(&message, signature.try_into().ok()?)
            .then_some(cert)
    }

    /// A Join that checked: answer with a Here. A live session's Join is a fresh challenge (it
    /// has not met us): answer it, but keep its entry as it is.
    #[allow(clippy::too_many_arguments)]
    fn answer_join(
        &mut self,
        key: PeerKey,
        seq: u64,
        challenge: Challenge,
        (name, device_id): (&str, DeviceId),
        cert: Certificate,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) {
        // Joined implies certified: WELCOME is refused without a certificate.
        let (Some((my_id, _)), Some(my_cert)) = (self.joined, self.cert) else {
            return;
        };
        let ours = Challenge::random(entropy);
        let signature = self.sign(PresenceType::Here, my_id, challenge, ours);
        let here = Presence::SignedHere {
            echo: challenge,
            challenge: ours,
            name: self.name.clone(),
            device_id: self.device_id,
            ts_ms: now_ms,
            member_id: my_id.0,
            cert: my_cert.to_vec(),
            signature: signature.to_vec(),
        };
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        peer.cert = Some(cert);
        if peer.is_live() {
            peer.answered_live_ms = Some(now_ms);
        }
        if let Liveness::Pending { .. } = peer.liveness {
            peer.liveness = Liveness::Pending {
                here: Some(Answered {
                    here: Sent {
                        challenge: ours,
                        at_ms: now_ms,
                    },
                    join_seq: seq,
                    join_challenge: challenge,
                }),
            };
            peer.profile = Some(Profile {
                name: name.to_owned(),
                device_id,
            });
        }
        let to = peer.member_id;
        if let Ok(sealed) = self.seal(Kind::Presence, &here) {
            step.outgoing.push(Outgoing::SendTo(to, sealed));
        }
    }

    /// A Here that checked: if it answers a challenge of ours in time, the session is live
    /// (baseline: this Here) and gets our Ack; otherwise it is asked afresh.
    #[allow(clippy::too_many_arguments)]
    fn take_here(
        &mut self,
        key: PeerKey,
        seq: u64,
        (echo, challenge): (Challenge, Challenge),
        (name, device_id): (&str, DeviceId),
        cert: Certificate,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) {
        let Some((my_id, my_join)) = self.joined else {
            return;
        };
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        if peer.is_live() || peer.liveness == Liveness::Gone {
            return;
        }
        peer.cert = Some(cert);
        let answers_ours = my_join.answered_by(&echo, now_ms)
            || peer
                .asked
                .is_some_and(|asked| asked.answered_by(&echo, now_ms));
        if !answers_ours {
            self.ask(key, now_ms, entropy, step);
            return;
        }
        peer.profile = Some(Profile {
            name: name.to_owned(),
            device_id,
        });
        let to = peer.member_id;
        let released = peer.go_live(seq);
        let signature = self.sign(PresenceType::Ack, my_id, echo, challenge);
        let ack = Presence::SignedAck {
            echo: challenge,
            signature: signature.to_vec(),
        };
        if let Ok(sealed) = self.seal(Kind::Presence, &ack) {
            step.outgoing.push(Outgoing::SendTo(to, sealed));
        }
        self.now_live(key, released, step);
    }

    /// An Ack: live (baseline: the Join we answered) if it echoes our Here's challenge in time
    /// and its signature checks under the certificate of that Join; asked afresh if it is
    /// authentic but late or for another Here.
    fn take_ack(
        &mut self,
        key: PeerKey,
        echo: Challenge,
        signature: &[u8],
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) {
        let room_id = self.keys.room_id();
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        let Liveness::Pending { here } = peer.liveness else {
            return;
        };
        let (Some(answered), Some(cert), Ok(signature)) = (here, peer.cert, signature.try_into())
        else {
            // No Here of ours on record (the entry was forgotten, or the session is new here):
            // an Ack cannot make it live, but asking can.
            self.ask(key, now_ms, entropy, step);
            return;
        };
        let message = PresenceMessage {
            kind: PresenceType::Ack,
            room_id,
            sender: key.1,
            member: peer.member_id,
            first: answered.join_challenge,
            second: echo,
        };
        if !answered.here.answered_by(&echo, now_ms) || !cert.check_presence(&message, signature) {
            // Late, for another Here, or not its signature: ask afresh (at most once per 15 s).
            self.ask(key, now_ms, entropy, step);
            return;
        }
        let released = peer.go_live(answered.join_seq);
        self.now_live(key, released, step);
    }

    /// True if a Join of this live session was answered less than [`CHALLENGE_MS`] ago: a live
    /// session asks at most that often, so more Joins are a flood (each costs three signature
    /// checks and a signature), not a question.
    fn answered_live_lately(&self, key: PeerKey, now_ms: u64) -> bool {
        self.peers.get(&key).is_some_and(|peer| {
            peer.is_live()
                && peer
                    .answered_live_ms
                    .is_some_and(|at| now_ms.saturating_sub(at) <= CHALLENGE_MS)
        })
    }

    /// True while a challenge that can still make `sender` live is unanswered: our own Join (a
    /// member may not have answered it yet), our Here to its Join, or our last question to it.
    /// Envelopes a session sends while one is under way (a chat sent right after a Join, say)
    /// are expected, and prompt no question.
    pub(super) fn handshake_under_way(&self, key: PeerKey, now_ms: u64) -> bool {
        let fresh = |sent: &Sent| now_ms.saturating_sub(sent.at_ms) <= CHALLENGE_MS;
        let Some((_, my_join)) = &self.joined else {
            return false;
        };
        let Some(peer) = self.peers.get(&key) else {
            return false;
        };
        let here = match &peer.liveness {
            Liveness::Pending { here } => {
                here.as_ref().is_some_and(|answered| fresh(&answered.here))
            }
            _ => false,
        };
        fresh(my_join) || here || peer.asked.as_ref().is_some_and(fresh)
    }

    /// Asks a session that is not live, and has not answered a live challenge, with a fresh
    /// Join of its own by SEND_TO, unless one sent to it is still unexpired.
    pub(super) fn ask(
        &mut self,
        key: PeerKey,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) {
        let Some((my_id, _)) = self.joined else {
            return;
        };
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        let pending = matches!(peer.liveness, Liveness::Pending { .. });
        let unexpired = peer
            .asked
            .is_some_and(|asked| now_ms.saturating_sub(asked.at_ms) <= CHALLENGE_MS);
        if !pending || unexpired {
            return;
        }
        let challenge = Challenge::random(entropy);
        peer.asked = Some(Sent {
            challenge,
            at_ms: now_ms,
        });
        let to = peer.member_id;
        if let Ok(join) = self.signed_join(my_id, challenge, now_ms)
            && let Ok(sealed) = self.seal(Kind::Presence, &join)
        {
            step.outgoing.push(Outgoing::SendTo(to, sealed));
        }
    }

    /// A sender just became live: replace an older entry of the same device and the same
    /// identity (a reconnected tab), then act on what it sent while it was pending. Another
    /// identity's session that claims the device id replaces nothing (docs/PROTOCOL.md I).
    fn now_live(&mut self, key: PeerKey, released: Vec<Held>, step: &mut Step) {
        let who = |peer: &crate::peer::Peer| {
            let device = peer.profile.as_ref()?.device_id;
            let identity = *peer.cert.as_ref()?.identity().ik();
            Some((device, identity))
        };
        if let Some(mine) = self.peers.get(&key).and_then(who) {
            self.peers
                .retain(|other, peer| *other == key || who(peer) != Some(mine));
        }
        step.changed();
        for held in released {
            if held.kind == Kind::Presence {
                if let Ok(presence) = Presence::decode(&held.body) {
                    self.presence_from_live(key, &presence, step);
                }
            } else {
                self.act(key, held.kind, held.seq, &held.body, step);
            }
        }
    }

    pub(super) fn presence_from_live(
        &mut self,
        key: PeerKey,
        presence: &Presence,
        step: &mut Step,
    ) {
        let Some(peer) = self.peers.get_mut(&key) else {
            return;
        };
        if let Presence::Leave = presence {
            peer.liveness = Liveness::Gone;
            step.changed();
        }
    }
}
