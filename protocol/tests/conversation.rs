//! Conversations through a simulated relay that speaks the wire protocol: pending → sent on
//! PONG, messages typed offline, resends after a reconnect shown once, tampered frames counted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::borrow::Cow;
use std::rc::Rc;

use common::SeededEntropy;
use protocol::conversation::{Arrival, Changes, Conversation, Delivery, FileEvent, encode};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;
use protocol::keys::RoomSecret;
use protocol::room::CertifyError;
use protocol::room_io::Outgoing;
use protocol::stream_send::FileSender;
use wire::{ClientFrame, MemberId, RelayFrame};

/// A relay in memory: members in join order, each with its inbox of encoded relay frames.
struct Relay {
    members: Vec<(MemberId, Vec<Vec<u8>>)>,
    next_id: u32,
}

impl Relay {
    fn new() -> Self {
        Self {
            members: Vec::new(),
            next_id: 100,
        }
    }

    /// Handles frames written by connection `me` (None before JOIN); returns its member id.
    fn handle(&mut self, me: Option<MemberId>, frames: &[Vec<u8>]) -> Option<MemberId> {
        let mut me = me;
        for bytes in frames {
            match ClientFrame::decode(bytes).unwrap() {
                ClientFrame::Join { .. } => {
                    let id = MemberId(self.next_id);
                    self.next_id += 1;
                    let others: Vec<MemberId> = self.members.iter().map(|m| m.0).collect();
                    let welcome = RelayFrame::Welcome {
                        your_id: id,
                        max_payload: 1 << 17,
                        members: Cow::Owned(others),
                    };
                    self.members.push((id, vec![welcome.encode().unwrap()]));
                    me = Some(id);
                }
                ClientFrame::Broadcast { payload } => {
                    let from = me.unwrap();
                    for (id, inbox) in &mut self.members {
                        if *id != from {
                            inbox.push(wire::deliver(from, payload));
                        }
                    }
                }
                ClientFrame::SendTo { to, payload } => {
                    let from = me.unwrap();
                    if let Some((_, inbox)) = self.members.iter_mut().find(|m| m.0 == to) {
                        inbox.push(wire::deliver(from, payload));
                    }
                }
                ClientFrame::Ping { nonce } => {
                    let from = me.unwrap();
                    let (_, inbox) = self.members.iter_mut().find(|m| m.0 == from).unwrap();
                    inbox.push(RelayFrame::Pong { nonce }.encode().unwrap());
                }
            }
        }
        me
    }

    fn disconnect(&mut self, id: MemberId) {
        self.members.retain(|m| m.0 != id);
        let left = RelayFrame::Left(id).encode().unwrap();
        for (_, inbox) in &mut self.members {
            inbox.push(left.clone());
        }
    }

    fn take_inbox(&mut self, id: MemberId) -> Vec<Vec<u8>> {
        self.members
            .iter_mut()
            .find(|m| m.0 == id)
            .map(|m| std::mem::take(&mut m.1))
            .unwrap_or_default()
    }
}

struct Client {
    convo: Conversation,
    /// The identity, which certifies each connection's session before it joins.
    identity: Rc<dyn IdentitySigner>,
    id: Option<MemberId>,
    entropy: SeededEntropy,
    /// Every file event the conversation handed on, in order.
    files: Vec<FileEvent>,
}

impl Client {
    fn new(name: &str, device: u8, seed: u64) -> Self {
        let mut entropy = SeededEntropy::new(seed);
        let secret = RoomSecret::from_bytes([7; 32]);
        let device = DeviceId([device; 16]);
        let identity = common::identity(device);
        let convo =
            Conversation::new(&secret, name, device, identity.public(), &mut entropy).unwrap();
        Self {
            convo,
            identity,
            id: None,
            entropy,
            files: Vec::new(),
        }
    }

    /// Certifies this connection's session (as the app does, before JOIN), then joins.
    fn connect(&mut self, relay: &mut Relay) {
        self.convo.certify_with(&*self.identity).unwrap();
        let join = self.convo.join_frame().unwrap();
        self.id = relay.handle(None, &[join]);
    }

    fn write(&mut self, relay: &mut Relay, changes: Changes) {
        if self.id.is_some() {
            relay.handle(self.id, &changes.frames);
        }
    }

