//! A relay in memory for [`Room`]s: it forwards in order, or lets a test decide the fate of
//! every frame (deliver, drop, hold back), and records every DELIVER it made and every envelope
//! a member sent, so a test can replay them later.

use std::collections::VecDeque;
use std::rc::Rc;

use protocol::MemberId;
use protocol::identity::IdentitySigner;
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use protocol::room::Room;
use protocol::room_io::{Event, Outgoing, Step};

use super::SeededEntropy;

/// What a hostile relay does with one frame on its way from `from` to `to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    Deliver,
    Drop,
    /// Kept in [`Relay::held`], for the test to deliver later (or never).
    Hold,
}

/// One frame in flight: from, to, the payload.
pub type Frame = (MemberId, MemberId, Vec<u8>);

pub struct Relay {
    pub members: Vec<(MemberId, Room)>,
    pub queue: VecDeque<(MemberId, Outgoing)>,
    /// Every DELIVER made, in order.
    pub log: Vec<Frame>,
    /// Every envelope a member sent, in order, whatever became of it.
    pub sent: Vec<(MemberId, Outgoing)>,
    /// Frames held back by [`Fate::Hold`].
    pub held: Vec<Frame>,
    pub events: Vec<(MemberId, Event)>,
    pub entropy: SeededEntropy,
    pub now: u64,
}

impl Relay {
    pub fn new(seed: u64) -> Self {
        Self {
            members: Vec::new(),
            queue: VecDeque::new(),
            log: Vec::new(),
            sent: Vec::new(),
            held: Vec::new(),
            events: Vec::new(),
            entropy: SeededEntropy::new(seed),
            now: 1_000_000,
        }
    }

    /// A member joins and the relay forwards faithfully until the room is quiet.
    pub fn join(&mut self, secret: &RoomSecret, name: &str, device: u8, id: u32) -> MemberId {
        self.join_with(secret, name, device, id, |_, _, _| Fate::Deliver)
    }

    /// A member joins, and `fate` decides about every frame until the room is quiet.
    pub fn join_with(
        &mut self,
        secret: &RoomSecret,
        name: &str,
        device: u8,
        id: u32,
        fate: impl FnMut(MemberId, MemberId, &[u8]) -> Fate,
    ) -> MemberId {
        let device = DeviceId([device; 16]);
        self.join_as(secret, name, device, super::identity(device), id, fate)
    }

    /// A member with the given device id and identity joins; `fate` decides about every frame.
    pub fn join_as(
        &mut self,
        secret: &RoomSecret,
        name: &str,
        device: DeviceId,
        identity: Rc<dyn IdentitySigner>,
        id: u32,
        fate: impl FnMut(MemberId, MemberId, &[u8]) -> Fate,
    ) -> MemberId {
        let id = MemberId(id);
        let mut room =
            Room::with_signer(secret, name, device, &*identity, &mut self.entropy).unwrap();
        let step = room.welcome(id, self.now, &mut self.entropy).unwrap();
        self.members.push((id, room));
        self.take(id, step);
        self.run_with(fate);
        id
    }

    pub fn take(&mut self, from: MemberId, step: Step) {
        for out in step.outgoing {
            self.sent.push((from, out.clone()));
            self.queue.push_back((from, out));
        }
        for event in step.events {
            self.events.push((from, event));
        }
    }

    /// Forwards everything queued, faithfully and in order.
    pub fn run(&mut self) {
        self.run_with(|_, _, _| Fate::Deliver);
    }

    /// Forwards everything queued (and what that prompts), as `fate` decides frame by frame.
    pub fn run_with(&mut self, mut fate: impl FnMut(MemberId, MemberId, &[u8]) -> Fate) {
        while let Some((from, out)) = self.queue.pop_front() {
            let (targets, payload): (Vec<MemberId>, Vec<u8>) = match out {
                Outgoing::Broadcast(p) => (
                    self.members
                        .iter()
                        .map(|m| m.0)
                        .filter(|m| *m != from)
                        .collect(),
                    p,
                ),
                Outgoing::SendTo(to, p) => (vec![to], p),
            };
            for to in targets {
                match fate(from, to, &payload) {
                    Fate::Deliver => {
                        self.deliver(to, from, &payload);
                    }
                    Fate::Drop => {}
                    Fate::Hold => self.held.push((from, to, payload.clone())),
                }
            }
        }
    }

