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
//! baseline is accepted, so a relay cannot replay an old session to anyone.
//!
//! PROTOCOL.md B.2 says only Join and Here are acted on before a sender is live; the Ack must be
//! too, since it is what makes the joiner live on the member's side.

use super::Room;
use crate::body::{Body, Presence};
use crate::entropy::Entropy;
use crate::envelope::Kind;
use crate::ids::{Challenge, SenderId};
use crate::peer::{Held, Liveness, Profile};
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
        let Some((my_id, my_challenge)) = self.joined else {
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
                // A session joins once; a Join from a live or departed session is ignored, as is
                // one whose member_id disagrees with the DELIVER `from`.
                if *member_id != peer.member_id.0
                    || !matches!(peer.liveness, Liveness::Pending { .. })
                {
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
                peer.liveness = Liveness::Pending {
                    challenge: Some((ours, seq)),
                };
                peer.profile = Some(Profile {
                    name: name.clone(),
                    device_id: *device_id,
                });
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
                    || *echo != my_challenge
                    || peer.is_live()
                    || peer.liveness == Liveness::Gone
                {
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
                let Liveness::Pending {
                    challenge: Some((ours, join_seq)),
                } = peer.liveness
                else {
                    return true;
                };
                if *echo != ours {
                    return true;
                }
                let released = peer.go_live(join_seq);
                self.now_live(sender, released, step);
                true
            }
            Presence::Heartbeat { .. } | Presence::Leave => false,
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