    /// Reads everything the relay queued for this client; returns whether anything came.
    fn read(&mut self, relay: &mut Relay) -> bool {
        let Some(id) = self.id else { return false };
        let inbox = relay.take_inbox(id);
        for bytes in &inbox {
            let frame = RelayFrame::decode(bytes).unwrap();
            let mut changes = self.convo.receive(frame, 1_000, &mut self.entropy);
            self.files.append(&mut changes.files);
            self.write(relay, changes);
        }
        !inbox.is_empty()
    }

    /// The messages of the log (not the lines about who arrived or left).
    fn texts(&self) -> Vec<(String, Delivery)> {
        self.convo
            .lines()
            .iter()
            .filter(|l| l.arrival.is_none())
            .map(|l| (l.text.clone(), l.delivery))
            .collect()
    }

    /// The lines about who arrived or left.
    fn arrivals(&self) -> Vec<(Arrival, String)> {
        self.convo
            .lines()
            .iter()
            .filter_map(|l| l.arrival.map(|a| (a, l.author.clone())))
            .collect()
    }
}

fn settle(relay: &mut Relay, clients: &mut [&mut Client]) {
    for _ in 0..50 {
        let mut any = false;
        for c in clients.iter_mut() {
            any |= c.read(relay);
        }
        if !any {
            return;
        }
    }
    panic!("the simulated room never settled");
}

#[test]
fn messages_go_both_ways_and_become_sent_on_pong() {
    let mut relay = Relay::new();
    let (mut alice, mut bob) = (Client::new("alice", 1, 1), Client::new("bob", 2, 2));
    alice.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice]);
    assert!(alice.convo.alone());
    bob.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert!(!alice.convo.alone());
    assert_eq!(alice.convo.members().len(), 2);

    let changes = alice
        .convo
        .send("hello bob", 2_000, &mut alice.entropy)
        .unwrap();
    assert_eq!(alice.texts(), [("hello bob".into(), Delivery::Pending)]);
    alice.write(&mut relay, changes);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(alice.texts(), [("hello bob".into(), Delivery::Sent)]);
    assert_eq!(bob.texts(), [("hello bob".into(), Delivery::Received)]);

    let changes = bob.convo.send("hi alice", 3_000, &mut bob.entropy).unwrap();
    bob.write(&mut relay, changes);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(alice.texts()[1], ("hi alice".into(), Delivery::Received));
    assert_eq!(bob.convo.lines()[0].author, "alice");
}

#[test]
fn a_message_typed_offline_is_sent_once_after_reconnecting() {
    let mut relay = Relay::new();
    let (mut alice, mut bob) = (Client::new("alice", 1, 3), Client::new("bob", 2, 4));
    alice.connect(&mut relay);
    bob.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);

    // Alice sends; the relay forwards it but the connection drops before the PONG reaches her.
    let changes = alice
        .convo
        .send("in doubt", 2_000, &mut alice.entropy)
        .unwrap();
    alice.write(&mut relay, changes);
    bob.read(&mut relay);
    let old = alice.id.take().unwrap();
    relay.disconnect(old);
    alice.convo.disconnected(&mut alice.entropy);
    // While offline she types another one.
    let offline = alice
        .convo
        .send("typed offline", 2_500, &mut alice.entropy)
        .unwrap();
    assert!(
        offline.frames.is_empty(),
        "nothing goes out while disconnected"
    );
    assert_eq!(
        alice.texts(),
        [
            ("in doubt".into(), Delivery::Pending),
            ("typed offline".into(), Delivery::Pending)
        ]
    );

    alice.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(
        alice.texts(),
        [
            ("in doubt".into(), Delivery::Sent),
            ("typed offline".into(), Delivery::Sent)
        ]
    );
    let bob_saw: Vec<String> = bob.texts().into_iter().map(|t| t.0).collect();
    assert_eq!(bob_saw, ["in doubt", "typed offline"], "each exactly once");
    assert_eq!(
        bob.convo.members().len(),
        2,
        "alice's reconnect replaced her entry"
    );
}

#[test]
fn a_tampered_frame_is_dropped_and_counted() {
    let mut relay = Relay::new();
    let (mut alice, mut bob) = (Client::new("alice", 1, 5), Client::new("bob", 2, 6));
    alice.connect(&mut relay);
    bob.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    let changes = alice
        .convo
        .send("flip me", 2_000, &mut alice.entropy)
        .unwrap();
    alice.write(&mut relay, changes);
    let bob_id = bob.id.unwrap();
    let mut inbox = relay.take_inbox(bob_id);
    let last = inbox[0].len() - 1;
    inbox[0][last] ^= 0x01;
    for bytes in &inbox {
        let frame = RelayFrame::decode(bytes).unwrap();
        bob.convo.receive(frame, 1_000, &mut bob.entropy);
    }
    assert_eq!(bob.convo.dropped(), 1);
    assert!(bob.texts().is_empty());
}

