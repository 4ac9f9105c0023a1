//! A relay in memory for v2 conversations that speaks the wire protocol (frames encoded and
//! decoded as the browser's are), one FIFO for every room: a room's frames reach every member in
//! one order, and a PONG comes after what was queued before it.

use std::collections::VecDeque;

use super::SeededEntropy;
use protocol::group::conversation::{GroupChanges, GroupConversation};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use wire::{ClientFrame, MemberId, RelayFrame, RoomId};

pub struct Person {
    pub convo: GroupConversation,
    pub identity: IdentityKeys,
    /// Its connection: wire id and room, once JOIN was read.
    pub wire: Option<(MemberId, RoomId)>,
}

/// One relay for every room: a FIFO of (to, relay frame bytes), so a room's frames reach every
/// member in one order, and a PONG comes after what was queued before it.
pub struct Relay {
    pub people: Vec<Person>,
    pub queue: VecDeque<(MemberId, Vec<u8>)>,
    pub entropy: SeededEntropy,
    pub now: u64,
    pub next: u32,
}

impl Relay {
    pub fn new(seed: u64) -> Self {
        Self {
            people: Vec::new(),
            queue: VecDeque::new(),
            entropy: SeededEntropy::new(seed),
            now: 1_790_000_000_000,
            next: 1,
        }
    }

    pub fn person(&mut self, secret: &RoomSecret, name: &str) -> usize {
        let identity = IdentityKeys::generate(&mut self.entropy);
        let device = DeviceId::random(&mut self.entropy);
        let convo = GroupConversation::new(secret, name, device, identity.public());
        self.people.push(Person {
            convo,
            identity,
            wire: None,
        });
        self.people.len() - 1
    }

    pub fn in_room(&self, room: RoomId) -> Vec<MemberId> {
        self.people
            .iter()
            .filter_map(|p| p.wire.filter(|(_, r)| *r == room).map(|(w, _)| w))
            .collect()
    }

    pub fn connect(&mut self, who: usize) {
        let join = self.people[who].convo.join_frame();
        let ClientFrame::Join { room, .. } = ClientFrame::decode(&join).unwrap() else {
            panic!("not a JOIN");
        };
        let others = self.in_room(room);
        let me = MemberId(self.next);
        self.next += 1;
        for other in &others {
            self.queue
                .push_back((*other, RelayFrame::Joined(me).encode().unwrap()));
        }
        self.people[who].wire = Some((me, room));
        let welcome = RelayFrame::Welcome {
            your_id: me,
            max_payload: 131_072,
            members: others.into(),
        }
        .encode()
        .unwrap();
        self.queue.push_back((me, welcome));
    }

    pub fn disconnect(&mut self, who: usize) {
        let Some((me, room)) = self.people[who].wire.take() else {
            return;
        };
        let changes = self.people[who].convo.disconnected();
        assert!(changes.frames.is_empty());
        self.queue.retain(|(to, _)| *to != me);
        for other in self.in_room(room) {
            self.queue
                .push_back((other, RelayFrame::Left(me).encode().unwrap()));
        }
    }

    pub fn index_of(&self, wire: MemberId) -> Option<usize> {
        self.people
            .iter()
            .position(|p| p.wire.map(|(w, _)| w) == Some(wire))
    }

    /// Writes what a person's conversation asked to write, signs what it asks to be signed,
    /// and moves it to its new room when it moved.
    pub fn apply(&mut self, who: usize, changes: GroupChanges) {
        let moved = changes.moved.is_some();
        if let Some((me, room)) = self.people[who].wire {
            for bytes in &changes.frames {
                match ClientFrame::decode(bytes).unwrap() {
                    ClientFrame::Broadcast { payload } => {
                        let frame = wire::deliver(me, payload);
                        for other in self.in_room(room) {
                            if other != me {
                                self.queue.push_back((other, frame.clone()));
                            }
                        }
                    }
                    ClientFrame::SendTo { to, payload } => {
                        if self.in_room(room).contains(&to) {
                            self.queue.push_back((to, wire::deliver(me, payload)));
                        }
                    }
                    ClientFrame::Ping { nonce } => self
                        .queue
                        .push_back((me, RelayFrame::Pong { nonce }.encode().unwrap())),
                    ClientFrame::Join { .. } => panic!("JOIN on an open connection"),
                }
            }
        }
        if changes.sign {
            let person = &mut self.people[who];
            let signed = person
                .convo
                .certify_with(&person.identity, self.now, &mut self.entropy);
            self.apply(who, signed);
        }
        if moved {
            self.disconnect(who);
            self.connect(who);
        }
    }

    pub fn settle(&mut self) {
        let mut steps = 0;
        while self.step() {
            steps += 1;
            assert!(steps < 100_000, "the room never settles");
        }
    }

    /// Hands over the next frame in the queue, if any.
    pub fn step(&mut self) -> bool {
        let Some((to, bytes)) = self.queue.pop_front() else {
            return false;
        };
        if let Some(who) = self.index_of(to) {
            let frame = RelayFrame::decode(&bytes).unwrap();
            let (now, convo) = (self.now, &mut self.people[who].convo);
            let changes = convo.receive(frame, now, &mut self.entropy);
            self.apply(who, changes);
        }
        true
    }

    pub fn wait(&mut self, ms: u64) {
        let end = self.now + ms;
        while self.now < end {
            self.now += 1_000;
            for who in 0..self.people.len() {
                let changes = self.people[who].convo.tick(self.now, &mut self.entropy);
                self.apply(who, changes);
            }
            self.settle();
        }
    }

    pub fn say(&mut self, who: usize, text: &str) {
        let (now, convo) = (self.now, &mut self.people[who].convo);
        let changes = convo.send(text, now, &mut self.entropy).unwrap();
        self.apply(who, changes);
    }

    /// `who`'s view of the leaf of the member called `name` (someone else).
    pub fn leaf_of(&self, who: usize, name: &str) -> u32 {
        let members = self.people[who].convo.members();
        let member = members.iter().find(|m| m.name == name && !m.is_self);
        member.and_then(|m| m.leaf).unwrap()
    }

    /// `who` writes `text` privately to the member called `to`.
    pub fn say_privately(&mut self, who: usize, to: &str, text: &str) {
        let leaf = self.leaf_of(who, to);
        let (now, convo) = (self.now, &mut self.people[who].convo);
        let changes = convo
            .send_private(leaf, text, now, &mut self.entropy)
            .unwrap();
        self.apply(who, changes);
    }

    pub fn texts(&self, who: usize) -> Vec<String> {
        self.people[who]
            .convo
            .lines()
            .iter()
            .filter(|l| l.arrival.is_none())
            .map(|l| l.text.clone())
            .collect()
    }
}

pub fn secret() -> RoomSecret {
    RoomSecret::from_bytes([5; 32])
}

pub fn room_of(names: &[&str], seed: u64) -> Relay {
    let mut relay = Relay::new(seed);
    let secret = secret();
    for name in names {
        let who = relay.person(&secret, name);
        relay.connect(who);
        relay.settle();
    }
    relay
}
