//! Private conversations over time: openings that never completed are given up and tried
//! again, and the room's messages about private conversations are taken out of what the room
//! shows.

use super::OPENING_TTL_MS;
use crate::entropy::Entropy;
use crate::group::body::GroupBody;
use crate::group::machine::{Machine, Phase};
use crate::group::output::{GroupEvent, Output};

impl Machine {
    /// Drops openings that never completed, and opens again where messages still wait.
    pub(in crate::group::machine) fn expire_private(
        &mut self,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) {
        let mut reopen = Vec::new();
        for (peer, pair) in &mut self.privates.pairs {
            if pair
                .opening
                .as_ref()
                .is_some_and(|o| now_ms >= o.at_ms + OPENING_TTL_MS)
            {
                pair.opening = None;
            }
            if pair.opening.is_none() && pair.groups.is_empty() && !pair.waiting.is_empty() {
                reopen.push(peer.clone());
            }
        }
        if matches!(self.phase, Phase::Member(_)) && self.me.is_some() {
            for peer in reopen {
                self.open(peer, now_ms, entropy, output);
            }
        }
    }

    /// After a room message: private set-up messages are handled here, not shown, and what
    /// waits goes out to whoever just said where they are.
    pub(in crate::group::machine) fn after_room_message(
        &mut self,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) {
        let events = core::mem::take(&mut output.events);
        for event in events {
            match event {
                GroupEvent::Message {
                    credential,
                    body:
                        body @ (GroupBody::PrivateAsk { .. }
                        | GroupBody::PrivateKeyPackage { .. }
                        | GroupBody::PrivateWelcome { .. }
                        | GroupBody::PrivateReset { .. }),
                    ..
                } => self.private_setup(credential.leaf_identity(), body, now_ms, entropy, output),
                GroupEvent::MembersChanged => {
                    output.event(GroupEvent::MembersChanged);
                    self.flush_all_private(now_ms, output);
                }
                other => output.event(other),
            }
        }
    }
}
