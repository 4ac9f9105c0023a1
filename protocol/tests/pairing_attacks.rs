//! Review of pairing (docs/PROTOCOL.md I.6) and of the identities the app keeps for verified
//! people, from an attacker's side: an insider who holds the invite and squats on a verified
//! member's sender id, a paired contact who forges direction, and hostile codes.
//!
//! Tests whose doc comment starts with FINDING are written as the claim says things should be:
//! they fail until the finding is fixed. The others (Held) record attacks that failed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use common::room_relay::Relay;
use common::squatter::{Squatter, last_here};
use protocol::MemberId;
use protocol::blob::{
    BlobContent, BlobError, BlobHeader, ContactMode, Sealer, open_from_contact, open_from_paired,
    open_with_contact_key, seal_for_contact, seal_for_paired, seal_with_contact_key,
};
use protocol::contact::{ContactKey, Side};
use protocol::contact_book::{self, PairedContact};
use protocol::identity::pairing::{PairingCode, PairingError, pair_key};
use protocol::identity::{
    IDENTITY_LEN, IdentityKeys, IdentitySigner, KEY_LEN, PublicIdentity, binding_statement,
};
use protocol::ids::{Challenge, DeviceId, SenderId};
use protocol::keys::{RoomKeys, RoomSecret};
use protocol::room_io::Event;
use protocol::verified::{Standing, Verified};

fn secret() -> RoomSecret {
    RoomSecret::from_bytes([7; 32])
}

fn keys() -> RoomKeys {
    RoomKeys::derive(&secret())
}

const MALLORY: MemberId = MemberId(66);

/// Alice and Carol in a room; Mallory, on her own connection, completes a handshake with Carol
/// under Alice's sender id (no relay control needed: Carol answers a Join from a session she
/// has not met). Returns the relay, Carol's and Alice's member ids, Alice's sender id and ik.
fn squatted_room(seed: u64, squat_name: &str, live: bool) -> (Relay, MemberId, SenderId, [u8; 32]) {
    let mut relay = Relay::new(seed);
    let alice = relay.join(&secret(), "alice", 1, 10);
    let carol = relay.join(&secret(), "carol", 3, 30);
    let alice_sender = relay.room(alice).sender();
    let alice_ik = *common::identity(DeviceId([1; 16])).public().ik();
    let mut squat = Squatter::new(&keys(), alice_sender, squat_name, 1_000_000);
    let c = Challenge([42; 16]);
    let join = squat.join(MALLORY, c);
    assert!(relay.deliver(carol, MALLORY, &join), "Carol reads the Join");
    if live {
        let (_, d) = last_here(&relay, &keys(), carol, MALLORY);
        let ack = squat.ack(MALLORY, c, d);
        assert!(relay.deliver(carol, MALLORY, &ack));
        let chat = squat.chat("it is me, alice");
        assert!(relay.deliver(carol, MALLORY, &chat));
    }
    relay.run();
    relay.chat(alice, "hi carol");
    (relay, carol, alice_sender, alice_ik)
}

/// FINDING (high). `Room::published(sender)` finds a session by sender id alone, but sessions
/// are keyed by (member id, sender id): with Mallory's squat listed beside the real Alice, the
/// two listed members share one sender id and `published` answers for one of them only. The
/// app stores `MemberView::published` (= `published(m.sender)`) when the person verifies a
/// member (`verify_view::remember`): verifying the real Alice by her safety number can store
/// Mallory's whole identity as verified under Alice's name, and make Mallory the contact offline
/// codes for "alice" are sealed for.
#[test]
fn published_is_the_identity_of_each_listed_member() {
    let (mut relay, carol, alice_sender, alice_ik) = squatted_room(81, "alice", true);
    let room = relay.room(carol);
    let members = room.members();
    let under_alice: Vec<_> = members
        .iter()
        .filter(|m| m.sender == alice_sender)
        .collect();
    assert_eq!(
        under_alice.len(),
        2,
        "Alice and Mallory's squat are both listed"
    );
    assert!(under_alice.iter().any(|m| m.identity == alice_ik));
    for m in &members {
        let published = Some(*m.published.ik());
        assert_eq!(
            published,
            Some(m.identity),
            "published() for the listed member {:?} (ik {:02x?}…) names another identity",
            m.name,
            &m.identity[..4]
        );
    }
}

