//! What every payload the generator sends begins with: which sender, which message, and when it
//! was scheduled and sent, so a receiver can tell its own echo from others' messages and measure latency
//! from the schedule. The rest of the payload is zeros up to the message size.

/// Marks a payload as the generator's.
const MAGIC: [u8; 4] = *b"CTLG";

/// Bytes a stamp takes; the smallest message the generator sends.
pub const LEN: usize = 32;

/// The header of one generated message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The sending connection's index in the run.
    pub sender: u32,
    /// The message's number in its sender's schedule.
    pub seq: u64,
    /// When it was scheduled, in nanoseconds from the run's start.
    pub scheduled_ns: u64,
    /// When its latency starts counting, in nanoseconds from the run's start: the scheduled
    /// time, or the moment the generator's timer woke for it if that was later.
    pub origin_ns: u64,
}

impl Stamp {
    /// A payload of `size` bytes (at least [`LEN`]) that starts with this stamp.
    pub fn payload(self, size: usize) -> Vec<u8> {
        let mut payload = vec![0; size.max(LEN)];
        payload[..4].copy_from_slice(&MAGIC);
        payload[4..8].copy_from_slice(&self.sender.to_le_bytes());
        payload[8..16].copy_from_slice(&self.seq.to_le_bytes());
        payload[16..24].copy_from_slice(&self.scheduled_ns.to_le_bytes());
        payload[24..32].copy_from_slice(&self.origin_ns.to_le_bytes());
        payload
    }

    /// The stamp a payload starts with, if it is the generator's.
    pub fn read(payload: &[u8]) -> Option<Self> {
        let head = payload.get(..LEN)?;
        if head[..4] != MAGIC {
            return None;
        }
        let u64_at = |at: usize| {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(&head[at..at + 8]);
            u64::from_le_bytes(bytes)
        };
        let mut sender = [0; 4];
        sender.copy_from_slice(&head[4..8]);
        Some(Self {
            sender: u32::from_le_bytes(sender),
            seq: u64_at(8),
            scheduled_ns: u64_at(16),
            origin_ns: u64_at(24),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_survives_a_payload() {
        let stamp = Stamp {
            sender: 7,
            seq: 1 << 40,
            scheduled_ns: 123_456_789,
            origin_ns: 123_457_000,
        };
        let payload = stamp.payload(256);
        assert_eq!(payload.len(), 256);
        assert_eq!(Stamp::read(&payload), Some(stamp));
        assert_eq!(stamp.payload(3).len(), LEN);
    }

    #[test]
    fn foreign_payloads_have_no_stamp() {
        assert_eq!(Stamp::read(b"short"), None);
        assert_eq!(Stamp::read(&[0; 64]), None);
    }
}
