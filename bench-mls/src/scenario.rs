//! The scenarios of issue 22, written once over [`Library`]: a group of `n` (built once,
//! outside timing) where a newcomer joins, one member is removed, a 1 KiB application
//! message goes from one member to another, and an exporter secret is derived.
//!
//! Who does what: leaf 0 commits (it created the group by adding the other `n - 1` in one
//! Add commit without an update path, so every parent node but its own path is blank); leaf 1
//! receives; the newcomer becomes leaf `n`; the member removed is the last, leaf `n - 1`.
//! Building the fixture also checks every step once: the newcomer, the committer and the
//! receiver end in the same epoch with the same exporter secret, and the message opens.

use std::cell::RefCell;

use bench::figure::Figure;

use crate::Failure;
use crate::library::Library;
use bench::staged::{Step, bytes};

/// The group sizes of issue 22.
pub const SIZES: [usize; 3] = [8, 32, 64];

/// The application message's size: 1 KiB, a long chat line.
pub const MESSAGE_LEN: usize = 1024;

/// A group of `n` and the messages its steps replay.
pub struct Fixture<L: Library> {
    n: usize,
    committer: RefCell<L::Member>,
    receiver: RefCell<L::Member>,
    key_package: Vec<u8>,
    add_commit: Vec<u8>,
    welcome: Vec<u8>,
    remove_commit: Vec<u8>,
    message: Vec<u8>,
}

fn same(what: &str, a: &[u8], b: &[u8]) -> Result<(), Failure> {
    if a == b {
        Ok(())
    } else {
        Err(Failure::new(&format!("{what} differ")))
    }
}

impl<L: Library> Fixture<L> {
    /// Builds the group of `n` and checks each step once.
    pub fn new(n: usize) -> Result<Self, Failure> {
        let (committer, receiver) = L::room(n)?;

        let (newcomer, key_package) = L::newcomer("newcomer")?;
        let mut added = L::fork(&committer)?;
        let (add_commit, welcome) = L::add(&mut added, &key_package)?;
        L::apply_own(&mut added)?;
        let joined = L::join(newcomer, &welcome)?;
        let mut told = L::fork(&receiver)?;
        L::process_commit(&mut told, &add_commit)?;
        let secret = L::export(&added)?;
        same(
            "exporter secrets after the add",
            &secret,
            &L::export(&joined)?,
        )?;
        same(
            "exporter secrets after the add",
            &secret,
            &L::export(&told)?,
        )?;

        let mut remover = L::fork(&committer)?;
        let remove_commit = L::remove(&mut remover, last_leaf(n)?)?;
        L::apply_own(&mut remover)?;
        let mut told = L::fork(&receiver)?;
        L::process_commit(&mut told, &remove_commit)?;
        same(
            "exporter secrets after the removal",
            &L::export(&remover)?,
            &L::export(&told)?,
        )?;

        let mut committer = committer;
        let mut receiver = receiver;
        let plaintext = vec![0x42; MESSAGE_LEN];
        let message = L::encrypt(&mut committer, &plaintext)?;
        same(
            "message and plaintext",
            &L::decrypt(&mut receiver, &message)?,
            &plaintext,
        )?;

        Ok(Self {
            n,
            committer: RefCell::new(committer),
            receiver: RefCell::new(receiver),
            key_package,
            add_commit,
            welcome,
            remove_commit,
            message,
        })
    }

    fn name(&self, what: &str) -> String {
        format!("{}/n{}/{what}", L::NAME, self.n)
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
    pub fn steps(&self) -> Vec<Step<'_, Failure>> {
        let committer = &self.committer;
        let receiver = &self.receiver;
        let fork = |member: &RefCell<L::Member>| L::fork(&member.borrow());
        let plaintext = vec![0x42; MESSAGE_LEN];
        let removed = last_leaf(self.n).unwrap_or(0);
        vec![
            Step::new(
                self.name("add_create"),
                move || fork(committer),
                |mut member| L::add(&mut member, &self.key_package).map(drop),
            ),
            Step::new(
                self.name("welcome_join"),
                move || {
                    let (newcomer, key_package) = L::newcomer("newcomer")?;
                    let (_, welcome) = L::add(&mut fork(committer)?, &key_package)?;
                    Ok((newcomer, welcome))
                },
                |(newcomer, welcome)| L::join(newcomer, &welcome).map(drop),
            ),
            Step::new(
                self.name("add_process"),
                move || fork(receiver),
                |mut member| L::process_commit(&mut member, &self.add_commit),
            ),
            Step::new(
                self.name("remove_create"),
                move || fork(committer),
                move |mut member| L::remove(&mut member, removed).map(drop),
            ),
            Step::new(
                self.name("remove_process"),
                move || fork(receiver),
                |mut member| L::process_commit(&mut member, &self.remove_commit),
            ),
            // The receiver sends here, so that the committer's messages below reach it in
            // order, with no generation skipped.
            Step::new(
                self.name("encrypt"),
                || Ok(()),
                move |()| L::encrypt(&mut receiver.borrow_mut(), &plaintext).map(drop),
            ),
            Step::new(
                self.name("decrypt"),
                move || L::encrypt(&mut committer.borrow_mut(), &[0x42; MESSAGE_LEN]),
                move |message| L::decrypt(&mut receiver.borrow_mut(), &message).map(drop),
            ),
            Step::new(
                self.name("export"),
                || Ok(()),
                move |()| L::export(&receiver.borrow()).map(drop),
            ),
        ]
    }
}

fn last_leaf(n: usize) -> Result<u32, Failure> {
    n.checked_sub(1)
        .filter(|&leaf| leaf >= 2)
        .and_then(|leaf| u32::try_from(leaf).ok())
        .ok_or_else(|| Failure::new("a group needs at least three members to remove one"))
}