/// FINDING (high), same root as above, without even finishing the handshake: Mallory's Join
/// under Alice's sender id leaves a pending entry carrying Mallory's certificate. It is not
/// listed, yet `published(alice_sender)` may answer with it, whichever `HashMap` order the
/// room's table has. Tried over several rooms (each a fresh `HashMap` order): the real Alice's
/// identity must come back every time.
#[test]
fn a_pending_squat_never_changes_the_identity_published_for_a_member() {
    for seed in 0..16 {
        let (mut relay, carol, alice_sender, alice_ik) = squatted_room(100 + seed, "alice", false);
        let room = relay.room(carol);
        let listed: Vec<_> = room
            .members()
            .into_iter()
            .filter(|m| m.sender == alice_sender)
            .collect();
        assert_eq!(listed.len(), 1, "only the real Alice is listed");
        assert_eq!(listed[0].identity, alice_ik);
        assert_eq!(
            *listed[0].published.ik(),
            alice_ik,
            "round {seed}: the entry listed for Alice's sender id carries Mallory's identity"
        );
    }
}

/// What the app does with `published` when Carol verifies the member she sees as Alice
/// (`verify_view::remember`), replayed natively: the person verified must be the member whose
/// key Carol compared, and Mallory must not become a verified contact.
#[test]
fn verifying_a_member_stores_that_members_identity() {
    for seed in 0..16 {
        let (mut relay, carol, alice_sender, alice_ik) = squatted_room(200 + seed, "alice", false);
        let room = relay.room(carol);
        let alice = room
            .members()
            .into_iter()
            .find(|m| m.sender == alice_sender)
            .unwrap();
        // remember(): the MemberView's `published` is the entry's own.
        let mut verified = Verified::default();
        assert_eq!(alice.published.ik(), &alice.identity);
        verified.verify_identity(&alice.published, &alice.name);
        assert!(
            verified.is_verified(&alice_ik),
            "round {seed}: Carol compared Alice's safety number, but Alice is not verified"
        );
        let mallory_ik = *IdentityKeys::from_seeds(&[66; 32], &[67; 32]).public().ik();
        assert!(
            !verified.is_verified(&mallory_ik),
            "round {seed}: Mallory is verified under the name alice"
        );
        assert!(
            verified.contacts().all(|(_, i)| *i.ik() == alice_ik),
            "round {seed}: an offline contact 'alice' that is not Alice"
        );
    }
}

/// FINDING (high, app): the chat log marks an author by looking up the member list by sender id
/// (`live::line_view`), but a `Line` and an `Event::Chat` carry only the sender id and the name.
/// With the squat listed, Mallory's message and Alice's are indistinguishable to the app: both
/// get the marks of whichever entry comes first (a verified Alice's ✓ on Mallory's message, or
/// Mallory's "another key" on Alice's).
#[test]
fn a_chat_says_which_of_two_sessions_under_one_sender_id_sent_it() {
    let (relay, carol, alice_sender, _) = squatted_room(82, "alice", true);
    let authors: Vec<_> = relay
        .events
        .iter()
        .filter(|(m, _)| *m == carol)
        .filter_map(|(_, e)| match e {
            Event::Chat {
                from,
                sender,
                name,
                chat,
                ..
            } => Some((chat.text.clone(), format!("{from:?}/{sender:?}/{name}"))),
            _ => None,
        })
        .collect();
    let by = |text: &str| {
        authors
            .iter()
            .find(|(t, _)| t == text)
            .unwrap_or_else(|| panic!("{text:?} not shown: {authors:?}"))
            .1
            .clone()
    };
    let _ = alice_sender;
    assert_ne!(
        by("hi carol"),
        by("it is me, alice"),
        "Alice's and Mallory's chats name the same author: the app cannot tell whose it is"
    );
}

