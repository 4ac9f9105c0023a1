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

use super::Room;
use crate::body::{Body, Presence};
use crate::entropy::Entropy;
use crate::envelope::Kind;
use crate::ids::{Challenge, SenderId};
use crate::peer::{CHALLENGE_MS, Held, Liveness, Profile, Sent};
use crate::room_io::{Outgoing, Step};

impl Room {
    /// Join, Here and Ack, which are acted on before a sender is live. Returns true if the
    /// message was consumed here.
    pub(super) fn handshake(
        &mut self,
        sender: SenderId,
        seq: u64,
        presence: &Presence,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) -> bool {
        let Some((my_id, my_join)) = self.joined else {
            return true;
        };
        let Some(peer) = self.peers.get_mut(&sender) else {
            return true;
        };
        match presence {
            Presence::Join {
                challenge,
                name,
                device_id,
                member_id,
                ..
            } => {
                // A Join whose member_id disagrees with the DELIVER `from`, or from a session
                // that left, is ignored. A live session's Join is a fresh challenge (it has not
                // met us): answer it, but keep its entry as it is.
                if *member_id != peer.member_id.0 || peer.liveness == Liveness::Gone {
                    return true;
                }
                let ours = Challenge::random(entropy);
                let here = Presence::Here {
                    echo: *challenge,
                    challenge: ours,
                    name: self.name.clone(),
                    device_id: self.device_id,
                    ts_ms: now_ms,
                    member_id: my_id.0,
                };
                if let Liveness::Pending { .. } = peer.liveness {
                    let sent = Sent {
                        challenge: ours,
                        at_ms: now_ms,
                    };
                    peer.liveness = Liveness::Pending {
                        here: Some((sent, seq)),
                    };
                    peer.profile = Some(Profile {
                        name: name.clone(),
                        device_id: *device_id,
                    });
                }
                let to = peer.member_id;
                if let Ok(sealed) = self.seal(Kind::Presence, &here) {
                    step.outgoing.push(Outgoing::SendTo(to, sealed));
                }
                true
            }
            Presence::Here {
                echo,
                challenge,
                name,
                device_id,
                member_id,
                ..
            } => {
                if *member_id != peer.member_id.0
                    || peer.is_live()
                    || peer.liveness == Liveness::Gone
                {
                    return true;
                }
                let answers_ours = my_join.answered_by(echo, now_ms)
                    || peer
                        .asked
                        .is_some_and(|asked| asked.answered_by(echo, now_ms));
                if !answers_ours {
                    self.ask(sender, now_ms, entropy, step);
                    return true;
                }
                peer.profile = Some(Profile {
                    name: name.clone(),
                    device_id: *device_id,
                });
                let to = peer.member_id;
                let released = peer.go_live(seq);
                let ack = Presence::Ack { echo: *challenge };
                if let Ok(sealed) = self.seal(Kind::Presence, &ack) {
                    step.outgoing.push(Outgoing::SendTo(to, sealed));
                }
                self.now_live(sender, released, step);
                true
            }
            Presence::Ack { echo } => {
                let Liveness::Pending { here } = peer.liveness else {
                    return true;
                };
                match here {
                    Some((sent, join_seq)) if sent.answered_by(echo, now_ms) => {
                        let released = peer.go_live(join_seq);
                        self.now_live(sender, released, step);
                    }
                    _ => self.ask(sender, now_ms, entropy, step),
                }
                true
            }
            Presence::Heartbeat { .. } | Presence::Leave => false,
        }
    }

    /// True while a challenge that can still make `sender` live is unanswered: our own Join (a
    /// member may not have answered it yet), our Here to its Join, or our last question to it.
    /// Envelopes a session sends while one is under way (a chat sent right after a Join, say)
    /// are expected, and prompt no question.
    pub(super) fn handshake_under_way(&self, sender: SenderId, now_ms: u64) -> bool {
        let fresh = |sent: &Sent| now_ms.saturating_sub(sent.at_ms) <= CHALLENGE_MS;
        let Some((_, my_join)) = &self.joined else {
            return false;
        };
        let Some(peer) = self.peers.get(&sender) else {
            return false;
        };
        let here = match &peer.liveness {
            Liveness::Pending { here } => here.as_ref().is_some_and(|(sent, _)| fresh(sent)),
            _ => false,
        };
        fresh(my_join) || here || peer.asked.as_ref().is_some_and(fresh)
    }

    /// Asks a session that is not live, and has not answered a live challenge, with a fresh
    /// Join of its own by SEND_TO, unless one sent to it is still unexpired.
    pub(super) fn ask(
        &mut self,
        sender: SenderId,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        step: &mut Step,
    ) {
        let Some((my_id, _)) = self.joined else {
            return;
        };
        let Some(peer) = self.peers.get_mut(&sender) else {
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
        let join = Presence::Join {
            challenge,
            name: self.name.clone(),
            device_id: self.device_id,
            ts_ms: now_ms,
            member_id: my_id.0,
        };
        if let Ok(sealed) = self.seal(Kind::Presence, &join) {
            step.outgoing.push(Outgoing::SendTo(to, sealed));
        }
    }

    /// A sender just became live: replace an older entry of the same device, then act on what
    /// it sent while it was pending.
    fn now_live(&mut self, sender: SenderId, released: Vec<Held>, step: &mut Step) {
        let device = self
            .peers
            .get(&sender)
            .and_then(|peer| peer.profile.as_ref())
            .map(|profile| profile.device_id);
        if let Some(device) = device {
            self.peers.retain(|other, peer| {
                *other == sender || peer.profile.as_ref().map(|p| p.device_id) != Some(device)
            });
        }
        step.changed();
        for held in released {
            if held.kind == Kind::Presence {
                if let Ok(presence) = Presence::decode(&held.body) {
                    self.presence_from_live(sender, &presence, step);
                }
            } else {
                self.act(sender, held.kind, held.seq, &held.body, step);
            }
        }
    }

    pub(super) fn presence_from_live(
        &mut self,
        sender: SenderId,
        presence: &Presence,
        step: &mut Step,
    ) {
        let Some(peer) = self.peers.get_mut(&sender) else {
            return;
        };
        if let Presence::Leave = presence {
            peer.liveness = Liveness::Gone;
            step.changed();
        }
    }
}
