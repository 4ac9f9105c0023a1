//! Collecting an offline message from codes (PROTOCOL.md C.2, C.3): a single `CT1M` code, or
//! `CT1F` fountain frames until the message can be rebuilt. A frame of another message is
//! ignored until a few distinct codes of it come with none of this one between (someone started
//! showing another message; one code read many times by the camera counts once); a whole
//! message is passed on only if its header passes the checks made before any key derivation.
//! Texts are tidied first ([`tidy`]: line breaks dropped), and a `CT1T` text (the message as
//! text, [`crate::text_form`]) is whole only if its declared length and digest say so.

use crate::blob::BlobHeader;
use crate::fountain::{FRAME_OVERHEAD, FountainDecoder, FountainError, FountainProgress};
use crate::qr_text::{QrText, QrTextError, parse_qr_text};
use crate::text_form::{Pasted, TEXT_TAG, read_pasted, tidy};

/// Distinct codes of another message, with none of this one between, before the receiver
/// switches to that message.
pub const SWITCH_AFTER: u32 = 3;

/// What the collector has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Distinct frames of the message being collected.
    pub distinct: usize,
    /// Frames it needs at least (its source symbols).
    pub needed: u32,
    /// Damaged codes dropped.
    pub damaged: u32,
}

/// Collects fountain frames and single codes.
#[derive(Default)]
pub struct Collector {
    decoder: FountainDecoder,
    /// The headers (parameters and packet id) of the distinct codes of other messages seen
    /// since the last code of this one.
    foreign: Vec<[u8; FRAME_OVERHEAD]>,
}

/// What one scanned text did.
pub enum Taken {
    /// A frame was kept; more are needed.
    More,
    /// The whole message.
    Whole(Vec<u8>),
    /// A damaged Cutout code, dropped and counted.
    Damaged,
    /// Not part of an offline message.
    Other,
}

impl Collector {
    /// One scanned or pasted text; `tally` follows what was seen.
    pub fn take(&mut self, text: &str, tally: &mut Tally) -> Taken {
        let text = tidy(text);
        if text.starts_with(TEXT_TAG) {
            // A message as text, made into a QR code by some other app: whole or damaged.
            return match read_pasted(&text) {
                Pasted::Whole(blob) => whole(blob),
                _ => Taken::Damaged,
            };
        }
        match parse_qr_text(&text) {
            Ok(QrText::Message(blob)) => whole(blob),
            Ok(QrText::FountainFrame(frame)) => self.frame(&frame, tally),
            Ok(_) => Taken::Other,
            Err(QrTextError::Malformed | QrTextError::TooLong) => Taken::Damaged,
            Err(_) => Taken::Other,
        }
    }

    fn frame(&mut self, frame: &[u8], tally: &mut Tally) -> Taken {
        match self.decoder.push(frame) {
            Ok(FountainProgress::Collecting {
                distinct,
                source_symbols,
            }) => {
                self.foreign.clear();
                tally.distinct = distinct;
                tally.needed = source_symbols;
                Taken::More
            }
            Ok(FountainProgress::Duplicate) => {
                self.foreign.clear();
                Taken::More
            }
            Ok(FountainProgress::Complete(blob)) => {
                // The frame that completed it was one more distinct one.
                tally.distinct += 1;
                whole(blob)
            }
            // Someone started showing another message: follow it after a few of its codes.
            Err(FountainError::Foreign) => {
                if self.foreign_code(frame) {
                    self.decoder.reset();
                    self.foreign.clear();
                    *tally = Tally::default();
                    return self.frame(frame, tally);
                }
                Taken::More
            }
            Err(FountainError::Corrupt) => {
                *tally = Tally::default();
                Taken::Damaged
            }
            Err(FountainError::Malformed | FountainError::Inconsistent) => Taken::Damaged,
        }
    }

    /// Counts a code of another message; whether enough distinct ones of its message came to
    /// follow it.
    fn foreign_code(&mut self, frame: &[u8]) -> bool {
        // The decoder read the parameters before it called the frame foreign.
        let Some(header) = frame
            .get(..FRAME_OVERHEAD)
            .and_then(|h| <[u8; FRAME_OVERHEAD]>::try_from(h).ok())
        else {
            return false;
        };
        if !self.foreign.contains(&header) {
            // Two other messages in view at once each get their count; the oldest codes go
            // first past the bound.
            if self.foreign.len() >= FOREIGN_KEPT {
                self.foreign.remove(0);
            }
            self.foreign.push(header);
        }
        // msg_id, blob_len and symbol size: the codes of one message.
        const PARAMS: usize = 10;
        let same = |h: &&[u8; FRAME_OVERHEAD]| h[..PARAMS] == header[..PARAMS];
        self.foreign.iter().filter(same).count() >= SWITCH_AFTER as usize
    }
}

/// Headers of other messages' codes kept: the count of up to 4 messages at once.
const FOREIGN_KEPT: usize = 4 * SWITCH_AFTER as usize;

