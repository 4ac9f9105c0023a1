//! The file transfers of a room as the person sees them (`protocol::transfers`): every card
//! state with its exact texts, the caps, refusals, members leaving, the connection dropping,
//! and whole transfers between two rooms, chunks sealed and opened for real.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod changed;
mod end_to_end;
mod incoming;
mod outgoing;

use std::cell::Cell;
use std::rc::Rc;

use common::SeededEntropy;
use protocol::MemberId;
use protocol::body::FileCtrl;
use protocol::ids::{FileId, SenderId};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::transfers::{FileView, Outbound, SavedFile, Transfers, card_key};

/// Alice, who offers files in most tests.
pub(crate) const ALICE: MemberId = MemberId(1);
/// Bob, who receives them.
pub(crate) const BOB: MemberId = MemberId(2);
pub(crate) const CAROL: MemberId = MemberId(3);
pub(crate) const DAVE: MemberId = MemberId(4);

pub(crate) const ALICE_SESSION: SenderId = SenderId([0xa; 16]);
pub(crate) const BOB_SESSION: SenderId = SenderId([0xb; 16]);

/// A room's transfers in tests: files are their bytes, received bytes gather in a `Vec`.
pub(crate) type Room = Transfers<Vec<u8>, Vec<u8>, Saved>;

/// A saved file that counts its drops, to see when storage would be freed.
#[derive(Debug)]
pub(crate) struct Saved {
    url: String,
    drops: Rc<Cell<u32>>,
}

impl Saved {
    pub(crate) fn new(url: &str, drops: &Rc<Cell<u32>>) -> Self {
        Self {
            url: url.into(),
            drops: Rc::clone(drops),
        }
    }
}

impl SavedFile for Saved {
    fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for Saved {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

pub(crate) fn keys() -> RoomKeys {
    RoomKeys::derive(&RoomSecret::from_bytes([9; 32]))
}

pub(crate) fn name_of(member: MemberId) -> String {
    match member {
        ALICE => "Alice",
        BOB => "Bob",
        CAROL => "Carol",
        _ => "Someone",
    }
    .into()
}

/// A file's bytes, not all alike.
pub(crate) fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// The card of `file_id`.
pub(crate) fn card(room: &Room, file_id: FileId) -> FileView {
    room.views(&name_of)
        .into_iter()
        .find(|v| v.key == card_key(file_id))
        .expect("no such card")
}

pub(crate) fn has_card(room: &Room, file_id: FileId) -> bool {
    room.views(&name_of)
        .iter()
        .any(|v| v.key == card_key(file_id))
}

/// Alice and Bob in one room, Alice sharing, Bob receiving; what one sends reaches the other.
pub(crate) struct Pair {
    pub(crate) keys: RoomKeys,
    pub(crate) alice: Room,
    pub(crate) bob: Room,
    pub(crate) alice_session: SenderId,
    pub(crate) entropy: SeededEntropy,
    pub(crate) now: u64,
}

impl Pair {
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            keys: keys(),
            alice: Room::new(keys(), ALICE_SESSION),
            bob: Room::new(keys(), BOB_SESSION),
            alice_session: ALICE_SESSION,
            entropy: SeededEntropy::new(seed),
            now: 0,
        }
    }

    /// Alice offers `bytes` as `name` with Bob live, and Bob sees the offer.
    pub(crate) fn share(&mut self, name: &str, mime: &str, bytes: Vec<u8>) -> FileId {
        let size = bytes.len() as u64;
        let sends = self
            .alice
            .offer(bytes, name, mime, size, &[BOB], &mut self.entropy)
            .unwrap();
        let Some(Outbound::Offer(None, offer)) = sends.last() else {
            panic!("no offer in {sends:?}");
        };
        self.bob
            .offered(ALICE, self.alice_session, offer.clone(), "Alice".into());
        offer.file_id
    }

    /// Bob accepts into an empty `Vec`; the Accept reaches Alice.
    pub(crate) fn accept(&mut self, file_id: FileId) {
        let sends = self.bob.accept(file_id, |_| Vec::new()).unwrap();
        assert_eq!(sends, [Outbound::Ctrl(ALICE, FileCtrl::Accept { file_id })]);
        assert!(self.answer_alice(sends), "an Accept makes chunks sendable");
    }

    /// Bob's messages reach Alice. Returns whether a chunk may be sendable.
    pub(crate) fn answer_alice(&mut self, sends: Vec<Outbound>) -> bool {
        let mut sendable = false;
        for send in sends {
            let Outbound::Ctrl(to, ctrl) = send else {
                panic!("Bob sends only control: {send:?}");
            };
            assert_eq!(to, ALICE);
            sendable |= self.alice.on_ctrl(BOB, BOB_SESSION, &ctrl, self.now);
        }
        sendable
    }

    /// Every chunk Alice may send now, sealed (or reused from those kept).
    pub(crate) fn frames(&mut self) -> Vec<Vec<u8>> {
        let mut frames = Vec::new();
        while let Some(request) = self.alice.sender().next_chunk() {
            assert_eq!(request.to, [BOB]);
            let frame = match self.alice.sender().sealed(request.file_id, request.index) {
                Some(frame) => frame,
                None => {
                    let file = self.alice.file(request.file_id).unwrap();
                    let bytes = &file[request.offset as usize..][..request.len];
                    self.alice
                        .sender()
                        .seal(request.file_id, request.index, bytes)
                        .unwrap()
                }
            };
            frames.push(frame.to_vec());
        }
        frames
    }

    /// One frame reaches Bob, and his answers reach Alice. Returns his answers.
    pub(crate) fn deliver(&mut self, frame: &[u8]) -> Vec<Outbound> {
        let sends = self
            .bob
            .on_chunk(&self.keys.room_id(), ALICE, frame, self.now);
        self.answer_alice(sends.clone());
        sends
    }

    /// Alice shares `name`, Bob accepts it, and every chunk flows: the file is whole and
    /// verified, waiting for Bob's side to close it.
    pub(crate) fn receive_whole(&mut self, name: &str, bytes: Vec<u8>) -> FileId {
        let id = self.share(name, "", bytes);
        self.accept(id);
        self.run();
        self.bob.take_finishing();
        id
    }

    /// Chunks flow until Alice has nothing more to send, a tenth of a second a round.
    pub(crate) fn run(&mut self) {
        loop {
            let frames = self.frames();
            if frames.is_empty() {
                return;
            }
            for frame in frames {
                self.deliver(&frame);
            }
            self.now += 100;
        }
    }
}
