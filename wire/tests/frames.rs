//! Round trips and rejections for every frame of PROTOCOL.md A.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;

use proptest::prelude::*;
use wire::{ClientFrame, DecodeError, ErrorCode, FrameType, MemberId, RelayFrame, RoomId};

fn client_frame() -> impl Strategy<Value = (u8, [u8; 16], u32, u32, Vec<u8>, u8)> {
    (
        any::<u8>(),
        any::<[u8; 16]>(),
        any::<u32>(),
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 0..512),
        0u8..4,
    )
}

proptest! {
    #[test]
    fn client_frames_round_trip((version, room, to, nonce, payload, which) in client_frame()) {
        let frame = match which {
            0 => ClientFrame::Join { version, room: RoomId(room) },
            1 => ClientFrame::Broadcast { payload: &payload },
            2 => ClientFrame::SendTo { to: MemberId(to), payload: &payload },
            _ => ClientFrame::Ping { nonce },
        };
        let bytes = frame.encode();
        prop_assert_eq!(bytes.len(), frame.encoded_len());
        prop_assert_eq!(ClientFrame::decode(&bytes), Ok(frame));
    }

    #[test]
    fn relay_frames_round_trip(
        id in any::<u32>(),
        max in any::<u32>(),
        members in proptest::collection::vec(any::<u32>(), 0..70),
        payload in proptest::collection::vec(any::<u8>(), 0..512),
        code in 1u8..=7,
        which in 0u8..6,
    ) {
        let members: Vec<MemberId> = members.into_iter().map(MemberId).collect();
        let frame = match which {
            0 => RelayFrame::Welcome { your_id: MemberId(id), max_payload: max, members: Cow::Borrowed(&members) },
            1 => RelayFrame::Deliver { from: MemberId(id), payload: &payload },
            2 => RelayFrame::Joined(MemberId(id)),
            3 => RelayFrame::Left(MemberId(id)),
            4 => RelayFrame::Pong { nonce: id },
            _ => RelayFrame::Error(ErrorCode::from_code(code).unwrap()),
        };
        let bytes = frame.encode().unwrap();
        prop_assert_eq!(bytes.len(), frame.encoded_len());
        prop_assert_eq!(RelayFrame::decode(&bytes), Ok(frame));
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = ClientFrame::decode(&bytes);
        let _ = RelayFrame::decode(&bytes);
    }

    #[test]
    fn deliver_helper_matches_codec(from in any::<u32>(), payload in proptest::collection::vec(any::<u8>(), 0..256)) {
        let fast = wire::deliver(MemberId(from), &payload);
        let general = RelayFrame::Deliver { from: MemberId(from), payload: &payload }.encode().unwrap();
        prop_assert_eq!(&fast, &general);
        prop_assert_eq!(fast.capacity(), fast.len());
        prop_assert_eq!(&fast[..5], &wire::deliver_header(MemberId(from))[..]);
    }
}

#[test]
fn client_decode_rejects_each_malformed_frame() {
    use DecodeError::*;
    use FrameType as T;
    let cases: &[(&str, &[u8], DecodeError)] = &[
        ("empty message", &[], Empty),
        (
            "relay type sent by a client",
            &[0x81, 0, 0, 0, 1],
            UnknownType(0x81),
        ),
        ("type 0x00", &[0x00], UnknownType(0x00)),
        ("type 0x05", &[0x05, 1, 2, 3, 4], UnknownType(0x05)),
        ("JOIN without body", &[0x01], Truncated(T::Join)),
        (
            "JOIN with 15-byte room",
            &[&[0x01, 0x01][..], &[0; 15]].concat(),
            Truncated(T::Join),
        ),
        (
            "JOIN with a trailing byte",
            &[&[0x01, 0x01][..], &[0; 17]].concat(),
            TrailingBytes(T::Join),
        ),
        ("SEND_TO without to", &[0x03, 0, 0, 0], Truncated(T::SendTo)),
        (
            "PING with 3-byte nonce",
            &[0x04, 0, 0, 0],
            Truncated(T::Ping),
        ),
        (
            "PING with a trailing byte",
            &[0x04, 0, 0, 0, 0, 0],
            TrailingBytes(T::Ping),
        ),
    ];
    for (name, bytes, expected) in cases {
        assert_eq!(ClientFrame::decode(bytes), Err(*expected), "{name}");
    }
}

