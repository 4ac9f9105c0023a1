//! What a room on MLS costs (docs/PROTOCOL.md part 2), the same code natively and in wasm:
//! Cutout's own groups (`protocol::group::mls`: member credentials checked on every leaf,
//! encrypted handshakes, Padmé), with 8, 32 and 64 members. Each step that changes a member's
//! state gets a copy of it, made outside the timing (`staged`).

use std::cell::RefCell;

use protocol::group::credential::{GroupId, LeafFacts, MemberCredential, member_statement};
use protocol::group::mls::{Device, LeafKey, Received, RoomGroup};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;

use crate::BenchError;
use crate::figure::Figure;
use crate::staged::{Step, bytes};

/// The group sizes measured (64 is the relay's room limit).
pub const SIZES: [usize; 3] = [8, 32, 64];
/// A chat message's body as the app sends it (a long-ish message).
pub const MESSAGE_LEN: usize = 1024;
const GROUP: GroupId = GroupId([0x6b; 16]);
const NOW_S: u64 = 1_790_000_000;
const MEASURE: &str = "room";

fn failed(what: &'static str) -> impl Fn(protocol::group::mls::GroupError) -> BenchError {
    move |_| BenchError::Seal(what)
}

/// Device `index`: an identity from a fixed seed, a leaf key, a credential for [`GROUP`].
fn device(index: usize, entropy: &mut Counter) -> Result<Device, BenchError> {
    let byte = (index % 251) as u8;
    let identity = IdentityKeys::from_seeds(&[byte; 32], &[byte ^ 0x80; 32]);
    let key = LeafKey::generate(entropy);
    let device_id = DeviceId([byte ^ 0x20; 16]);
    let name = format!("member {index}");
    let statement = member_statement(&LeafFacts {
        group: GROUP,
        msk: &key.public(),
        device_id,
        name: &name,
    })
    .map_err(|_| BenchError::Verify("member statement"))?;
    let credential = MemberCredential::assemble(
        identity.public(),
        device_id,
        &name,
        identity.sign(&statement),
    );
    Device::new(GROUP, key, credential).map_err(failed("device"))
}

/// Leaf keys from a counter: the figures do not depend on the bytes.
struct Counter(u64);

impl protocol::entropy::Entropy for Counter {
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            chunk.copy_from_slice(&self.0.to_be_bytes()[..chunk.len()]);
        }
    }
}

/// A group of `n`: its committer (leaf 0), one receiver, and what newcomers need.
pub struct Room {
    n: usize,
    committer: RefCell<RoomGroup>,
    receiver: RefCell<RoomGroup>,
    entropy: RefCell<Counter>,
    add_commit: Vec<u8>,
    welcome: Vec<u8>,
    key_package: Vec<u8>,
    remove_commit: Vec<u8>,
    message: Vec<u8>,
}

impl Room {
    /// Builds the group of `n` in one commit, and the messages whose sizes are reported.
    pub fn new(n: usize) -> Result<Self, BenchError> {
        let mut entropy = Counter(n as u64);
        let mut committer = device(0, &mut entropy)?
            .create(NOW_S, None)
            .map_err(failed("create"))?;
        let receiver = device(1, &mut entropy)?;
        let mut key_packages = vec![receiver.key_package(NOW_S).map_err(failed("kp"))?];
        for index in 2..n {
            let member = device(index, &mut entropy)?;
            key_packages.push(member.key_package(NOW_S).map_err(failed("kp"))?);
        }
        let commit = committer
            .commit(&key_packages, &[], false)
            .map_err(failed("commit"))?;
        committer.apply_pending().map_err(failed("apply"))?;
        let welcome = commit.welcome.ok_or(BenchError::Seal("welcome"))?;
        let mut receiver = receiver.join(&welcome, NOW_S).map_err(failed("join"))?;
        if receiver.leaves().len() != n {
            return Err(BenchError::Verify("roster"));
        }
        // The sizes: one more newcomer, one removal, one message.
        let newcomer = device(n, &mut entropy)?;
        let key_package = newcomer.key_package(NOW_S).map_err(failed("kp"))?;
        let mut fork = committer.clone();
        let add = fork
            .commit(std::slice::from_ref(&key_package), &[], false)
            .map_err(failed("add"))?;
        let mut fork = committer.clone();
        let removal = fork
            .commit(&[], &[(n - 1) as u32], true)
            .map_err(failed("remove"))?;
        let message = committer
            .encrypt(&vec![0x42; MESSAGE_LEN])
            .map_err(failed("encrypt"))?;
        match receiver
            .process(&message, NOW_S)
            .map_err(failed("decrypt"))?
        {
            Received::Application { data, .. } if data.len() == MESSAGE_LEN => {}
            _ => return Err(BenchError::Open(MEASURE)),
        }
        Ok(Self {
            n,
            committer: RefCell::new(committer),
            receiver: RefCell::new(receiver),
            entropy: RefCell::new(entropy),
            add_commit: add.message,
            welcome: add.welcome.ok_or(BenchError::Seal("welcome"))?,
            key_package,
            remove_commit: removal.message,
            message,
        })
    }