// ---------------------------------------------------------------------------------------------
// Mode 0xC2 and pairing codes.

fn person(seed: u8) -> IdentityKeys {
    IdentityKeys::from_seeds(&[seed; 32], &[seed.wrapping_add(100); 32])
}

fn key_between(me: &IdentityKeys, them: &PublicIdentity) -> ContactKey {
    pair_key(&me.agree(them.xk()).unwrap(), me.public().ik(), them.ik()).unwrap()
}

fn text(t: &str) -> BlobContent {
    BlobContent::Text(t.into())
}

/// A known limit (docs/PROTOCOL.md I.6, docs/SECURITY.md), found by review: the direction of a
/// mode 0xC2 code is not authenticated against the contact. Both directional keys come from the one pair key, so Carol, paired with Alice,
/// can seal a code that Alice's device reads as "you sealed this yourself" (`Sealer::You`), with
/// words Alice never wrote. I.6 says a code "says which of them sealed it"; that holds against
/// reflection by a third party, not against the other person of the pairing. (Mode 0x82 has the
/// same limit: the contact reads the sealer's side out of any code it opened.)
#[test]
fn the_contact_and_only_the_contact_can_make_a_code_that_reads_as_your_own() {
    let (alice, carol) = (person(1), person(2));
    let (a, c) = (alice.public(), carol.public());
    let at_carol = key_between(&carol, &a);
    // Carol seals "as Alice, for Carol".
    let forged = seal_for_paired(
        &at_carol,
        a.ik(),
        c.ik(),
        &text("note to self: send Carol the savings"),
        &mut SeededEntropy::new(1),
    )
    .unwrap();
    let at_alice = key_between(&alice, &c);
    let opened = open_from_paired(&forged, &at_alice, a.ik(), c.ik());
    assert!(
        matches!(opened, Ok((_, Sealer::You))),
        "the limit as documented: {opened:?}"
    );
    // Dave, who paired with Alice too, cannot: his pair key is another.
    let dave = person(3);
    let at_dave = key_between(&dave, &a);
    let by_dave = seal_for_paired(
        &at_dave,
        a.ik(),
        c.ik(),
        &text("note to self"),
        &mut SeededEntropy::new(2),
    )
    .unwrap();
    assert_eq!(
        open_from_paired(&by_dave, &at_alice, a.ik(), c.ik()),
        Err(BlobError::Authentication)
    );
}