#[test]
fn relay_decode_rejects_each_malformed_frame() {
    use DecodeError::*;
    use FrameType as T;
    let cases: &[(&str, &[u8], DecodeError)] = &[
        ("empty message", &[], Empty),
        ("client type sent by a relay", &[0x02, 1], UnknownType(0x02)),
        ("type 0x85", &[0x85, 0, 0, 0, 0], UnknownType(0x85)),
        (
            "WELCOME without count",
            &[0x80, 0, 0, 0, 1, 0, 0, 0, 2, 0],
            Truncated(T::Welcome),
        ),
        (
            "WELCOME count 2, one id",
            &[0x80, 0, 0, 0, 1, 0, 0, 0, 2, 0, 2, 0, 0, 0, 9],
            Truncated(T::Welcome),
        ),
        (
            "WELCOME count 0, one id",
            &[0x80, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 9],
            TrailingBytes(T::Welcome),
        ),
        (
            "WELCOME count 1, partial id",
            &[0x80, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0, 9],
            Truncated(T::Welcome),
        ),
        (
            "WELCOME huge count, no ids",
            &[0x80, 0, 0, 0, 1, 0, 0, 0, 2, 0xff, 0xff],
            Truncated(T::Welcome),
        ),
        ("DELIVER without from", &[0x81, 0, 0], Truncated(T::Deliver)),
        ("JOINED short", &[0x82, 0, 0, 0], Truncated(T::Joined)),
        (
            "JOINED long",
            &[0x82, 0, 0, 0, 0, 0],
            TrailingBytes(T::Joined),
        ),
        ("LEFT short", &[0x83], Truncated(T::Left)),
        ("LEFT long", &[0x83, 0, 0, 0, 0, 0], TrailingBytes(T::Left)),
        ("PONG short", &[0x84, 0], Truncated(T::Pong)),
        ("PONG long", &[0x84, 0, 0, 0, 0, 0], TrailingBytes(T::Pong)),
        ("ERROR without code", &[0x8F], Truncated(T::Error)),
        (
            "ERROR with two bytes",
            &[0x8F, 1, 1],
            TrailingBytes(T::Error),
        ),
        ("ERROR code 0", &[0x8F, 0], UnknownErrorCode(0)),
        ("ERROR code 8", &[0x8F, 8], UnknownErrorCode(8)),
    ];
    for (name, bytes, expected) in cases {
        assert_eq!(RelayFrame::decode(bytes), Err(*expected), "{name}");
    }
}

#[test]
fn payloads_may_be_empty() {
    assert_eq!(
        ClientFrame::decode(&[0x02]),
        Ok(ClientFrame::Broadcast { payload: &[] })
    );
    assert_eq!(
        ClientFrame::decode(&[0x03, 0, 0, 0, 5]),
        Ok(ClientFrame::SendTo {
            to: MemberId(5),
            payload: &[]
        })
    );
    assert_eq!(
        RelayFrame::decode(&[0x81, 0, 0, 0, 5]),
        Ok(RelayFrame::Deliver {
            from: MemberId(5),
            payload: &[]
        })
    );
}

#[test]
fn decoded_payload_borrows_from_the_message() {
    let message = [0x03, 0, 0, 0, 9, 0xaa, 0xbb];
    let Ok(ClientFrame::SendTo { payload, .. }) = ClientFrame::decode(&message) else {
        panic!("not a SEND_TO");
    };
    assert_eq!(payload.as_ptr(), message[5..].as_ptr());
}

#[test]
fn join_keeps_unknown_version_for_error_6() {
    let bytes = [&[0x01, 0x02][..], &[7; 16]].concat();
    assert_eq!(
        ClientFrame::decode(&bytes),
        Ok(ClientFrame::Join {
            version: 2,
            room: RoomId([7; 16])
        })
    );
}

#[test]
fn known_bytes_of_each_frame() {
    let join = ClientFrame::Join {
        version: 1,
        room: RoomId([0x11; 16]),
    }
    .encode();
    assert_eq!(join, [&[0x01, 0x01][..], &[0x11; 16]].concat());
    let welcome = RelayFrame::Welcome {
        your_id: MemberId(0x01020304),
        max_payload: 131072,
        members: Cow::Owned(vec![MemberId(5), MemberId(6)]),
    };
    assert_eq!(
        welcome.encode().unwrap(),
        [0x80, 1, 2, 3, 4, 0, 2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6]
    );
    assert_eq!(
        RelayFrame::Error(ErrorCode::TooSlow).encode().unwrap(),
        [0x8F, 7]
    );
    assert_eq!(
        ClientFrame::Ping { nonce: 0xdeadbeef }.encode(),
        [0x04, 0xde, 0xad, 0xbe, 0xef]
    );
}

#[test]
fn welcome_with_too_many_members_is_refused() {
    let members = vec![MemberId(0); usize::from(u16::MAX) + 1];
    let frame = RelayFrame::Welcome {
        your_id: MemberId(1),
        max_payload: 1,
        members: Cow::Owned(members),
    };
    let mut out = vec![0xee];
    assert!(frame.encode_into(&mut out).is_err());
    assert_eq!(out, [0xee]);
}