    fn name(&self, what: &str) -> String {
        format!("room/n{}/{what}", self.n)
    }

    /// The sizes on the wire, in bytes.
    pub fn sizes(&self) -> Vec<Figure> {
        [
            ("key_package", self.key_package.len()),
            ("add_commit", self.add_commit.len()),
            ("welcome", self.welcome.len()),
            ("remove_commit", self.remove_commit.len()),
            ("message", self.message.len()),
        ]
        .into_iter()
        .map(|(what, len)| bytes(self.name(what), len))
        .collect()
    }

    /// The timed steps, in the order they are reported.
    pub fn steps(&self) -> Vec<Step<'_, BenchError>> {
        let committer = &self.committer;
        let receiver = &self.receiver;
        let entropy = &self.entropy;
        let n = self.n;
        let plaintext = vec![0x42; MESSAGE_LEN];
        vec![
            Step::new(
                self.name("add"),
                move || Ok(committer.borrow().clone()),
                |mut member| {
                    member
                        .commit(std::slice::from_ref(&self.key_package), &[], false)
                        .map(drop)
                        .map_err(failed("add"))
                },
            ),
            Step::new(
                self.name("add_process"),
                move || Ok(receiver.borrow().clone()),
                |mut member| match member.process(&self.add_commit, NOW_S) {
                    Ok(Received::Commit { .. }) => Ok(()),
                    _ => Err(BenchError::Open("add_process")),
                },
            ),
            Step::new(
                self.name("welcome_join"),
                move || {
                    // A newcomer of its own each time: a KeyPackage's secrets are used once.
                    let newcomer = device(n, &mut entropy.borrow_mut())?;
                    let key_package = newcomer.key_package(NOW_S).map_err(failed("kp"))?;
                    let mut fork = committer.borrow().clone();
                    let commit = fork
                        .commit(&[key_package], &[], false)
                        .map_err(failed("add"))?;
                    Ok((newcomer, commit.welcome.ok_or(BenchError::Seal("welcome"))?))
                },
                move |(newcomer, welcome)| {
                    let joined = newcomer.join(&welcome, NOW_S).map_err(failed("join"))?;
                    (joined.leaves().len() == n + 1)
                        .then_some(())
                        .ok_or(BenchError::Verify("roster"))
                },
            ),
            Step::new(
                self.name("remove"),
                move || Ok(committer.borrow().clone()),
                move |mut member| {
                    member
                        .commit(&[], &[(n - 1) as u32], true)
                        .map(drop)
                        .map_err(failed("remove"))
                },
            ),
            Step::new(
                self.name("remove_process"),
                move || Ok(receiver.borrow().clone()),
                |mut member| match member.process(&self.remove_commit, NOW_S) {
                    Ok(Received::Commit { .. }) => Ok(()),
                    _ => Err(BenchError::Open("remove_process")),
                },
            ),
            // From a copy: the committer's own sending generation must stay where the decrypt
            // step's receiver can follow it (at most 1 024 ahead).
            Step::new(
                self.name("encrypt"),
                move || Ok(committer.borrow().clone()),
                move |mut member| {
                    member
                        .encrypt(&plaintext)
                        .map(drop)
                        .map_err(failed("encrypt"))
                },
            ),
            Step::new(
                self.name("decrypt"),
                move || {
                    committer
                        .borrow_mut()
                        .encrypt(&[0x42; MESSAGE_LEN])
                        .map_err(failed("encrypt"))
                },
                move |message| match receiver.borrow_mut().process(&message, NOW_S) {
                    Ok(Received::Application { .. }) => Ok(()),
                    _ => Err(BenchError::Open("decrypt")),
                },
            ),
        ]
    }
}

/// Every room figure natively: sizes, then the steps, for each group size.
pub fn run_all(
    clock: &dyn crate::sampler::Clock,
    emit: &mut dyn FnMut(&Figure),
) -> Result<(), BenchError> {
    for n in SIZES {
        let room = Room::new(n)?;
        for figure in room.sizes() {
            emit(&figure);
        }
        for step in room.steps() {
            emit(&step.run(clock)?);
        }
    }
    Ok(())
}
