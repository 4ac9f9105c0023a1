//! Hex text for the fixed-size values the app keeps as text: ids and keys in local storage,
//! element keys, file names. Written in lower case; read in either case.
//!
//! Decoding works on the text's bytes, never on `str` slices, so no input can land a slice
//! inside a multi-byte character; and it accepts exactly the sixteen digits in each case, so a
//! sign that `u8::from_str_radix` would let through (`"+f"`) is an error here.

use thiserror::Error;
use zeroize::Zeroize;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Why a text is not the hex of an `N`-byte value. Neither variant repeats the text, which may
/// be a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum HexError {
    /// The text is not exactly `2·N` bytes long.
    #[error("expected {expected} hex digits, found {found} bytes")]
    Length {
        /// `2·N`.
        expected: usize,
        /// The text's length in bytes (not characters).
        found: usize,
    },
    /// The byte at this offset is not a hex digit.
    #[error("not a hex digit at byte {at}")]
    NotHex {
        /// Offset in bytes from the start of the text.
        at: usize,
    },
}

/// `bytes` as lower-case hex, two digits a byte.
pub fn encode(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// The lists the app keeps by key (contacts, their sides, verified people): one line each,
/// `hex(key) ‖ " " ‖ rest`. Lines that do not read so are skipped.
pub fn keyed_lines<const N: usize>(text: &str) -> impl Iterator<Item = ([u8; N], &str)> {
    text.lines().filter_map(|line| {
        let (key, rest) = line.split_once(' ')?;
        Some((decode::<N>(key).ok()?, rest))
    })
}

/// One line of [`keyed_lines`], without its line break.
pub fn keyed_line(key: &[u8], rest: &str) -> String {
    format!("{} {rest}", encode(key))
}

/// The `N` bytes `text` holds as hex of either case, if it holds exactly that.
pub fn decode<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let (pairs, rest) = text.as_bytes().as_chunks::<2>();
    if pairs.len() != N || !rest.is_empty() {
        return Err(HexError::Length {
            expected: N * 2,
            found: text.len(),
        });
    }
    let mut out = [0u8; N];
    for (index, (byte, &[high, low])) in out.iter_mut().zip(pairs).enumerate() {
        let value_at = |digit: u8, at: usize| value(digit).ok_or(HexError::NotHex { at });
        match (value_at(high, 2 * index), value_at(low, 2 * index + 1)) {
            (Ok(high), Ok(low)) => *byte = (high << 4) | low,
            (Err(err), _) | (_, Err(err)) => {
                // The text may be a key: leave no half-decoded copy of it behind.
                out.zeroize();
                return Err(err);
            }
        }
    }
    Ok(out)
}

fn value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_lower_case_two_digits_a_byte() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn decodes_either_case() {
        assert_eq!(decode::<4>("000fa5ff"), Ok([0x00, 0x0f, 0xa5, 0xff]));
        assert_eq!(decode::<4>("000FA5Ff"), Ok([0x00, 0x0f, 0xa5, 0xff]));
        assert_eq!(decode::<0>(""), Ok([]));
    }

    #[test]
    fn decode_rejects_wrong_lengths() {
        let length = |expected, found| Some(HexError::Length { expected, found });
        assert_eq!(decode::<2>("abc").err(), length(4, 3));
        assert_eq!(decode::<2>("abcdef").err(), length(4, 6));
        assert_eq!(decode::<1>("").err(), length(2, 0));
        assert_eq!(decode::<0>("00").err(), length(0, 2));
    }

    #[test]
    fn decode_rejects_what_is_not_a_digit() {
        let not_hex = |at| Some(HexError::NotHex { at });
        // `u8::from_str_radix("+f", 16)` is Ok(15): signs must not slip through.
        assert_eq!(decode::<2>("+a+b").err(), not_hex(0));
        assert_eq!(decode::<2>("0a-1").err(), not_hex(2));
        assert_eq!(decode::<2>("0g00").err(), not_hex(1));
        assert_eq!(decode::<2>("00 0").err(), not_hex(2));
        assert_eq!(decode::<1>("0x").err(), not_hex(1));
    }

    #[test]
    fn decode_rejects_multi_byte_characters_without_panicking() {
        // "é" is two bytes, so these have the right byte length; in the second the character
        // straddles two digit pairs, where slicing the `str` would panic.
        assert_eq!(decode::<1>("é"), Err(HexError::NotHex { at: 0 }));
        assert_eq!(decode::<2>("aéa"), Err(HexError::NotHex { at: 1 }));
        assert_eq!(decode::<2>("€a"), Err(HexError::NotHex { at: 0 }));
        assert_eq!(
            decode::<2>("ab€"),
            Err(HexError::Length {
                expected: 4,
                found: 5
            })
        );
    }

    #[test]
    fn errors_do_not_repeat_the_text() {
        let err = decode::<2>("zzzz").unwrap_err();
        assert!(!err.to_string().contains("zz"), "{err}");
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn decode_reverses_encode(bytes in any::<[u8; 32]>()) {
            let text = encode(&bytes);
            prop_assert_eq!(text.len(), 64);
            prop_assert!(text.bytes().all(|b| DIGITS.contains(&b)));
            prop_assert_eq!(decode::<32>(&text), Ok(bytes));
            prop_assert_eq!(decode::<32>(&text.to_uppercase()), Ok(bytes));
        }

        #[test]
        fn decode_accepts_exactly_the_hex_of_n_bytes(text in "\\PC{0,10}|[0-9a-fA-F+ ]{8}") {
            let expected = text.len() == 8 && text.bytes().all(|b| b.is_ascii_hexdigit());
            prop_assert_eq!(decode::<4>(&text).is_ok(), expected);
        }
    }
}