#[test]
fn empty_and_oversized_messages_are_refused() {
    let mut alice = Client::new("alice", 1, 7);
    assert!(alice.convo.send("   ", 0, &mut alice.entropy).is_err());
    let long = "x".repeat(16 * 1024 + 1);
    assert!(alice.convo.send(&long, 0, &mut alice.entropy).is_err());
    assert!(alice.texts().is_empty());
}

#[test]
fn a_message_written_alone_waits_for_the_first_member_then_goes_once() {
    let mut relay = Relay::new();
    let (mut alice, mut bob) = (Client::new("alice", 1, 8), Client::new("bob", 2, 9));
    alice.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice]);
    let changes = alice
        .convo
        .send("anyone there?", 2_000, &mut alice.entropy)
        .unwrap();
    assert!(changes.frames.is_empty(), "nobody to deliver to: held back");
    assert_eq!(alice.texts(), [("anyone there?".into(), Delivery::Pending)]);

    bob.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(alice.texts(), [("anyone there?".into(), Delivery::Sent)]);
    assert_eq!(bob.texts(), [("anyone there?".into(), Delivery::Received)]);
}

#[test]
fn file_transfers_hear_of_offers_welcome_left_and_a_lost_connection() {
    let mut relay = Relay::new();
    let (mut alice, mut bob) = (Client::new("alice", 1, 9), Client::new("bob", 2, 10));
    alice.connect(&mut relay);
    bob.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(
        bob.files,
        [FileEvent::Welcomed {
            max_payload: 1 << 17
        }],
        "WELCOME tells the transfers the relay's payload limit"
    );
    bob.files.clear();

    let room = alice.convo.room();
    let mut files = FileSender::new(room.keys(), room.sender());
    let (offer, _) = files
        .offer(room.keys(), "a.txt", "text/plain", 5, &mut alice.entropy)
        .unwrap();
    let sealed = room.seal_offer(&offer).unwrap();
    let alice_sender = room.sender();
    relay.handle(alice.id, &[encode(&Outgoing::Broadcast(sealed))]);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    let alice_id = alice.id.unwrap();
    assert_eq!(
        bob.files,
        [FileEvent::Offer {
            from: alice_id,
            sender: alice_sender,
            offer
        }]
    );
    bob.files.clear();

    relay.disconnect(alice_id);
    settle(&mut relay, &mut [&mut bob]);
    assert_eq!(bob.files, [FileEvent::Left(alice_id)]);

    let before = bob.convo.room().sender();
    let changes = bob.convo.disconnected(&mut bob.entropy);
    let after = bob.convo.room().sender();
    assert_ne!(before, after, "a new connection is a new session");
    assert_eq!(
        changes.files,
        [FileEvent::ConnectionLost { sender: after }],
        "new offers must carry the next session"
    );
}

#[test]
fn the_log_tells_who_is_here_and_who_left_once_each() {
    let mut relay = Relay::new();
    let (mut alice, mut bob) = (Client::new("alice", 1, 11), Client::new("bob", 2, 12));
    alice.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice]);
    bob.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(alice.arrivals(), [(Arrival::Here, "bob".into())]);
    assert_eq!(bob.arrivals(), [(Arrival::Here, "alice".into())]);

    // Alice's own connection drops and comes back: nobody left, nobody new arrived.
    relay.disconnect(alice.id.take().unwrap());
    alice.convo.disconnected(&mut alice.entropy);
    alice.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(alice.arrivals(), [(Arrival::Here, "bob".into())]);

    relay.disconnect(bob.id.take().unwrap());
    settle(&mut relay, &mut [&mut alice]);
    assert_eq!(
        alice.arrivals(),
        [(Arrival::Here, "bob".into()), (Arrival::Left, "bob".into())]
    );
}

