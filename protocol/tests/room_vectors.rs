//! Known-answer vectors of v2 rooms (`testdata/cutout-v2-room.json`, made by the Python
//! implementation in `testdata/gen/room_vectors.py` from docs/PROTOCOL.md R.2–R.4 and R.7):
//! member credentials, `K_join`, knocks, the join channel's three sealed payloads, statuses and
//! their order, each family with the inputs that must be refused. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::json::{array, family, hex_field, text};
use protocol::MemberId;
use protocol::group::credential::{GroupId, LeafFacts, MemberCredential, member_statement};
use protocol::group::join::channel_key_bytes;
use protocol::group::{Ends, Ephemeral, JoinChannel, JoinKeys, Payload, Status};
use protocol::identity::{IdentityKeys, IdentitySigner};
use protocol::ids::DeviceId;
use protocol::keys::{RoomKeys, RoomSecret};
use serde_json::Value;

const VECTORS: &str = include_str!("../testdata/cutout-v2-room.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).unwrap()
}

fn int(case: &Value, key: &str) -> u64 {
    case[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no integer {key}"))
}

fn join_keys(case: &Value) -> JoinKeys {
    JoinKeys::derive(&RoomKeys::derive(&RoomSecret::from_bytes(array(
        hex_field(case, "s"),
    ))))
}

fn valid(case: &Value) -> bool {
    case["valid"].as_bool().unwrap()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn member_credentials_are_made_and_checked_as_specified() {
    let v = vectors();
    for case in family(&v, "member_credentials") {
        let who = &v["people"][text(&case, "person")];
        let keys = IdentityKeys::from_seeds(
            &array(hex_field(who, "ik_seed")),
            &array(hex_field(who, "xk_seed")),
        );
        let group = GroupId(array(hex_field(&case, "group_id")));
        let msk: [u8; 32] = array(hex_field(&case, "msk"));
        let device_id = DeviceId(array(hex_field(&case, "device_id")));
        let name = text(&case, "display_name");
        let statement = member_statement(&LeafFacts {
            group,
            msk: &msk,
            device_id,
            name: &name,
        })
        .unwrap();
        assert_eq!(
            statement,
            hex_field(&case, "statement"),
            "{}",
            text(&case, "name")
        );
        let credential =
            MemberCredential::assemble(keys.public(), device_id, &name, keys.sign(&statement));
        assert_eq!(credential.to_bytes(), hex_field(&case, "credential"));
    }
    for case in family(&v, "member_credential_checks") {
        let checked = MemberCredential::check(
            &hex_field(&case, "credential"),
            GroupId(array(hex_field(&case, "group_id"))),
            &hex_field(&case, "msk"),
        );
        let label = format!("{}: {}", text(&case, "name"), text(&case, "why"));
        assert_eq!(checked.is_ok(), valid(&case), "{label}");
        if let Ok(credential) = checked {
            assert_eq!(credential.identity().ik().to_vec(), hex_field(&case, "ik"));
            assert_eq!(
                credential.device_id().0.to_vec(),
                hex_field(&case, "device_id")
            );
            assert_eq!(credential.name(), text(&case, "display_name"));
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn join_keys_and_knocks_match() {
    let v = vectors();
    for case in family(&v, "join_keys") {
        let keys = RoomKeys::derive(&RoomSecret::from_bytes(array(hex_field(&case, "s"))));
        assert_eq!(keys.room_id().0.to_vec(), hex_field(&case, "room_id"));
        assert_eq!(
            JoinKeys::derive(&keys).k_join_bytes().to_vec(),
            hex_field(&case, "k_join")
        );
    }
    for case in family(&v, "knocks") {
        let e_n = Ephemeral::from_seed(&array(hex_field(&case, "e_n_seed")));
        assert_eq!(e_n.public().to_vec(), hex_field(&case, "e_n"));
        let n = MemberId(u32::try_from(int(&case, "n")).unwrap());
        let attempt = u8::try_from(int(&case, "attempt")).unwrap();
        let payload = join_keys(&case).knock(n, attempt, &e_n.public());
        assert_eq!(
            payload,
            hex_field(&case, "payload"),
            "{}",
            text(&case, "name")
        );
    }
    for case in family(&v, "knock_checks") {
        let keys = join_keys(&case);
        let from = MemberId(u32::try_from(int(&case, "from")).unwrap());
        let bytes = hex_field(&case, "payload");
        let accepted = match Payload::parse(&bytes) {
            Some(Ok(Payload::Knock { attempt, e_n, tag })) => keys
                .check_knock(from, attempt, &e_n, &tag)
                .then_some((attempt, e_n)),
            _ => None,
        };
        let label = format!("{}: {}", text(&case, "name"), text(&case, "why"));
        assert_eq!(accepted.is_some(), valid(&case), "{label}");
        if let Some((attempt, e_n)) = accepted {
            assert_eq!(u64::from(attempt), int(&case, "attempt"));
            assert_eq!(e_n.to_vec(), hex_field(&case, "e_n"));
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn join_channels_seal_and_open_as_specified() {
    let v = vectors();
    for case in family(&v, "channels") {
        let keys = join_keys(&case);
        let e_n = Ephemeral::from_seed(&array(hex_field(&case, "e_n_seed")));
        let e_d = Ephemeral::from_seed(&array(hex_field(&case, "e_d_seed")));
        let ends = Ends {
            n: MemberId(u32::try_from(int(&case, "n")).unwrap()),
            d: MemberId(u32::try_from(int(&case, "d")).unwrap()),
            e_n: e_n.public(),
            e_d: e_d.public(),
        };
        let k = channel_key_bytes(&keys, &e_n, &ends).unwrap();
        assert_eq!(k.to_vec(), hex_field(&case, "k"));
        assert_eq!(channel_key_bytes(&keys, &e_d, &ends), Some(k));
        let answerer = JoinChannel::derive(&keys, &e_d, ends).unwrap();
        let group = GroupId(array(hex_field(&case, "group_id")));
        assert_eq!(
            answerer.answer(group, int(&case, "epoch")).unwrap(),
            hex_field(&case, "answer")
        );
        let newcomer = JoinChannel::derive(&keys, &e_n, ends).unwrap();
        assert_eq!(
            newcomer.request(&hex_field(&case, "key_package")).unwrap(),
            hex_field(&case, "request")
        );
        assert_eq!(
            answerer.welcome(&hex_field(&case, "mls_welcome")).unwrap(),
            hex_field(&case, "welcome")
        );
    }
    for case in family(&v, "channel_checks") {
        let label = format!("{}: {}", text(&case, "name"), text(&case, "why"));
        let opened = open_channel_case(&case);
        assert_eq!(opened.is_some(), valid(&case), "{label}");
        if let Some(plaintext) = opened {
            assert_eq!(plaintext, hex_field(&case, "plaintext"), "{label}");
        }
    }
}

/// Opens a `channel_checks` payload the way its receiver would; the plaintext, or `None`.
fn open_channel_case(case: &Value) -> Option<Vec<u8>> {
    let keys = join_keys(case);
    let own = Ephemeral::from_seed(&array(hex_field(case, "own_seed")));
    let n = MemberId(u32::try_from(int(case, "n")).unwrap());
    let d = MemberId(u32::try_from(int(case, "d")).unwrap());
    let bytes = hex_field(case, "payload");
    let payload = Payload::parse(&bytes)?.ok()?;
    match (text(case, "expect").as_str(), payload) {
        ("answer", Payload::Answer { e_n, e_d, sealed }) => {
            if e_n != own.public() {
                return None;
            }
            let channel = JoinChannel::derive(&keys, &own, Ends { n, d, e_n, e_d })?;
            let (group, epoch) = channel.open_answer(sealed).ok()?;
            assert_eq!(group.0.to_vec(), hex_field(case, "group_id"));
            assert_eq!(epoch, int(case, "epoch"));
            Some([&group.0[..], &epoch.to_be_bytes()].concat())
        }
        ("request", Payload::Request { e_n, sealed }) => {
            let ends = Ends {
                n,
                d,
                e_n,
                e_d: own.public(),
            };
            JoinChannel::derive(&keys, &own, ends)?
                .open_request(sealed)
                .ok()
        }
        ("welcome", Payload::Welcome { e_n, sealed }) => {
            if e_n != own.public() {
                return None;
            }
            let e_d = array(hex_field(case, "e_d"));
            JoinChannel::derive(&keys, &own, Ends { n, d, e_n, e_d })?
                .open_welcome(sealed)
                .ok()
        }
        _ => None,
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn statuses_and_their_order_match() {
    let v = vectors();
    for case in family(&v, "statuses") {
        let m = MemberId(u32::try_from(int(&case, "m")).unwrap());
        let payload = join_keys(&case).status(
            m,
            GroupId(array(hex_field(&case, "group_id"))),
            int(&case, "epoch"),
            array(hex_field(&case, "branch")),
        );
        assert_eq!(
            payload,
            hex_field(&case, "payload"),
            "{}",
            text(&case, "name")
        );
    }
    for case in family(&v, "status_checks") {
        let keys = join_keys(&case);
        let from = MemberId(u32::try_from(int(&case, "from")).unwrap());
        let bytes = hex_field(&case, "payload");
        let accepted = match Payload::parse(&bytes) {
            Some(Ok(Payload::Status(status))) => keys.check_status(from, &status).then_some(status),
            _ => None,
        };
        let label = format!("{}: {}", text(&case, "name"), text(&case, "why"));
        assert_eq!(accepted.is_some(), valid(&case), "{label}");
        if let Some(status) = accepted {
            assert_eq!(status.group.0.to_vec(), hex_field(&case, "group_id"));
            assert_eq!(status.epoch, int(&case, "epoch"));
            assert_eq!(status.branch.to_vec(), hex_field(&case, "branch"));
        }
    }
    for case in family(&v, "status_order") {
        let status = |side: &str| Status {
            group: GroupId([0; 16]),
            epoch: int(&case, &format!("epoch_{side}")),
            branch: array(hex_field(&case, &format!("branch_{side}"))),
            tag: [0; 16],
        };
        let (a, b) = (status("a"), status("b"));
        let greater = match (a.beats(&b), b.beats(&a)) {
            (true, false) => "a",
            (false, true) => "b",
            (false, false) => "neither",
            (true, true) => panic!("both beat each other"),
        };
        assert_eq!(greater, text(&case, "greater"), "{}", text(&case, "name"));
    }
}
