//! A relay in memory for v2 room [`Machine`]s: one queue for the whole room, so every member
//! gets broadcasts in one order and a PONG after everything queued for it before (as the real
//! relay, which serialises a room). Members sign their credentials as soon as asked.

use std::collections::VecDeque;

use protocol::MemberId;
use protocol::group::body::GroupBody;
use protocol::group::machine::{GroupEvent, Machine, Out, Output};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;

use super::SeededEntropy;

/// What the relay hands a member.
#[derive(Clone, Debug)]
pub enum Frame {
    Deliver(MemberId, Vec<u8>),
    Pong(u32),
    Left(MemberId),
}

pub struct Person {
    pub name: String,
    pub machine: Machine,
    pub identity: IdentityKeys,
    /// This device's id, and the room's secret (to reload the page as the same device).
    pub device: DeviceId,
    pub secret: RoomSecret,
    /// Wire id while connected.
    pub wire: Option<MemberId>,
    pub events: Vec<GroupEvent>,
    /// Chat texts read, in order.
    pub read: Vec<String>,
    /// Private chat texts read, with whom, in order.
    pub private: Vec<(String, String)>,
}

pub struct GroupRelay {
    pub people: Vec<Person>,
    pub queue: VecDeque<(MemberId, Frame)>,
    pub entropy: SeededEntropy,
    pub now: u64,
    next_wire: u32,
    /// Every payload a member sent through the relay, in order.
    pub recording: Vec<Vec<u8>>,
}

impl GroupRelay {
    pub fn new(seed: u64) -> Self {
        Self {
            people: Vec::new(),
            queue: VecDeque::new(),
            entropy: SeededEntropy::new(seed),
            now: 1_790_000_000_000,
            next_wire: 100,
            recording: Vec::new(),
        }
    }

    /// A room of `secret` whose people join one after another, each once the room is quiet.
    pub fn room(secret: &RoomSecret, names: &[&str], seed: u64) -> Self {
        let mut relay = Self::new(seed);
        for name in names {
            let who = relay.person(secret, name);
            relay.connect(who);
            relay.settle();
        }
        relay
    }

    /// Asserts that everyone in `who` is in one group at one epoch.
    pub fn assert_one_group(&self, who: &[usize]) {
        let epochs = self.epochs();
        let first = epochs[who[0]].expect("not in a group");
        for i in who {
            assert_eq!(
                epochs[*i],
                Some(first),
                "{} differs: {epochs:?}",
                self.people[*i].name
            );
        }
    }

    /// A person with a fresh identity, not yet connected; returns their index.
    pub fn person(&mut self, secret: &RoomSecret, name: &str) -> usize {
        let identity = IdentityKeys::generate(&mut self.entropy);
        let device = DeviceId::random(&mut self.entropy);
        let machine = Machine::new(secret, identity.public(), device, name);
        self.people.push(Person {
            name: name.to_owned(),
            machine,
            identity,
            device,
            secret: secret.clone(),
            wire: None,
            events: Vec::new(),
            read: Vec::new(),
            private: Vec::new(),
        });
        self.people.len() - 1
    }

    fn connected(&self) -> Vec<MemberId> {
        self.people.iter().filter_map(|p| p.wire).collect()
    }

    /// The person connects (the relay's WELCOME).
    pub fn connect(&mut self, who: usize) {
        let others = self.connected();
        let wire = MemberId(self.next_wire);
        self.next_wire += 1;
        self.people[who].wire = Some(wire);
        let output = self.people[who]
            .machine
            .connected(wire, &others, self.now, &mut self.entropy);
        self.handle(who, output);
    }

    /// The person's connection drops (the others get LEFT).
    pub fn disconnect(&mut self, who: usize) {
        let Some(wire) = self.people[who].wire.take() else {
            return;
        };
        self.people[who].machine.disconnected();
        self.queue.retain(|(to, _)| *to != wire);
        for other in self.connected() {
            self.queue.push_back((other, Frame::Left(wire)));
        }
    }

    /// The person reloads the page: the same identity and device, everything else forgotten,
    /// then connects again.
    pub fn reload(&mut self, who: usize) {
        self.disconnect(who);
        self.settle();
        let person = &mut self.people[who];
        person.events.clear();
        person.read.clear();
        person.private.clear();
        person.machine = Machine::new(
            &person.secret,
            person.identity.public(),
            person.device,
            &person.name,
        );
        self.connect(who);
        self.settle();
    }

    /// The relay dies: every connection drops at once, nothing queued arrives.
    pub fn restart(&mut self) {
        self.queue.clear();
        for person in &mut self.people {
            person.wire = None;
            person.machine.disconnected();
        }
    }

