//! Getting into the group (docs/PROTOCOL.md R.4, R.7): making it alone, knocking, the answer,
//! the Welcome, and what a STATUS says about whose group wins.

use wire::MemberId;

use super::{Answered, Knock, Machine, Phase};
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
        if let Some(unsigned) = self.unsigned(GroupId(id), entropy) {
            self.phase = Phase::Creating(unsigned);
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
            self.phase = Phase::Outside;
            return;
        };
        let eph = Ephemeral::generate(entropy);
        output.send(None, self.join.knock(me, attempt, &eph.public()));
        self.phase = Phase::Knocking(Knock {
            attempt,
            eph,
            started_ms: now_ms,
            answer: None,
        });
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
        let (Phase::Knocking(knock), Some(me)) = (&mut self.phase, self.me) else {
            return Err(PayloadError);
        };
        if knock.answer.is_some() || knock.eph.public() != e_n {
            // Not this attempt's, or a second answer to it: the first one is used.
            return Ok(());
        }
        let ends = Ends {
            n: me,
            d: from,
            e_n,
            e_d,
        };
        let channel = JoinChannel::derive(&self.join, &knock.eph, ends).ok_or(PayloadError)?;
        let (group, _epoch) = channel.open_answer(sealed)?;
        let answered = Answered {
            channel,
            group,
            unsigned: None,
            device: None,
        };
        knock.answer = Some(Box::new(answered));
        let unsigned = self.unsigned(group, entropy);
        if let Phase::Knocking(Knock {
            answer: Some(answered),
            ..
        }) = &mut self.phase
        {
            answered.unsigned = unsigned;
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
        let Phase::Knocking(Knock {
            answer: Some(answered),
            ..
        }) = &mut self.phase
        else {
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
        self.enter(GroupMember::new(room, now_ms, entropy), now_ms, output);
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
                    output.event(GroupEvent::Rejoining);
                    output.event(GroupEvent::MembersChanged);
                    self.knock(0, now_ms, entropy, output);
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
                if self.me.is_some() {
                    self.knock(0, now_ms, entropy, output);
                }
            }
            Phase::Knocking(knock) => {
                self.lonely_since_ms = None;
                // Someone has a group: knock again at once if this attempt went unanswered
                // (say, it came before that group existed).
                if knock.answer.is_none() && now_ms >= knock.started_ms + 1_000 {
                    let attempt = knock.attempt.wrapping_add(1);
                    self.knock(attempt, now_ms, entropy, output);
                }
            }
            Phase::Removed => {}
        }
    }
}