/// Held: a third party with every public identity, or another pairing, opens nothing and cannot
/// make a code open as anyone's; a code is read back as its sealer's; modes do not cross.
#[test]
fn third_parties_and_other_pairings_get_nothing() {
    let (alice, bob, eve) = (person(1), person(2), person(3));
    let (a, b, e) = (alice.public(), bob.public(), eve.public());
    let ab = key_between(&alice, &b);
    let ae = key_between(&alice, &e);
    let be = key_between(&eve, &b);
    let mut entropy = SeededEntropy::new(7);
    let code = seal_for_paired(&ab, a.ik(), b.ik(), &text("hi bob"), &mut entropy).unwrap();
    // Bob: from Alice. Alice: her own.
    assert_eq!(
        open_from_paired(&code, &key_between(&bob, &a), b.ik(), a.ik())
            .unwrap()
            .1,
        Sealer::Contact
    );
    assert_eq!(
        open_from_paired(&code, &ab, a.ik(), b.ik()).unwrap().1,
        Sealer::You
    );
    // Eve with either of her pairings, under any naming of who is who.
    for k in [&ae, &be] {
        for (me, them) in [
            (a.ik(), b.ik()),
            (b.ik(), a.ik()),
            (e.ik(), a.ik()),
            (e.ik(), b.ik()),
        ] {
            assert!(open_from_paired(&code, k, me, them).is_err());
        }
    }
    // Eve seals under her pairing with Bob, naming Alice as the sealer: Bob's device tries his
    // contacts in turn and finds it from Eve (if at all), never from Alice.
    let forged = seal_for_paired(&be, a.ik(), b.ik(), &text("from alice"), &mut entropy).unwrap();
    let at_bob = [
        PairedContact {
            name: "alice".into(),
            ik: *a.ik(),
            key: key_between(&bob, &a),
        },
        PairedContact {
            name: "eve".into(),
            ik: *e.ik(),
            key: key_between(&bob, &e),
        },
    ];
    assert!(contact_book::open_paired(&forged, &at_bob, b.ik()).is_none());
    // Key with a guessed "shared" secret of a public key (all zero, or the xk itself).
    for shared in [[0u8; 32], *a.xk(), *b.xk()] {
        if let Ok(k) = pair_key(&shared, a.ik(), b.ik()) {
            assert!(open_from_paired(&code, &k, b.ik(), a.ik()).is_err());
        }
    }
    // Modes do not cross: the pair key as a CT1K key, 0xC2 relabelled 0x02 / 0x82 and back.
    let side = Side::from_bytes([9; 16]);
    assert_eq!(
        open_from_contact(&code, &ab, side),
        Err(BlobError::WrongMode)
    );
    assert_eq!(open_with_contact_key(&code, &ab), Err(BlobError::WrongMode));
    for mode in [0x02u8, 0x82] {
        let mut relabelled = code.clone();
        relabelled[1] = mode;
        assert!(open_from_contact(&relabelled, &ab, side).is_err());
    }
    for legacy in [
        seal_with_contact_key(&ab, &text("x"), &mut entropy).unwrap(),
        seal_for_contact(&ab, side, &text("x"), &mut entropy).unwrap(),
    ] {
        let mut relabelled = legacy.clone();
        relabelled[1] = 0xC2;
        assert!(open_from_paired(&relabelled, &ab, a.ik(), b.ik()).is_err());
        assert_eq!(
            open_from_paired(&legacy, &ab, a.ik(), b.ik()),
            Err(BlobError::WrongMode)
        );
    }
}

/// Held: hostile 0xC2 blobs of every short length and header are refused without a panic, and
/// the header check refuses before any key work.
#[test]
fn short_and_odd_blobs_do_not_panic() {
    let (alice, bob) = (person(1), person(2));
    let (a, b) = (alice.public(), bob.public());
    let ab = key_between(&alice, &b);
    for len in 0..80 {
        for fill in [0x00u8, 0xC2, 0xff] {
            let mut blob = vec![fill; len];
            if len > 1 {
                blob[0] = 1;
                blob[1] = 0xC2;
            }
            let _ = open_from_paired(&blob, &ab, a.ik(), b.ik());
            let _ = contact_book::open_paired(
                &blob,
                &[PairedContact {
                    name: "b".into(),
                    ik: *b.ik(),
                    key: ab.clone(),
                }],
                a.ik(),
            );
        }
    }
    // 18 + 16 + 1 is the shortest 0xC2 blob; one byte less is a header error.
    let mut blob = vec![0u8; 34];
    blob[..2].copy_from_slice(&[1, 0xC2]);
    assert_eq!(BlobHeader::parse(&blob).err(), Some(BlobError::Header));
    blob.push(0);
    assert!(matches!(
        BlobHeader::parse(&blob),
        Ok((
            BlobHeader::Contact {
                mode: ContactMode::Paired,
                ..
            },
            ..
        ))
    ));
}

/// A real binding over `xk`, made with `keys`'s identity key.
fn bound(keys: &IdentityKeys, xk: [u8; KEY_LEN]) -> [u8; IDENTITY_LEN] {
    let mut bytes = [0u8; IDENTITY_LEN];
    bytes[..KEY_LEN].copy_from_slice(keys.public().ik());
    bytes[KEY_LEN..2 * KEY_LEN].copy_from_slice(&xk);
    bytes[2 * KEY_LEN..].copy_from_slice(&keys.sign(&binding_statement(&xk)));
    bytes
}