/// A whole blob, if its header passes the checks made before any key derivation.
fn whole(blob: Vec<u8>) -> Taken {
    if BlobHeader::parse(&blob).is_ok() {
        Taken::Whole(blob)
    } else {
        Taken::Damaged
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::blob::{BlobContent, seal_with_contact_key};
    use crate::contact::ContactKey;
    use crate::entropy::SystemEntropy;
    use crate::fountain::FountainEncoder;
    use crate::qr_text::{fountain_frame_text, message_text};

    fn sealed(text: &str) -> Vec<u8> {
        let key = ContactKey::from_bytes([9; 32]);
        seal_with_contact_key(&key, &BlobContent::Text(text.into()), &mut SystemEntropy).unwrap()
    }

    fn frames(blob: &[u8]) -> Vec<String> {
        let encoder = FountainEncoder::new(blob, 64).unwrap();
        (0..encoder.source_symbols() + 4)
            .map(|esi| fountain_frame_text(&encoder.frame(esi)))
            .collect()
    }

    #[test]
    fn a_single_code_is_a_whole_message() {
        let blob = sealed("hi");
        let mut tally = Tally::default();
        let taken = Collector::default().take(&message_text(&blob), &mut tally);
        assert!(matches!(taken, Taken::Whole(b) if b == blob));
    }

    #[test]
    fn frames_are_collected_until_the_message_is_whole() {
        let blob = sealed(&"a long message ".repeat(40));
        let (mut collector, mut tally) = (Collector::default(), Tally::default());
        let mut taken = Taken::Other;
        for frame in frames(&blob) {
            taken = collector.take(&frame, &mut tally);
            if !matches!(taken, Taken::More) {
                break;
            }
            assert!(tally.needed > 0 && tally.distinct > 0);
        }
        assert!(matches!(taken, Taken::Whole(b) if b == blob));
        assert!(tally.distinct >= tally.needed as usize);
    }

    #[test]
    fn another_message_is_followed_only_after_several_of_its_frames() {
        let first = sealed(&"first message ".repeat(40));
        let second = sealed(&"second message ".repeat(40));
        let (mut collector, mut tally) = (Collector::default(), Tally::default());
        let ours = frames(&first);
        collector.take(&ours[0], &mut tally);
        collector.take(&ours[1], &mut tally);
        assert_eq!(tally.distinct, 2);
        let theirs = frames(&second);
        for frame in &theirs[..SWITCH_AFTER as usize - 1] {
            assert!(matches!(collector.take(frame, &mut tally), Taken::More));
            assert_eq!(
                tally.distinct, 2,
                "a stray frame does not reset the collection"
            );
        }
        collector.take(&theirs[SWITCH_AFTER as usize - 1], &mut tally);
        assert_eq!(
            tally.distinct, 1,
            "after {SWITCH_AFTER} in a row, the new message"
        );
        let mut taken = Taken::More;
        for frame in &theirs[SWITCH_AFTER as usize..] {
            taken = collector.take(frame, &mut tally);
            if !matches!(taken, Taken::More) {
                break;
            }
        }
        assert!(matches!(taken, Taken::Whole(b) if b == second));
    }

    #[test]
    fn one_code_of_another_message_read_many_times_counts_once() {
        let first = sealed(&"first message ".repeat(40));
        let second = sealed(&"second message ".repeat(40));
        let (mut collector, mut tally) = (Collector::default(), Tally::default());
        let (ours, theirs) = (frames(&first), frames(&second));
        collector.take(&ours[0], &mut tally);
        collector.take(&ours[1], &mut tally);
        // A camera at 30 frames a second reads a code shown at 10 a second three times.
        for _ in 0..5 {
            collector.take(&theirs[0], &mut tally);
        }
        collector.take(&theirs[1], &mut tally);
        assert_eq!(
            tally.distinct, 2,
            "two distinct codes of theirs are not enough"
        );
        // A code of ours between starts the count again, a repeated one too.
        collector.take(&ours[1], &mut tally);
        collector.take(&theirs[2], &mut tally);
        collector.take(&theirs[3], &mut tally);
        assert_eq!(tally.distinct, 2);
        collector.take(&theirs[4], &mut tally);
        assert_eq!(
            tally.distinct, 1,
            "three distinct codes in a row: the new message"
        );
    }

    #[test]
    fn two_other_messages_in_view_at_once_do_not_keep_each_other_out() {
        let (ours, b, c) = (
            frames(&sealed(&"ours ".repeat(80))),
            frames(&sealed(&"bee ".repeat(80))),
            frames(&sealed(&"sea ".repeat(80))),
        );
        let (mut collector, mut tally) = (Collector::default(), Tally::default());
        collector.take(&ours[0], &mut tally);
        for i in 0..2 {
            collector.take(&b[i], &mut tally);
            collector.take(&c[i], &mut tally);
        }
        assert_eq!(tally.distinct, 1);
        collector.take(&b[2], &mut tally);
        assert_eq!(
            tally.distinct, 1,
            "the third code of one of them: that one followed"
        );
        assert_eq!(tally.needed, u32::try_from(b.len() - 4).unwrap());
        let mut taken = Taken::More;
        for frame in &b[3..] {
            taken = collector.take(frame, &mut tally);
            if !matches!(taken, Taken::More) {
                break;
            }
        }
        assert!(matches!(taken, Taken::Whole(_)));
    }

    #[test]
    fn damaged_codes_and_bad_headers_are_dropped_and_other_codes_ignored() {
        let mut collector = Collector::default();
        let mut tally = Tally::default();
        assert!(matches!(
            collector.take("CT1M!!!", &mut tally),
            Taken::Damaged
        ));
        let mut bad_header = sealed("hi");
        bad_header[0] ^= 0xff;
        assert!(matches!(
            collector.take(&message_text(&bad_header), &mut tally),
            Taken::Damaged
        ));
        assert!(matches!(
            collector.take("https://example.org/menu", &mut tally),
            Taken::Other
        ));
    }
}
