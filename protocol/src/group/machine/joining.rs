//! Getting into the group (docs/PROTOCOL.md R.4, R.7): making it alone, knocking, the answer,
//! the Welcome, and what a STATUS says about whose group wins. A member that hears of a greater
//! group knocks into it while keeping its own, and moves only once a Welcome arrives: a STATUS
//! nobody can back with a Welcome changes nothing.

use wire::MemberId;

use super::{Answered, Knock, MAX_SHUNNED, Machine, Phase, REJOIN_ATTEMPTS, REJOIN_DOUBT_MS};
use crate::entropy::Entropy;
use crate::group::PayloadError;
use crate::group::credential::GroupId;
use crate::group::join::{Ends, Ephemeral, JoinChannel, Status};
use crate::group::member::GroupMember;
use crate::group::output::{GroupEvent, Output};

impl Machine {
    pub(super) fn create(&mut self, entropy: &mut dyn Entropy, output: &mut Output) {
        let mut id = [0; 16];
        entropy.fill(&mut id);
        self.knock = None;
        if let Some(unsigned) = self.unsigned(GroupId(id), entropy) {
            self.phase = Phase::Creating(Box::new(unsigned));
            output.event(GroupEvent::SignatureNeeded);
        }
    }

    pub(super) fn knock(
        &mut self,
        attempt: u8,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) {
        let Some(me) = self.me else {
            self.knock = None;
            return;
        };
        if matches!(self.phase, Phase::Creating(_)) {
            self.phase = Phase::Outside;
        }
        let eph = Ephemeral::generate(entropy);
        output.send(None, self.join.knock(me, attempt, &eph.public()));
        self.knock = Some(Knock {
            attempt,
            eph,
            started_ms: now_ms,
            answer: None,
        });
    }

    /// The attempt under way ran out (or its answerer left): the next one, or, for a member
    /// asking into a greater group, giving up after [`REJOIN_ATTEMPTS`].
    pub(super) fn next_attempt(
        &mut self,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) {
        let Some(knock) = self.knock.take() else {
            return;
        };
        if let Some(answered) = &knock.answer
            && self.shunned.len() < MAX_SHUNNED
        {
            self.shunned.insert(answered.channel.ends().d);
        }
        let attempt = knock.attempt.wrapping_add(1);
        if matches!(self.phase, Phase::Member(_)) && attempt >= REJOIN_ATTEMPTS {
            self.doubt_until_ms = now_ms + REJOIN_DOUBT_MS;
            self.shunned.clear();
            output.event(GroupEvent::MembersChanged);
            return;
        }
        self.knock(attempt, now_ms, entropy, output);
    }

    pub(super) fn answered(
        &mut self,
        from: MemberId,
        e_n: [u8; 32],
        e_d: [u8; 32],
        sealed: &[u8],
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) -> Result<(), PayloadError> {
        let (Some(knock), Some(me)) = (self.knock.as_mut(), self.me) else {
            return Err(PayloadError);
        };
        if knock.answer.is_some() || knock.eph.public() != e_n || self.shunned.contains(&from) {
            // Not this attempt's, a second answer to it (the first one is used), or from an
            // answerer that let an earlier attempt run out.
            return Ok(());
        }
        let ends = Ends {
            n: me,
            d: from,
            e_n,
            e_d,
        };
        let channel = JoinChannel::derive(&self.join, &knock.eph, ends).ok_or(PayloadError)?;
        let (group, epoch) = channel.open_answer(sealed)?;
        // Asking into a greater group: an answer from where this member already is (its own
        // group, not ahead) is no way in.
        if self
            .group()
            .is_some_and(|g| g.id() == group && g.epoch() >= epoch)
        {
            return Ok(());
        }
        let unsigned = self.unsigned(group, entropy);
        if let Some(knock) = self.knock.as_mut() {
            knock.answer = Some(Box::new(Answered {
                channel,
                group,
                unsigned,
                device: None,
            }));
        }
        output.event(GroupEvent::SignatureNeeded);
        Ok(())
    }

    pub(super) fn welcomed(
        &mut self,
        from: MemberId,
        e_n: [u8; 32],
        sealed: &[u8],
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) -> Result<(), PayloadError> {
        let Some(answered) = self.knock.as_mut().and_then(|k| k.answer.as_mut()) else {
            return Err(PayloadError);
        };
        let ends = answered.channel.ends();
        if ends.d != from || ends.e_n != e_n {
            return Err(PayloadError);
        }
        let welcome = answered.channel.open_welcome(sealed)?;
        let device = answered.device.as_ref().ok_or(PayloadError)?;
        let room = device
            .join(&welcome, now_ms / 1000)
            .map_err(|_| PayloadError)?;
        if room.id() != answered.group {
            return Err(PayloadError);
        }
        if matches!(self.phase, Phase::Member(_)) {
            output.event(GroupEvent::Rejoining);
        }
        self.enter(
            GroupMember::new(room, now_ms, entropy),
            true,
            now_ms,
            output,
        );
        Ok(())
    }

    pub(super) fn status(
        &mut self,
        from: MemberId,
        status: Status,
        now_ms: u64,
        entropy: &mut dyn Entropy,
        output: &mut Output,
    ) {
        match &mut self.phase {
            Phase::Member(member) => {
                let Some(own) = member.status() else { return };
                if status.beats(&own) {
                    // Knock into the greater group, keeping this one until a Welcome comes.
                    if self.knock.is_none() && now_ms >= self.doubt_until_ms {
                        output.event(GroupEvent::MembersChanged);
                        self.knock(0, now_ms, entropy, output);
                    }
                } else if own.beats(&status)
                    && let Some(me) = self.me
                {
                    output.send(
                        Some(from),
                        self.join.status(me, own.group, own.epoch, own.branch),
                    );
                }
            }
            Phase::Creating(_) | Phase::Outside => {
                self.lonely_since_ms = None;
                match &self.knock {
                    None if self.me.is_some() => self.knock(0, now_ms, entropy, output),
                    // Someone has a group: knock again at once if this attempt went unanswered
                    // (say, it came before that group existed).
                    Some(knock) if knock.answer.is_none() && now_ms >= knock.started_ms + 1_000 => {
                        let attempt = knock.attempt.wrapping_add(1);
                        self.knock(attempt, now_ms, entropy, output);
                    }
                    _ => {}
                }
            }
            Phase::Removed => {}
        }
    }
}