/// Held: every small-order X25519 key is refused, in any of its encodings (u and u + p, the
/// high bit set), with a real binding; a key of mixed order (small-order part added) is not
/// small order and agreement with it is the same as with its prime-order part (harmless: the
/// pair key also names both iks).
#[test]
fn small_order_agreement_keys_in_every_encoding_are_refused() {
    let keys = person(5);
    // The small-order u-coordinates (curve25519 "blacklist" of libsodium), and u + p.
    let p_minus = |k: u8| {
        let mut u = [0xffu8; 32];
        u[0] = 0xed - k; // p - k
        u[31] = 0x7f;
        u
    };
    let hexes = [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    ];
    let mut small: Vec<[u8; 32]> = hexes
        .iter()
        .map(|h| protocol::hex::decode::<32>(h).unwrap())
        .collect();
    small.push(p_minus(1)); // p - 1
    small.push(p_minus(0)); // p
    let mut p_plus_1 = p_minus(0);
    p_plus_1[0] = 0xee;
    small.push(p_plus_1);
    for u in small.clone() {
        let mut high = u;
        high[31] |= 0x80;
        small.push(high);
    }
    for xk in small {
        let identity = bound(&keys, xk);
        assert!(
            PublicIdentity::parse(&identity).is_err(),
            "small-order xk {:02x?} accepted",
            &xk[..4]
        );
        let code = format!(
            "CT2P{}",
            protocol::base45::encode(&[&[1u8][..], &identity].concat())
        );
        assert!(PairingCode::parse(&code).is_err());
    }
}

/// Held: one reading per pairing code; names with controls, surrounding white space or over 40
/// characters are refused; a name of format characters (bidi overrides) is accepted, see the
/// report (low).
#[test]
fn pairing_code_names() {
    let keys = person(6);
    let code = |name: &[u8]| {
        let bytes = [&[1u8][..], &keys.public().to_bytes(), name].concat();
        PairingCode::parse(&format!("CT2P{}", protocol::base45::encode(&bytes)))
    };
    for bad in [
        &b" Bob"[..],
        b"Bob ",
        b"B\nob",
        b"B\x7fob",
        "B\u{85}ob".as_bytes(),
        b"\xff",
        "\u{3000}Bob".as_bytes(),
        "a".repeat(41).as_bytes(),
    ] {
        assert_eq!(code(bad), Err(PairingError::Name), "{bad:?}");
    }
    assert!(code("a".repeat(40).as_bytes()).is_ok());
    // Lower-case or trailing junk after the Base45 does not read.
    let good = PairingCode {
        identity: keys.public(),
        name: "Bob".into(),
    }
    .text();
    assert!(PairingCode::parse(&good.to_lowercase()).is_err());
    assert!(PairingCode::parse(&format!("{good}0")).is_err());
    // Format characters are not Cc: a right-to-left override reads as a clean name.
    assert!(code("\u{202e}ecilA".as_bytes()).is_ok());
}

