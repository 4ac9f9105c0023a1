//! The room's MLS group (docs/PROTOCOL.md R.1, R.2, R.9) on mls-rs: members certified by their
//! identities join, talk, derive the same file keys and lose access when removed; a leaf whose
//! credential does not check is refused by the library itself. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use protocol::group::credential::{GroupId, LeafFacts, MemberCredential, member_statement};
use protocol::group::mls::{Device, LeafKey, Received, RoomGroup};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;

const NOW: u64 = 1_790_000_000;

fn device(group: GroupId, name: &str, entropy: &mut SeededEntropy) -> (Device, IdentityKeys) {
    let identity = IdentityKeys::generate(entropy);
    let key = LeafKey::generate(entropy);
    let device_id = DeviceId::random(entropy);
    let statement = member_statement(&LeafFacts {
        group,
        msk: &key.public(),
        device_id,
        name,
    })
    .unwrap();
    let credential = MemberCredential::assemble(
        identity.public(),
        device_id,
        name,
        identity.sign(&statement),
    );
    (Device::new(group, key, credential).unwrap(), identity)
}

/// `creator` adds `newcomer` and everyone in `others` reads the commit.
fn add(creator: &mut RoomGroup, newcomer: &Device, others: &mut [&mut RoomGroup]) -> RoomGroup {
    let key_package = newcomer.key_package(NOW).unwrap();
    let commit = creator.commit(&[key_package], &[], false).unwrap();
    creator.apply_pending().unwrap();
    for other in others.iter_mut() {
        match other.process(&commit.message, NOW).unwrap() {
            Received::Commit { added, .. } => assert_eq!(added.len(), 1),
            other => panic!("not a commit: {other:?}"),
        }
    }
    newcomer.join(&commit.welcome.unwrap(), NOW).unwrap()
}