    fn index_of(&self, wire: MemberId) -> Option<usize> {
        self.people.iter().position(|p| p.wire == Some(wire))
    }

    pub fn handle(&mut self, who: usize, output: Output) {
        let Some(wire) = self.people[who].wire else {
            return;
        };
        for out in output.out {
            match out {
                Out::Broadcast(payload) => {
                    self.recording.push(payload.clone());
                    for other in self.connected() {
                        if other != wire {
                            self.queue
                                .push_back((other, Frame::Deliver(wire, payload.clone())));
                        }
                    }
                }
                Out::SendTo(to, payload) => {
                    self.recording.push(payload.clone());
                    if self.index_of(to).is_some() {
                        self.queue.push_back((to, Frame::Deliver(wire, payload)));
                    }
                }
                Out::Ping(nonce) => self.queue.push_back((wire, Frame::Pong(nonce))),
            }
        }
        for event in output.events {
            match &event {
                GroupEvent::SignatureNeeded => {
                    let person = &mut self.people[who];
                    let signed =
                        person
                            .machine
                            .certify_with(&person.identity, self.now, &mut self.entropy);
                    self.handle(who, signed);
                }
                GroupEvent::Message {
                    body: GroupBody::Chat(chat),
                    ..
                } => self.people[who].read.push(chat.text.clone()),
                GroupEvent::Private {
                    with,
                    body: GroupBody::Chat(chat),
                    ..
                } => self.people[who]
                    .private
                    .push((with.name().to_owned(), chat.text.clone())),
                _ => {}
            }
            self.people[who].events.push(event);
        }
    }

    /// Delivers one queued frame; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some((to, frame)) = self.queue.pop_front() else {
            return false;
        };
        let Some(who) = self.index_of(to) else {
            return true;
        };
        let (now, machine) = (self.now, &mut self.people[who].machine);
        let output = match frame {
            Frame::Deliver(from, payload) => machine
                .deliver(from, &payload, now, &mut self.entropy)
                .unwrap_or_default(),
            Frame::Pong(nonce) => machine.pong(nonce),
            Frame::Left(member) => machine.left(member, now, &mut self.entropy),
        };
        self.handle(who, output);
        true
    }

    /// Delivers until the room is quiet.
    pub fn settle(&mut self) {
        let mut steps = 0;
        while self.step() {
            steps += 1;
            assert!(steps < 100_000, "the room never settles");
        }
    }

    /// Time passes in steps of a second, with ticks, settling after each.
    pub fn wait(&mut self, ms: u64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += 1_000.min(end - self.now);
            for who in 0..self.people.len() {
                let output = self.people[who].machine.tick(self.now, &mut self.entropy);
                self.handle(who, output);
            }
            self.settle();
        }
    }

    /// The person says `text`.
    pub fn say(&mut self, who: usize, text: &str) {
        let chat = protocol::body::Chat {
            msg_id: protocol::ids::MsgId::random(&mut self.entropy),
            sent_at_ms: self.now,
            text: text.to_owned(),
        };
        let output = self.people[who]
            .machine
            .send(&GroupBody::Chat(chat))
            .expect("not in the group");
        self.handle(who, output);
        self.settle();
    }

    /// The person says `text` to `to` alone, through their private group.
    pub fn say_private(&mut self, who: usize, to: usize, text: &str) {
        let leaf = self.leaf_of(who, to);
        let chat = protocol::body::Chat {
            msg_id: protocol::ids::MsgId::random(&mut self.entropy),
            sent_at_ms: self.now,
            text: text.to_owned(),
        };
        let output = self.people[who]
            .machine
            .send_private(leaf, &GroupBody::Chat(chat), self.now, &mut self.entropy)
            .expect("cannot send privately");
        self.handle(who, output);
    }

    /// The leaf `to` has in the group, as `who` sees it.
    pub fn leaf_of(&self, who: usize, to: usize) -> u32 {
        let name = &self.people[to].name;
        self.people[who]
            .machine
            .group()
            .expect("not in a group")
            .members()
            .into_iter()
            .find(|m| m.credential.name() == name)
            .expect("no such member")
            .leaf
    }

    /// (group id, epoch) of each person, `None` outside a group.
    pub fn epochs(&self) -> Vec<Option<(protocol::group::GroupId, u64)>> {
        self.people
            .iter()
            .map(|p| p.machine.group().map(|g| (g.id(), g.epoch())))
            .collect()
    }

    /// Names each person lists as online (oneself included), sorted.
    pub fn online(&self, who: usize) -> Vec<String> {
        let mut names: Vec<String> = self.people[who]
            .machine
            .group()
            .map(|g| g.members())
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.online)
            .map(|m| m.credential.name().to_owned())
            .collect();
        names.sort();
        names
    }
}
