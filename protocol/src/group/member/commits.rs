//! A member's commits (docs/PROTOCOL.md R.4, R.5, R.8): answering knocks, adding what
//! newcomers requested, removals, and applying a commit once its PONG shows it came first.

use std::collections::BTreeSet;

use wire::MemberId;

use super::{Add, Answering, GroupMember, MAX_ANSWERING, Pending};
use crate::entropy::Entropy;
use crate::group::body::{GroupBody, MovedSecret};
use crate::group::join::{Ends, Ephemeral, JoinChannel, JoinKeys, PayloadError, VERSION, kind};
use crate::group::output::{GroupEvent, Out, Output};

impl GroupMember {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn knocked(
        &mut self,
        join: &JoinKeys,
        me: MemberId,
        from: MemberId,
        attempt: u8,
        e_n: [u8; 32],
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) -> Result<(), PayloadError> {
        let live = self.live();
        let designated = live.get(usize::from(attempt) % live.len().max(1)).copied();
        if designated != Some(self.group.own_index()) {
            return Ok(());
        }
        if self.answering.keys().any(|(n, _)| *n == from)
            && self.answering.values().any(|a| a.attempt == attempt)
        {
            return Ok(());
        }
        if self.answering.len() >= MAX_ANSWERING {
            return Ok(());
        }
        let eph = Ephemeral::generate(entropy);
        let ends = Ends {
            n: from,
            d: me,
            e_n,
            e_d: eph.public(),
        };
        let channel = JoinChannel::derive(join, &eph, ends).ok_or(PayloadError)?;
        output.send(
            Some(from),
            channel.answer(self.group.id(), self.group.epoch())?,
        );
        self.answering.insert(
            (from, e_n),
            Answering {
                channel,
                attempt,
                at_ms: now_ms,
            },
        );
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn requested(
        &mut self,
        from: MemberId,
        e_n: [u8; 32],
        sealed: &[u8],
        now_ms: u64,
        _me: MemberId,
        next_ping: &mut u32,
        output: &mut Output,
    ) -> Result<(), PayloadError> {
        let answering = self.answering.get(&(from, e_n)).ok_or(PayloadError)?;
        let key_package = answering.channel.open_request(sealed)?;
        let leaf_identity = self
            .group
            .key_package_identity(&key_package)
            .map_err(|_| PayloadError)?;
        self.adds
            .retain(|a| a.leaf_identity != leaf_identity && a.newcomer != from);
        self.adds.push(Add {
            newcomer: from,
            e_n,
            key_package,
            leaf_identity,
        });
        let _ = now_ms;
        self.commit(next_ping, output);
        Ok(())
    }

    pub(crate) fn remove(&mut self, leaf: u32, next_ping: &mut u32, output: &mut Output) {
        if leaf == self.group.own_index() || self.group.leaf(leaf).is_none() {
            return;
        }
        self.removes.insert(leaf);
        self.removes_by_person = true;
        self.commit(next_ping, output);
    }

    /// Commits what waits, if nothing is pending (R.5).
    pub(super) fn commit(&mut self, next_ping: &mut u32, output: &mut Output) {
        if self.pending.is_some() || (self.adds.is_empty() && self.removes.is_empty()) {
            return;
        }
        let own = self.group.own_index();
        let mut removes: BTreeSet<u32> = self
            .removes
            .iter()
            .copied()
            .filter(|index| *index != own && self.group.leaf(*index).is_some())
            .collect();
        // A device that comes back replaces its old leaf (R.2, R.7).
        for add in &self.adds {
            for leaf in self.group.leaves() {
                if leaf.credential.leaf_identity() == add.leaf_identity && leaf.index != own {
                    removes.insert(leaf.index);
                }
            }
        }
        let adds = core::mem::take(&mut self.adds);
        let by_person = core::mem::take(&mut self.removes_by_person);
        self.removes.clear();
        let key_packages: Vec<Vec<u8>> = adds.iter().map(|a| a.key_package.clone()).collect();
        let removes: Vec<u32> = removes.into_iter().collect();
        // A KeyPackage the group refuses (each was checked on arrival, so this is rare) drops
        // this batch: its newcomers knock again.
        if let Ok(commit) = self.group.commit(&key_packages, &removes) {
            output.send(None, [&[VERSION, kind::MLS][..], &commit.message].concat());
            let nonce = *next_ping;
            *next_ping = next_ping.wrapping_add(1);
            output.out.push(Out::Ping(nonce));
            self.pending = Some(Pending {
                nonce,
                welcome: commit.welcome,
                adds,
                removes,
                by_person,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pong(
        &mut self,
        join: &JoinKeys,
        me: MemberId,
        nonce: u32,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        next_ping: &mut u32,
        output: &mut Output,
    ) {
        let Some(pending) = self.pending.take_if(|p| p.nonce == nonce) else {
            return;
        };
        let before = self.group.leaves().to_vec();
        if self.group.apply_pending().is_err() {
            return;
        }
        if let Some(welcome) = &pending.welcome {
            for add in &pending.adds {
                if let Some(answering) = self.answering.remove(&(add.newcomer, add.e_n))
                    && let Ok(payload) = answering.channel.welcome(welcome)
                {
                    output.send(Some(add.newcomer), payload);
                }
            }
        }
        let own = self.group.own_index();
        let by = before
            .iter()
            .find(|l| l.index == own)
            .map(|l| l.credential.clone());
        for index in &pending.removes {
            self.peers.remove(index);
            if let (Some(who), Some(by)) = (before.iter().find(|l| l.index == *index), by.clone())
                && pending.by_person
            {
                output.event(GroupEvent::MemberRemoved {
                    who: who.credential.clone(),
                    by,
                });
            }
        }
        output.event(GroupEvent::MembersChanged);
        if pending.by_person {
            let mut secret = [0; 32];
            entropy.fill(&mut secret);
            let moved = MovedSecret(secret);
            if let Ok(payload) = self.seal(&GroupBody::Moved {
                secret: moved.clone(),
            }) {
                output.send(None, payload);
                output.event(GroupEvent::Moved(moved));
            }
        }
        let _ = (join, me, now_ms);
        self.commit(next_ping, output);
    }

    pub(super) fn requeue(&mut self, pending: Pending) {
        for add in pending.adds {
            if !self
                .adds
                .iter()
                .any(|a| a.leaf_identity == add.leaf_identity)
            {
                self.adds.push(add);
            }
        }
        self.removes.extend(pending.removes);
        self.removes_by_person |= pending.by_person;
    }
}