fn read(group: &mut RoomGroup, message: &[u8]) -> (u32, Vec<u8>) {
    match group.process(message, NOW).unwrap() {
        Received::Application { sender, data, .. } => (sender, data),
        other => panic!("not an application message: {other:?}"),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn members_join_talk_and_a_removed_one_reads_nothing_more() {
    let mut entropy = SeededEntropy::new(1);
    let group = GroupId([7; 16]);
    let (ana, _) = device(group, "Ana", &mut entropy);
    let (bo, _) = device(group, "Bo", &mut entropy);
    let (cy, _) = device(group, "Cy", &mut entropy);
    let mut a = ana.create(NOW, None).unwrap();
    let mut b = add(&mut a, &bo, &mut []);
    let mut c = add(&mut a, &cy, &mut [&mut b]);
    assert_eq!((a.epoch(), b.epoch(), c.epoch()), (2, 2, 2));
    assert_eq!(a.branch().unwrap(), c.branch().unwrap());
    let names: Vec<_> = b
        .leaves()
        .iter()
        .map(|l| l.credential.name().to_owned())
        .collect();
    assert_eq!(names, ["Ana", "Bo", "Cy"]);

    let hello = c.encrypt(b"hello").unwrap();
    assert_eq!(read(&mut a, &hello), (2, b"hello".to_vec()));
    assert_eq!(read(&mut b, &hello), (2, b"hello".to_vec()));
    // A message opens once: the relay cannot replay it.
    assert!(a.process(&hello, NOW).is_err());
    assert_eq!(a.branch().unwrap(), b.branch().unwrap());

    // Bo removes Cy: Ana reads who, Cy reads that it is out, and the next epoch is closed to it.
    let removal = b.commit(&[], &[c.own_index()], true).unwrap();
    b.apply_pending().unwrap();
    match a.process(&removal.message, NOW).unwrap() {
        Received::Commit {
            committer, removed, ..
        } => {
            assert_eq!(committer, 1);
            assert_eq!(removed.len(), 1);
            assert_eq!(removed[0].credential.name(), "Cy");
        }
        other => panic!("{other:?}"),
    }
    match c.process(&removal.message, NOW).unwrap() {
        Received::Removed { remover, by_person } => {
            assert!(by_person, "a person's removal is marked");
            assert_eq!(remover.unwrap().credential.name(), "Bo");
        }
        other => panic!("{other:?}"),
    }
    let after = a.encrypt(b"after").unwrap();
    assert_eq!(read(&mut b, &after).1, b"after");
    assert!(c.process(&after, NOW).is_err());
    assert_ne!(a.branch().unwrap(), [0; 8]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_message_sent_before_a_commit_still_opens_after_it() {
    let mut entropy = SeededEntropy::new(2);
    let group = GroupId([8; 16]);
    let (ana, _) = device(group, "Ana", &mut entropy);
    let (bo, _) = device(group, "Bo", &mut entropy);
    let (cy, _) = device(group, "Cy", &mut entropy);
    let mut a = ana.create(NOW, None).unwrap();
    let mut b = add(&mut a, &bo, &mut []);
    // Bo speaks at epoch 1 while Ana's commit adding Cy is on its way; the relay orders the
    // commit first.
    let early = b.encrypt(b"early").unwrap();
    let _c = add(&mut a, &cy, &mut [&mut b]);
    assert_eq!(read(&mut a, &early).1, b"early");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_leaf_certified_for_another_group_or_key_is_refused() {
    let mut entropy = SeededEntropy::new(3);
    let group = GroupId([9; 16]);
    let (ana, _) = device(group, "Ana", &mut entropy);
    let mut a = ana.create(NOW, None).unwrap();

    // A device of another group: its KeyPackage is refused by this group's rules.
    let (stranger, _) = device(GroupId([10; 16]), "Eve", &mut entropy);
    let key_package = stranger.key_package(NOW).unwrap();
    assert!(a.commit(&[key_package], &[], false).is_err());

    // A credential whose signature is over another leaf key cannot even make a device.
    let identity = IdentityKeys::generate(&mut entropy);
    let device_id = DeviceId::random(&mut entropy);
    let statement = member_statement(&LeafFacts {
        group,
        msk: &[5; 32],
        device_id,
        name: "Eve",
    })
    .unwrap();
    let credential = MemberCredential::assemble(
        identity.public(),
        device_id,
        "Eve",
        identity.sign(&statement),
    );
    assert!(Device::new(group, LeafKey::generate(&mut entropy), credential).is_err());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_same_device_twice_in_one_group_is_refused() {
    let mut entropy = SeededEntropy::new(4);
    let group = GroupId([11; 16]);
    let (ana, _) = device(group, "Ana", &mut entropy);
    let (bo, _) = device(group, "Bo", &mut entropy);
    let mut a = ana.create(NOW, None).unwrap();
    let _b = add(&mut a, &bo, &mut []);
    // Bo's device again (a second KeyPackage of the same credential): one leaf per device.
    let again = bo.key_package(NOW).unwrap();
    assert!(a.commit(&[again], &[], false).is_err());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_group_that_reads_application_messages_only_refuses_a_commit_before_applying_it() {
    // A private conversation's group (docs/PROTOCOL.md R.10): the other member cannot add a
    // third leaf after the two-member check at joining.
    let mut entropy = SeededEntropy::new(9);
    let group = GroupId([8; 16]);
    let (maker, _) = device(group, "Ana", &mut entropy);
    let (other, _) = device(group, "Bo", &mut entropy);
    let (third, _) = device(group, "Cy", &mut entropy);
    let mut m = maker.create(NOW, None).unwrap();
    let mut o = add(&mut m, &other, &mut []);
    let epoch = m.epoch();
    let commit = o
        .commit(&[third.key_package(NOW).unwrap()], &[], false)
        .unwrap();
    assert!(m.process_application(&commit.message, NOW).is_err());
    assert_eq!((m.epoch(), m.leaves().len()), (epoch, 2));
    // Messages still read, and the unapplied commit changed nothing for the maker.
    o.clear_pending();
    let hello = o.encrypt(b"hello").unwrap();
    match m.process_application(&hello, NOW).unwrap() {
        Received::Application { data, .. } => assert_eq!(data, b"hello"),
        other => panic!("not an application message: {other:?}"),
    }
}
