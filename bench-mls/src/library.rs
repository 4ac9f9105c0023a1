//! What both MLS libraries are asked to do, as one trait, so every scenario is written once and
//! run against each: a member's state that can be copied (so a measurement can repeat a step
//! from the same epoch), KeyPackages, Add and Remove commits, joining by a Welcome, application
//! messages and the exporter.
//!
//! Every message crosses as bytes, serialized by the sender and parsed by the receiver, as it
//! would on the relay, so parsing is part of each receiving step.

use crate::Failure;

/// The ciphersuite of both libraries (RFC 9420 section 17.1, 0x0001):
/// MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.
pub const CIPHERSUITE_ID: u16 = 0x0001;

/// The exporter's label and length in the exporter measurement (RFC 9420 section 8.5); the
/// context stands for a file id.
pub const EXPORTER_LABEL: &str = "cutout file";
/// The exporter's context: 16 bytes, the size of a file id.
pub const EXPORTER_CONTEXT: [u8; 16] = [7; 16];
/// The exporter's output: one AES-256 key.
pub const EXPORTER_LEN: usize = 32;

/// One MLS library behind the operations the scenarios time.
pub trait Library {
    /// The name in result lines: `mls-rs` or `openmls`.
    const NAME: &'static str;
    /// A group member: its client, keys and group state.
    type Member;
    /// Someone who made a KeyPackage and waits for a Welcome.
    type Newcomer;

    /// A group of `n` members: the creator (leaf 0, which commits) and leaf 1 (which receives),
    /// with the creator's group at the epoch after it added the other `n - 1` in one commit.
    fn room(n: usize) -> Result<(Self::Member, Self::Member), Failure>;
    /// An independent copy of `member`'s state (not timed).
    fn fork(member: &Self::Member) -> Result<Self::Member, Failure>;
    /// A new client and its KeyPackage (an MLSMessage), as sent to the committer.
    fn newcomer(name: &str) -> Result<(Self::Newcomer, Vec<u8>), Failure>;
    /// A commit adding the KeyPackage's owner, and its Welcome (with the ratchet tree inside).
    /// The commit stays pending.
    fn add(member: &mut Self::Member, key_package: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Failure>;
    /// A commit removing the member at `leaf`; pending.
    fn remove(member: &mut Self::Member, leaf: u32) -> Result<Vec<u8>, Failure>;
    /// Applies the member's own pending commit, as on its echo from the relay.
    fn apply_own(member: &mut Self::Member) -> Result<(), Failure>;
    /// Joins by a Welcome whose ratchet tree is in its extension.
    fn join(newcomer: Self::Newcomer, welcome: &[u8]) -> Result<Self::Member, Failure>;
    /// Processes and applies another member's commit.
    fn process_commit(member: &mut Self::Member, commit: &[u8]) -> Result<(), Failure>;
    /// An application message carrying `plaintext`.
    fn encrypt(member: &mut Self::Member, plaintext: &[u8]) -> Result<Vec<u8>, Failure>;
    /// The plaintext of an application message.
    fn decrypt(member: &mut Self::Member, message: &[u8]) -> Result<Vec<u8>, Failure>;
    /// The exporter secret for [`EXPORTER_LABEL`] and [`EXPORTER_CONTEXT`].
    fn export(member: &Self::Member) -> Result<Vec<u8>, Failure>;
}
