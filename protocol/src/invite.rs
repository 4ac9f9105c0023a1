//! The invite fragment `#r1.` ‖ b64u(S) (PROTOCOL.md B.1): strict parsing and creation.
//!
//! Parsing accepts exactly 43 characters of canonical, unpadded base64url; anything else,
//! including an encoding with non-zero trailing bits, is rejected so that one secret has exactly
//! one invite text.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::keys::RoomSecret;

/// What starts every v1 invite fragment.
pub const FRAGMENT_PREFIX: &str = "#r1.";

/// Length of b64u(S) for a 32-byte secret.
const ENCODED_LEN: usize = 43;

/// Why a fragment is not a v1 invite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum InviteError {
    /// The fragment does not start with `#r1.`.
    #[error("not a cutout/v1 invite")]
    NotAnInvite,
    /// The secret part is not 43 characters of canonical base64url.
    #[error("malformed invite secret")]
    MalformedSecret,
}

/// The fragment (with its leading `#`) that carries `secret`.
pub fn invite_fragment(secret: &RoomSecret) -> String {
    let mut fragment = String::with_capacity(FRAGMENT_PREFIX.len() + ENCODED_LEN);
    fragment.push_str(FRAGMENT_PREFIX);
    URL_SAFE_NO_PAD.encode_string(secret.as_bytes(), &mut fragment);
    fragment
}

/// Reads a room secret from a URL fragment such as `location.hash`.
pub fn parse_invite_fragment(fragment: &str) -> Result<RoomSecret, InviteError> {
    let encoded = fragment
        .strip_prefix(FRAGMENT_PREFIX)
        .ok_or(InviteError::NotAnInvite)?;
    if encoded.len() != ENCODED_LEN {
        return Err(InviteError::MalformedSecret);
    }
    // The engine rejects padding and non-zero trailing bits, which is the canonical-form rule.
    let decoded = Zeroizing::new(
        URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| InviteError::MalformedSecret)?,
    );
    let bytes: [u8; 32] = decoded
        .as_slice()
        .try_into()
        .map_err(|_| InviteError::MalformedSecret)?;
    Ok(RoomSecret::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> RoomSecret {
        RoomSecret::from_bytes(core::array::from_fn(|i| i as u8))
    }

    #[test]
    fn fragment_round_trips() {
        let fragment = invite_fragment(&secret());
        assert_eq!(fragment.len(), 47);
        let parsed = parse_invite_fragment(&fragment).map(|s| *s.as_bytes());
        assert_eq!(parsed, Ok(*secret().as_bytes()));
    }

    #[test]
    fn rejects_every_malformed_fragment() {
        let good = invite_fragment(&secret());
        let last = good.len() - 1;
        // The last character encodes 4 bits of data and 2 zero bits: b64u(0..=31) ends in '8'
        // (111100), and '9' (111101) decodes to the same bytes with a trailing bit set.
        assert!(good.ends_with('8'));
        let non_canonical = format!("{}{}", &good[..last], '9');
        let cases = [
            (
                "missing prefix",
                good[1..].to_string(),
                InviteError::NotAnInvite,
            ),
            (
                "other version",
                good.replace("#r1.", "#r2."),
                InviteError::NotAnInvite,
            ),
            (
                "one char short",
                good[..last].to_string(),
                InviteError::MalformedSecret,
            ),
            (
                "one char long",
                format!("{good}A"),
                InviteError::MalformedSecret,
            ),
            (
                "padded",
                format!("{}=", &good[..last]),
                InviteError::MalformedSecret,
            ),
            (
                "standard alphabet",
                good.replace('_', "/").replace('-', "+") + "",
                InviteError::MalformedSecret,
            ),
            (
                "non-canonical trailing bits",
                non_canonical,
                InviteError::MalformedSecret,
            ),
            (
                "space inside",
                format!("{} {}", &good[..10], &good[11..]),
                InviteError::MalformedSecret,
            ),
        ];
        for (name, fragment, expected) in cases {
            if fragment == good {
                continue;
            }
            assert_eq!(
                parse_invite_fragment(&fragment).err(),
                Some(expected),
                "{name}"
            );
        }
    }

    #[test]
    fn standard_alphabet_is_rejected() {
        let fragment = format!("#r1.{}", "/".repeat(42) + "A");
        assert_eq!(
            parse_invite_fragment(&fragment).err(),
            Some(InviteError::MalformedSecret)
        );
    }
}
