//! The message as text (docs/PROTOCOL.md, "The message as text"): what survives being pasted
//! (line breaks from mail, spaces from keyboards and web pages) is whole; a cut is "part of the
//! message is missing", never whole; a changed character is damaged. Earlier versions' `CT1M`
//! texts are still read, but never called whole.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::SeededEntropy;
use protocol::blob::{BlobContent, seal_with_contact_key};
use protocol::collector::{Collector, Taken, Tally};
use protocol::contact::ContactKey;
use protocol::qr_text::message_text;
use protocol::text_form::{MAX_PASTED_LEN, Pasted, read_pasted, text_form};

/// A blob whose text form is 9,795 characters, the length of the message in the report.
fn long_blob() -> Vec<u8> {
    let key = ContactKey::from_bytes([7; 32]);
    let text = "Meet at the north gate at seven. ".repeat(222)[..7300].to_owned();
    seal_with_contact_key(&key, &BlobContent::Text(text), &mut SeededEntropy::new(5)).unwrap()
}

/// `text` with `eol` after every `columns` characters, as mail wraps it.
fn wrapped(text: &str, columns: usize, eol: &str) -> String {
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(columns)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    lines.join(eol)
}

#[test]
fn the_text_form_round_trips_and_is_as_long_as_reported() {
    let blob = long_blob();
    let text = text_form(&blob);
    assert_eq!(text.len(), 9_795);
    assert!(text.starts_with("CT1T"));
    assert!(
        !text.contains(' '),
        "no space for mail or chat apps to mangle"
    );
    assert_eq!(read_pasted(&text), Pasted::Whole(blob));
}

#[test]
fn white_space_and_line_breaks_anywhere_are_ignored() {
    let blob = long_blob();
    let text = text_form(&blob);
    let pastes = [
        wrapped(&text, 76, "\n"),
        wrapped(&text, 76, "\r\n"),
        // format=flowed mail: a space before each soft line break.
        wrapped(&text, 72, " \r\n"),
        format!("  {text} \n"),
        format!("\u{a0}{}\t", wrapped(&text, 64, "\n\n")),
        wrapped(&text, 5, " "),
    ];
    for (i, pasted) in pastes.iter().enumerate() {
        assert_eq!(
            read_pasted(pasted),
            Pasted::Whole(blob.clone()),
            "paste {i}"
        );
    }
}

#[test]
fn a_cut_off_text_is_incomplete_never_whole() {
    let text = text_form(&long_blob());
    for cut in [1_000, 7_000, 9_700, 9_794] {
        assert_eq!(
            read_pasted(&text[..cut]),
            Pasted::Incomplete,
            "cut at {cut}"
        );
        let cut_and_wrapped = wrapped(&text[..cut], 76, "\r\n");
        assert_eq!(
            read_pasted(&cut_and_wrapped),
            Pasted::Incomplete,
            "{cut}, wrapped"
        );
    }
    for cut in (4..text.len()).step_by(89) {
        assert_eq!(
            read_pasted(&text[..cut]),
            Pasted::Incomplete,
            "cut at {cut}"
        );
    }
}

#[test]
fn a_changed_character_is_damaged() {
    let text = text_form(&long_blob());
    for at in [20, 1_000, 5_000, 9_794] {
        let mut flipped = text.clone().into_bytes();
        flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        assert_eq!(read_pasted(&flipped), Pasted::Damaged, "at {at}");
    }
    assert_eq!(
        read_pasted(&format!("{text}A")),
        Pasted::Damaged,
        "one too many"
    );
    assert_eq!(
        read_pasted(&format!("{text}{text}")),
        Pasted::Damaged,
        "pasted twice"
    );
    let with_a_stray = format!("{}.{}", &text[..500], &text[500..]);
    assert_eq!(
        read_pasted(&with_a_stray),
        Pasted::Damaged,
        "a character outside the alphabet"
    );
}

#[test]
fn earlier_versions_message_texts_are_read_but_not_called_whole() {
    let blob = long_blob();
    let text = message_text(&blob);
    assert!(
        text.contains(' '),
        "Base45 has spaces of its own, which are kept"
    );
    assert_eq!(read_pasted(&text), Pasted::Unchecked(blob.clone()));
    assert_eq!(
        read_pasted(&format!(" {}\r\n", wrapped(&text, 76, "\r\n"))),
        Pasted::Unchecked(blob)
    );
    // A cut CT1M text carries nothing to tell: it is read, or damaged, but never whole.
    for cut in [1_000, 7_000, 9_700, 9_701] {
        let read = read_pasted(&text[..cut]);
        assert!(
            matches!(read, Pasted::Unchecked(_) | Pasted::Damaged),
            "cut at {cut}: {read:?}"
        );
    }
}

#[test]
fn other_texts_and_huge_pastes_are_told_apart() {
    assert_eq!(read_pasted("CT1M%%%"), Pasted::Damaged);
    assert_eq!(read_pasted("https://example.org/menu"), Pasted::Other);
    assert_eq!(read_pasted("CT1T"), Pasted::Incomplete);
    assert_eq!(
        read_pasted(&"A".repeat(MAX_PASTED_LEN + 1)),
        Pasted::TooLong
    );
    let huge = format!("CT1M{}", "0".repeat(400_000));
    assert_eq!(
        read_pasted(&huge),
        Pasted::TooLong,
        "more Base45 than any message"
    );
}

#[test]
fn the_scanner_reads_texts_as_the_paste_box_does() {
    let blob = long_blob();
    let mut tally = Tally::default();
    let take = |text: &str, tally: &mut Tally| Collector::default().take(text, tally);
    let wrapped_text = wrapped(&text_form(&blob), 76, "\r\n");
    assert!(matches!(take(&wrapped_text, &mut tally), Taken::Whole(b) if b == blob));
    let wrapped_code = wrapped(&message_text(&blob), 76, "\n");
    assert!(matches!(take(&wrapped_code, &mut tally), Taken::Whole(b) if b == blob));
    let cut = &text_form(&blob)[..7_000];
    assert!(matches!(take(cut, &mut tally), Taken::Damaged));
}