#[test]
fn a_senders_messages_show_in_the_order_sent_though_the_relay_swaps_them() {
    let mut relay = Relay::new();
    let (mut alice, mut bob) = (Client::new("alice", 1, 13), Client::new("bob", 2, 14));
    let mut carol = Client::new("carol", 3, 15);
    alice.connect(&mut relay);
    bob.connect(&mut relay);
    carol.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob, &mut carol]);

    // Alice sends "first" (seq k) and "second" (seq k+1), Carol one in between; the relay
    // hands Bob Alice's second before her first.
    for (text, at) in [("first", 2_000), ("second", 2_100)] {
        let changes = alice.convo.send(text, at, &mut alice.entropy).unwrap();
        alice.write(&mut relay, changes);
    }
    let changes = carol
        .convo
        .send("carol's", 2_200, &mut carol.entropy)
        .unwrap();
    carol.write(&mut relay, changes);
    let bob_id = bob.id.unwrap();
    let mut inbox = relay.take_inbox(bob_id);
    assert_eq!(inbox.len(), 3, "two from Alice, one from Carol");
    inbox.swap(0, 1);
    inbox.swap(1, 2);
    for bytes in &inbox {
        let frame = RelayFrame::decode(bytes).unwrap();
        let changes = bob.convo.receive(frame, 1_000, &mut bob.entropy);
        bob.write(&mut relay, changes);
    }
    let bob_saw: Vec<String> = bob.texts().into_iter().map(|t| t.0).collect();
    assert_eq!(
        bob_saw,
        ["first", "second", "carol's"],
        "Alice's in her order; Carol's where it arrived"
    );

    // Alice reconnects: her new session's seq starts again at 0, and its messages follow
    // those of the old session, which are not reordered by the lower seq.
    relay.disconnect(alice.id.take().unwrap());
    alice.convo.disconnected(&mut alice.entropy);
    alice.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob, &mut carol]);
    let changes = alice
        .convo
        .send("third", 3_000, &mut alice.entropy)
        .unwrap();
    alice.write(&mut relay, changes);
    settle(&mut relay, &mut [&mut alice, &mut bob, &mut carol]);
    let bob_saw: Vec<String> = bob.texts().into_iter().map(|t| t.0).collect();
    assert_eq!(bob_saw, ["first", "second", "carol's", "third"]);
    let seqs: Vec<Option<u64>> = bob
        .convo
        .lines()
        .iter()
        .filter(|l| l.arrival.is_none())
        .map(|l| l.seq)
        .collect();
    assert!(
        seqs[3] < seqs[1],
        "the new session numbers from 0 again: {seqs:?}"
    );
}

/// Each connection's session joins only with the identity's certificate: no JOIN before it, a
/// signature for the session of a dropped connection is refused, and so is one by another key.
#[test]
fn a_session_joins_only_once_the_identity_has_certified_it() {
    let mut relay = Relay::new();
    let mut alice = Client::new("alice", 1, 1);
    assert_eq!(
        alice.convo.join_frame(),
        None,
        "no JOIN before the certificate"
    );
    let first = alice.convo.certificate_request().unwrap();
    let signature = alice.identity.sign(first.statement());
    let stranger = IdentityKeys::from_seeds(&[9; 32], &[8; 32]);
    assert_eq!(
        alice
            .convo
            .certify(&first, stranger.sign(first.statement())),
        Err(CertifyError::Signature),
        "another identity's signature"
    );
    alice.convo.certify(&first, signature).unwrap();
    assert_eq!(alice.convo.certificate_request(), None);
    assert!(alice.convo.join_frame().is_some());
    assert_eq!(
        alice.convo.certify(&first, signature),
        Err(CertifyError::Stale),
        "certified already"
    );
    alice.connect(&mut relay);
    let mut bob = Client::new("bob", 2, 2);
    bob.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(alice.convo.members().len(), 2);

    // The connection drops: the next session needs a certificate of its own.
    relay.disconnect(alice.id.take().unwrap());
    alice.convo.disconnected(&mut alice.entropy);
    assert_eq!(alice.convo.join_frame(), None);
    let second = alice.convo.certificate_request().unwrap();
    assert_ne!(second, first);
    assert_eq!(
        alice.convo.certify(&first, signature),
        Err(CertifyError::Stale),
        "the dropped session's signature"
    );
    let signature = alice.identity.sign(second.statement());
    alice.convo.certify(&second, signature).unwrap();
    alice.connect(&mut relay);
    settle(&mut relay, &mut [&mut alice, &mut bob]);
    assert_eq!(alice.convo.members().len(), 2, "met again");
}