/// Held: verified storage. No stored text makes a person verified under a key they do not
/// hold; an identity line and a key-only line of the same ik merge; `learn` never changes a
/// stored identity; eviction and duplicates keep one entry a key.
#[test]
fn verified_storage_cannot_be_bent() {
    let (alice, bob, mallory) = (person(1), person(2), person(3));
    let (a, b, m) = (alice.public(), bob.public(), mallory.public());
    // Mallory's identity bytes with Alice's ik in front: the binding is over Mallory's ik.
    let mut spliced = m.to_bytes();
    spliced[..32].copy_from_slice(a.ik());
    // Alice's ik, Mallory's xk, Mallory's binding; Alice's ik, Bob's xk, Alice's binding.
    let mut crossed = a.to_bytes();
    crossed[32..64].copy_from_slice(m.xk());
    let text = format!(
        "{} alice\n{} alice2\n{} alice3\n",
        protocol::hex::encode(&spliced),
        protocol::hex::encode(&crossed),
        protocol::hex::encode(a.ik()),
    );
    let v = Verified::from_stored_text(&text);
    assert_eq!(v.len(), 1);
    assert_eq!(
        v.contacts().count(),
        0,
        "no identity but Alice's own may be kept for her"
    );
    assert!(!v.is_verified(m.ik()));
    // Key-only then whole, whole then key-only: one person, identity kept.
    for text in [
        format!(
            "{} a\n{} b\n",
            protocol::hex::encode(a.ik()),
            protocol::hex::encode(&a.to_bytes())
        ),
        format!(
            "{} b\n{} a\n",
            protocol::hex::encode(&a.to_bytes()),
            protocol::hex::encode(a.ik())
        ),
    ] {
        let v = Verified::from_stored_text(&text);
        assert_eq!(v.len(), 1);
        assert_eq!(v.contacts().map(|(_, i)| *i).collect::<Vec<_>>(), [a]);
    }
    // learn: never for the unverified, never changes a stored identity.
    let mut v = Verified::default();
    v.verify_identity(&a, "alice");
    v.verify(*b.ik(), "bob");
    assert!(!v.learn(&m));
    let other_alice = PublicIdentity::parse(&bound(&alice, *m.xk())).unwrap();
    assert!(!v.learn(&other_alice), "learn replaced Alice's identity");
    assert_eq!(v.contacts().next().map(|(_, i)| *i), Some(a));
    assert!(v.learn(&b));
    // Standing: Mallory under Alice's name warns.
    assert!(matches!(
        v.standing(m.ik(), "Alice"),
        Standing::IdentityChanged { .. }
    ));
    // Round trip keeps everything.
    assert_eq!(Verified::from_stored_text(&v.stored_text()), v);
}

/// FINDING (high, app), deterministic form of the above, no relay control and no luck needed:
/// Mallory squats on Alice's sender id under the name "alice\u{200b}", which sorts right after
/// "alice" (`Room::members` sorts by name, then sender id). The app marks a line with the first
/// member whose sender id is the line's (`live::line_view`): that is always the real Alice, so
/// Mallory's message is drawn as "alice" with Alice's key tag and Alice's ✓ if Carol verified
/// Alice. This replays that lookup on Carol's room and asks that it find the author.
#[test]
fn the_member_an_app_finds_for_a_chat_is_its_author() {
    let (mut relay, carol, _, alice_ik) = squatted_room(83, "alice\u{200b}", true);
    let mallory_ik = *IdentityKeys::from_seeds(&[66; 32], &[67; 32]).public().ik();
    let chats: Vec<_> = relay
        .events
        .iter()
        .filter(|(m, _)| *m == carol)
        .filter_map(|(_, e)| match e {
            Event::Chat {
                from, sender, chat, ..
            } => Some(((*from, *sender), chat.text.clone())),
            _ => None,
        })
        .collect();
    let members = relay.room(carol).members();
    let listed: Vec<_> = members
        .iter()
        .map(|m| (m.name.clone(), m.identity == alice_ik))
        .collect();
    for ((from, sender), text) in chats {
        let author = if text == "it is me, alice" {
            mallory_ik
        } else {
            alice_ik
        };
        // live::line_view: the member whose (member id, sender id) is the line's.
        let found = members
            .iter()
            .find(|m| (m.member_id, m.sender) == (from, sender))
            .unwrap();
        assert_eq!(
            found.identity == mallory_ik,
            author == mallory_ik,
            "{text:?} is drawn with the marks of {:?} ({}): members {listed:?}",
            found.name,
            if found.identity == alice_ik {
                "the real Alice"
            } else {
                "Mallory"
            },
        );
    }
}