    /// Delivers one payload now, as the relay would; true if the member accepted it.
    pub fn deliver(&mut self, to: MemberId, from: MemberId, payload: &[u8]) -> bool {
        let now = self.now;
        let Some(index) = self.members.iter().position(|m| m.0 == to) else {
            return false;
        };
        self.log.push((from, to, payload.to_vec()));
        let result = self.members[index]
            .1
            .deliver(from, payload, now, &mut self.entropy);
        match result {
            Ok(step) => {
                self.take(to, step);
                true
            }
            Err(_) => false,
        }
    }

    pub fn room(&mut self, id: MemberId) -> &mut Room {
        &mut self.members.iter_mut().find(|m| m.0 == id).unwrap().1
    }

    /// Time passes for everyone; the relay forwards faithfully.
    pub fn tick(&mut self, advance_ms: u64) {
        self.tick_with(advance_ms, |_, _, _| Fate::Deliver);
    }

    /// Time passes for everyone; `fate` decides about every frame.
    pub fn tick_with(
        &mut self,
        advance_ms: u64,
        fate: impl FnMut(MemberId, MemberId, &[u8]) -> Fate,
    ) {
        self.now += advance_ms;
        let now = self.now;
        for i in 0..self.members.len() {
            let id = self.members[i].0;
            let step = self.members[i].1.tick(now, &mut self.entropy).unwrap();
            self.take(id, step);
        }
        self.run_with(fate);
    }

    /// `from` sends a chat; the relay forwards faithfully.
    pub fn chat(&mut self, from: MemberId, text: &str) -> Outgoing {
        self.chat_with(from, text, |_, _, _| Fate::Deliver)
    }

    /// `from` sends a chat; `fate` decides about every frame.
    pub fn chat_with(
        &mut self,
        from: MemberId,
        text: &str,
        fate: impl FnMut(MemberId, MemberId, &[u8]) -> Fate,
    ) -> Outgoing {
        let now = self.now;
        let mut entropy = SeededEntropy::new(self.entropy.next_u64());
        let (out, _) = self.room(from).send_chat(text, now, &mut entropy).unwrap();
        self.sent.push((from, out.clone()));
        self.queue.push_back((from, out.clone()));
        self.run_with(fate);
        out
    }

    pub fn chats_seen_by(&self, id: MemberId) -> Vec<String> {
        self.events
            .iter()
            .filter(|(m, _)| *m == id)
            .filter_map(|(_, e)| match e {
                Event::Chat { chat, .. } => Some(chat.text.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn names_seen_by(&mut self, id: MemberId) -> Vec<(String, bool)> {
        self.room(id)
            .members()
            .into_iter()
            .map(|m| (m.name, m.online))
            .collect()
    }

    /// Time passes in heartbeat-sized steps, with the relay forwarding faithfully.
    pub fn wait(&mut self, ms: u64) {
        for _ in 0..ms.div_ceil(protocol::room::HEARTBEAT_MS) {
            self.tick(protocol::room::HEARTBEAT_MS);
        }
    }

    /// Whether `who` lists someone called `name` as online.
    pub fn sees(&mut self, who: MemberId, name: &str) -> bool {
        self.names_seen_by(who)
            .iter()
            .any(|(n, online)| n == name && *online)
    }

    /// A member joins while the relay holds back everything it sends except its Join: the
    /// others' Heres reach it (so it lists them), and its Acks are returned, undelivered.
    pub fn join_holding_acks(
        &mut self,
        secret: &RoomSecret,
        name: &str,
        device: u8,
        id: u32,
    ) -> (MemberId, Vec<Frame>) {
        let me = MemberId(id);
        let hold_mine = move |from: MemberId, _: MemberId, _: &[u8]| {
            if from == me {
                Fate::Hold
            } else {
                Fate::Deliver
            }
        };
        self.join_with(secret, name, device, id, hold_mine);
        let joins = std::mem::take(&mut self.held);
        for (from, to, payload) in &joins {
            self.deliver(*to, *from, payload);
        }
        self.run_with(hold_mine);
        (me, std::mem::take(&mut self.held))
    }

    /// Everything `from` sent, as payloads, in order.
    pub fn sent_by(&self, from: MemberId) -> Vec<Vec<u8>> {
        self.sent
            .iter()
            .filter(|(m, _)| *m == from)
            .map(|(_, out)| match out {
                Outgoing::Broadcast(p) | Outgoing::SendTo(_, p) => p.clone(),
            })
            .collect()
    }
}
