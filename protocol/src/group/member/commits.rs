//! A member's commits (docs/PROTOCOL.md R.4, R.5, R.8): answering knocks, adding what
//! newcomers requested, removals, and applying a commit once its PONG shows it came first.

use wire::MemberId;

use super::{Add, Answering, GroupMember, MAX_ANSWERING, Pending};
use crate::entropy::Entropy;
use crate::group::join::{Ends, Ephemeral, JoinChannel, JoinKeys, PayloadError, VERSION, kind};
use crate::group::mls::{Leaf, RoomGroup};
use crate::group::output::{Out, Output};

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
        // One channel per knocker: its newer attempt replaces an older one; the same attempt
        // again (a replay) is not answered twice.
        if self
            .answering
            .iter()
            .any(|((n, _), a)| *n == from && a.attempt == attempt)
        {
            return Ok(());
        }
        self.answering.retain(|(n, _), _| *n != from);
        // Full: the oldest gives way, so a flood churns the map rather than closing it.
        if self.answering.len() >= MAX_ANSWERING
            && let Some(oldest) = self
                .answering
                .iter()
                .min_by_key(|(_, a)| a.at_ms)
                .map(|(key, _)| *key)
        {
            self.answering.remove(&oldest);
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

    pub(crate) fn requested(
        &mut self,
        from: MemberId,
        e_n: [u8; 32],
        sealed: &[u8],
        next_ping: &mut u32,
        output: &mut Output,
    ) -> Result<(), PayloadError> {
        let answering = self.answering.get(&(from, e_n)).ok_or(PayloadError)?;
        let key_package = answering.channel.open_request(sealed)?;
        let leaf_identity = self
            .group
            .key_package_identity(&key_package)
            .map_err(|_| PayloadError)?;
        // A REQUEST again (a replay) while its Add waits for the PONG: nothing more to do.
        let pending = self
            .pending
            .as_ref()
            .is_some_and(|p| p.adds.iter().any(|a| a.newcomer == from && a.e_n == e_n));
        if pending {
            return Ok(());
        }
        self.adds
            .retain(|a| a.leaf_identity != leaf_identity && a.newcomer != from);
        self.adds.push(Add {
            newcomer: from,
            e_n,
            key_package,
            leaf_identity,
        });
        self.commit(next_ping, output);
        Ok(())
    }

    pub(crate) fn remove(&mut self, leaf: u32, next_ping: &mut u32, output: &mut Output) {
        if leaf == self.group.own_index() || self.group.leaf(leaf).is_none() {
            return;
        }
        self.person_removes.insert(leaf);
        self.commit(next_ping, output);
    }

    /// Commits what waits, if nothing is pending (R.5). A person's removals go in a commit of
    /// their own, marked (R.8); newcomers and the group's own removals (leaves gone too long,
    /// a device's old leaf) in another.
    pub(super) fn commit(&mut self, next_ping: &mut u32, output: &mut Output) {
        if self.pending.is_some() {
            return;
        }
        let own = self.group.own_index();
        let exists = |group: &RoomGroup, index: &u32| *index != own && group.leaf(*index).is_some();
        self.person_removes.retain(|i| exists(&self.group, i));
        self.removes.retain(|i| exists(&self.group, i));
        let (adds, removes, by_person) = if self.person_removes.is_empty() {
            let mut removes = core::mem::take(&mut self.removes);
            // A device that comes back replaces its old leaf (R.2, R.7).
            for add in &self.adds {
                for leaf in self.group.leaves() {
                    if leaf.credential.leaf_identity() == add.leaf_identity && leaf.index != own {
                        removes.insert(leaf.index);
                    }
                }
            }
            (core::mem::take(&mut self.adds), removes, false)
        } else {
            (Vec::new(), core::mem::take(&mut self.person_removes), true)
        };
        // A renewal (R.11) rides on any commit of ours: each carries a path.
        let update = core::mem::take(&mut self.update_due);
        if adds.is_empty() && removes.is_empty() && !update {
            return;
        }
        let key_packages: Vec<Vec<u8>> = adds.iter().map(|a| a.key_package.clone()).collect();
        let removes: Vec<u32> = removes.into_iter().collect();
        // A KeyPackage the group refuses (each was checked on arrival, so this is rare) drops
        // this batch: its newcomers knock again.
        if let Ok(commit) = self.group.commit(&key_packages, &removes, by_person) {
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
                update,
            });
        }
    }

    /// The relay's PONG: a pending commit that nothing overtook is the group's (R.5).
    pub(crate) fn pong(&mut self, nonce: u32, next_ping: &mut u32, output: &mut Output) {
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
            .map(|l| l.credential.clone())
            .filter(|_| pending.by_person);
        let removed: Vec<Leaf> = before
            .iter()
            .filter(|l| pending.removes.contains(&l.index))
            .cloned()
            .collect();
        let added: Vec<Leaf> = self
            .group
            .leaves()
            .iter()
            .filter(|l| !before.contains(l))
            .cloned()
            .collect();
        self.committed(&added, &removed, by, output);
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
        self.update_due |= pending.update;
        if pending.by_person {
            self.person_removes.extend(pending.removes);
        } else {
            self.removes.extend(pending.removes);
        }
    }
}
