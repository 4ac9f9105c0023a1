//! The per-sender replay window (PROTOCOL.md B.2): the highest `seq` accepted, a 64-bit bitmap
//! covering it and the 63 below it (RFC 4303 §3.4.3), and a `baseline` below which everything is
//! rejected (set by the presence handshake, PROTOCOL.md B.3).
//!
//! Checking and committing are separate steps because the receive order requires a check without
//! state change before decryption and the commit only after the envelope has been authenticated
//! and unpadded.

/// Replay state for one sender session. A sender not seen before starts empty, baseline 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplayWindow {
    highest: Option<u64>,
    /// Bit `i` set: `highest - i` was accepted.
    bitmap: u64,
    baseline: u64,
}

impl ReplayWindow {
    /// Window width in sequence numbers (RFC 4303's 64-packet window).
    pub const WIDTH: u64 = 64;

    /// Whether `seq` would be accepted. Changes nothing.
    pub fn accepts(&self, seq: u64) -> bool {
        if seq < self.baseline || seq == u64::MAX {
            return false;
        }
        match self.highest {
            None => true,
            Some(highest) if seq > highest => true,
            Some(highest) => {
                let behind = highest - seq;
                behind < Self::WIDTH && self.bitmap & (1 << behind) == 0
            }
        }
    }

    /// Records `seq` as accepted. Call only after [`Self::accepts`] returned true for it and the
    /// envelope has been authenticated; a sequence number the window does not accept is ignored.
    pub fn commit(&mut self, seq: u64) {
        if !self.accepts(seq) {
            return;
        }
        match self.highest {
            Some(highest) if seq <= highest => self.bitmap |= 1 << (highest - seq),
            Some(highest) => {
                let advance = seq - highest;
                self.bitmap = if advance >= Self::WIDTH {
                    0
                } else {
                    self.bitmap << advance
                };
                self.bitmap |= 1;
                self.highest = Some(seq);
            }
            None => {
                self.bitmap = 1;
                self.highest = Some(seq);
            }
        }
    }

    /// Raises the baseline: nothing below `baseline` is accepted from now on. Never lowers it.
    pub fn set_baseline(&mut self, baseline: u64) {
        self.baseline = self.baseline.max(baseline);
    }

    /// The current baseline.
    pub fn baseline(&self) -> u64 {
        self.baseline
    }

    /// The highest sequence number accepted so far.
    pub fn highest(&self) -> Option<u64> {
        self.highest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed(seqs: &[u64]) -> ReplayWindow {
        let mut window = ReplayWindow::default();
        for &seq in seqs {
            assert!(window.accepts(seq), "{seq} should be fresh");
            window.commit(seq);
        }
        window
    }

    #[test]
    fn duplicates_are_rejected() {
        let window = committed(&[0, 1, 5]);
        for seq in [0, 1, 5] {
            assert!(!window.accepts(seq));
        }
        for seq in [2, 3, 4, 6, 1000] {
            assert!(window.accepts(seq));
        }
    }

    #[test]
    fn out_of_order_within_window_is_accepted_once() {
        let mut window = committed(&[100]);
        assert!(window.accepts(37));
        window.commit(37);
        assert!(!window.accepts(37));
        assert!(
            !window.accepts(36),
            "64 behind the highest is outside the window"
        );
    }

    #[test]
    fn large_jump_clears_the_bitmap() {
        let window = committed(&[1, 2, 3, 500]);
        assert!(!window.accepts(3), "far behind");
        assert!(window.accepts(499));
        assert!(!window.accepts(500));
    }

    #[test]
    fn baseline_rejects_everything_below() {
        let mut window = ReplayWindow::default();
        window.set_baseline(10);
        assert!(!window.accepts(9));
        assert!(window.accepts(10));
        window.set_baseline(3);
        assert_eq!(window.baseline(), 10, "baseline never goes down");
    }

    #[test]
    fn last_sequence_number_is_never_accepted() {
        assert!(!ReplayWindow::default().accepts(u64::MAX));
    }

    #[test]
    fn commit_of_rejected_seq_changes_nothing() {
        let mut window = committed(&[7]);
        let before = window.clone();
        window.commit(7);
        assert_eq!(window, before);
    }
}
