//! Base45 (RFC 9285): bytes as text in the QR alphanumeric alphabet, which keeps about 97% of
//! byte-mode capacity and survives decoders that only return text (PROTOCOL.md C.2).
//!
//! Small enough to implement here rather than depend on a crate: two bytes become three
//! characters `c d e` with `a·256 + b = c + d·45 + e·45²`, a trailing byte becomes two.

use thiserror::Error;

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
/// The longest text [`decode`] reads: Base45 of the largest offline blob (PROTOCOL.md C.3,
/// 262 144 bytes), the longest payload of any Cutout text. Longer input is refused before any
/// work or allocation in proportion to it.
pub const MAX_TEXT_LEN: usize = 262_144 / 2 * 3;

/// Why a text is not Base45 (RFC 9285 §4.2 requires rejecting each of these).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum Base45Error {
    /// A character outside the 45-character alphabet.
    #[error("invalid Base45 character")]
    InvalidCharacter,
    /// A length of 3n + 1 characters, which no byte string encodes to.
    #[error("invalid Base45 length")]
    InvalidLength,
    /// A group whose value does not fit the bytes it stands for.
    #[error("Base45 group out of range")]
    OutOfRange,
    /// Longer than [`MAX_TEXT_LEN`].
    #[error("Base45 text too long")]
    TooLong,
}

/// Encodes `bytes` as Base45 text.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let mut push = |value: usize| out.push(char::from(ALPHABET[value % 45]));
    for pair in bytes.chunks(2) {
        match *pair {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(n);
                push(n / 45);
                push(n / (45 * 45));
            }
            [a] => {
                let n = usize::from(a);
                push(n);
                push(n / 45);
            }
            _ => {}
        }
    }
    out
}

/// Decodes Base45 text, rejecting texts longer than [`MAX_TEXT_LEN`], invalid characters,
/// lengths and out-of-range groups.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    if text.len() > MAX_TEXT_LEN {
        return Err(Base45Error::TooLong);
    }
    let digits = text
        .bytes()
        .map(digit)
        .collect::<Result<Vec<u32>, Base45Error>>()?;
    if digits.len() % 3 == 1 {
        return Err(Base45Error::InvalidLength);
    }
    let mut out = Vec::with_capacity(digits.len() / 3 * 2 + 1);
    for group in digits.chunks(3) {
        match *group {
            [c, d, e] => {
                let n = c + d * 45 + e * 45 * 45;
                let pair = u16::try_from(n).map_err(|_| Base45Error::OutOfRange)?;
                out.extend_from_slice(&pair.to_be_bytes());
            }
            [c, d] => {
                let n = c + d * 45;
                out.push(u8::try_from(n).map_err(|_| Base45Error::OutOfRange)?);
            }
            _ => return Err(Base45Error::InvalidLength),
        }
    }
    Ok(out)
}

fn digit(byte: u8) -> Result<u32, Base45Error> {
    ALPHABET
        .iter()
        .position(|&c| c == byte)
        .map(|i| i as u32)
        .ok_or(Base45Error::InvalidCharacter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9285_examples() {
        // RFC 9285 §4.3 and §4.4.
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0"), Ok(b"ietf!".to_vec()));
    }

    #[test]
    fn edge_values() {
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0xff, 0xff]), "FGW");
        assert_eq!(decode("FGW"), Ok(vec![0xff, 0xff]));
        assert_eq!(encode(&[0xff]), "U5");
        assert_eq!(decode("U5"), Ok(vec![0xff]));
    }

    #[test]
    fn rejects_invalid_input() {
        assert_eq!(decode("GGW"), Err(Base45Error::OutOfRange), "65536");
        assert_eq!(decode("V5"), Err(Base45Error::OutOfRange), "256");
        assert_eq!(decode("A"), Err(Base45Error::InvalidLength));
        assert_eq!(decode("BB8A"), Err(Base45Error::InvalidLength));
        assert_eq!(
            decode("bb8"),
            Err(Base45Error::InvalidCharacter),
            "lower case"
        );
        assert_eq!(decode("BB="), Err(Base45Error::InvalidCharacter));
        assert_eq!(decode("BBé"), Err(Base45Error::InvalidCharacter));
        assert_eq!(
            decode(&"0".repeat(MAX_TEXT_LEN)).map(|b| b.len()),
            Ok(262_144)
        );
        assert_eq!(
            decode(&"0".repeat(MAX_TEXT_LEN + 3)),
            Err(Base45Error::TooLong)
        );
    }

    #[test]
    fn all_pairs_round_trip() {
        for a in 0..=255u8 {
            for b in [0u8, 1, 44, 45, 127, 200, 255] {
                assert_eq!(decode(&encode(&[a, b])), Ok(vec![a, b]));
                assert_eq!(decode(&encode(&[a])), Ok(vec![a]));
            }
        }
    }
}
