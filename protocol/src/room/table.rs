//! [`Room`]'s table of other sender sessions: bounded in entries (per room and per
//! connection) and in what it holds for sessions not live yet.

use wire::MemberId;

use super::{LIVENESS_BUFFER_BYTES, MAX_PEERS, PeerKey, Room, SESSIONS_PER_MEMBER};
use crate::peer::Held;

impl Room {
    /// Frees a slot for a new sender session of member `from`: if that member has
    /// [`SESSIONS_PER_MEMBER`] already, or the table is full, the least recently heard session
    /// that is not live (of that member, or of anyone) goes. Returns false if there is none.
    pub(super) fn make_room_for_peer(&mut self, from: MemberId) -> bool {
        let of_member = self.peers.values().filter(|p| p.member_id == from).count();
        let only_from = of_member >= SESSIONS_PER_MEMBER;
        if !only_from && self.peers.len() < MAX_PEERS {
            return true;
        }
        let victim = self
            .peers
            .iter()
            .filter(|(_, peer)| !peer.is_live() && (!only_from || peer.member_id == from))
            .min_by_key(|(_, peer)| peer.last_heard_ms)
            .map(|(key, _)| *key);
        match victim {
            Some(key) => self.peers.remove(&key).is_some(),
            None => false,
        }
    }

    /// Holds an envelope of a session that is not live yet, within the room's byte budget
    /// ([`LIVENESS_BUFFER_BYTES`]) after dropping what is older than the 5 s buffer.
    pub(super) fn hold(&mut self, key: PeerKey, held: Held) {
        let now_ms = held.received_ms;
        let mut total = 0;
        for peer in self.peers.values_mut() {
            peer.expire_held(now_ms);
            total += peer.held_bytes();
        }
        if total + held.body.len() > LIVENESS_BUFFER_BYTES {
            return;
        }
        if let Some(peer) = self.peers.get_mut(&key) {
            peer.hold(held);
        }
    }
}
