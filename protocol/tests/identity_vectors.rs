//! Known-answer vectors of v2 part 1 (`testdata/cutout-v2-identity.json`, made by the Python
//! implementation in `testdata/gen/` from docs/PROTOCOL.md I.1–I.5): identities, session
//! certificates, signed presence, safety numbers and verification codes, each family with the
//! tampered inputs that must be refused. Runs natively and in wasm.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::json::{self, array, hex_field, text};
use protocol::MemberId;
use protocol::identity::safety::{VerificationCode, half, safety_number};
use protocol::identity::session::{
    Certificate, PresenceMessage, PresenceType, SessionFacts, SessionKey, session_statement,
};
use protocol::identity::{IdentityKeys, IdentitySigner, PublicIdentity, verify};
use protocol::ids::{Challenge, DeviceId, SenderId};
use serde_json::Value;
use wire::RoomId;

const VECTORS: &str = include_str!("../testdata/cutout-v2-identity.json");

fn family(name: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    json::family(&all, name)
}

fn label(case: &Value) -> String {
    text(case, "name")
}

/// The session a vector describes; `name` is its `display_name`, read by the caller.
fn facts<'a>(case: &Value, name: &'a str) -> SessionFacts<'a> {
    SessionFacts {
        room_id: RoomId(array(hex_field(case, "room_id"))),
        sender: SenderId(array(hex_field(case, "sender_id"))),
        device_id: DeviceId(array(hex_field(case, "device_id"))),
        name,
    }
}

fn presence_type(case: &Value) -> PresenceType {
    match case["type"].as_u64().unwrap() {
        1 => PresenceType::Join,
        2 => PresenceType::Here,
        3 => PresenceType::Ack,
        other => panic!("type {other}"),
    }
}

fn presence_message(case: &Value) -> PresenceMessage {
    PresenceMessage {
        kind: presence_type(case),
        room_id: RoomId(array(hex_field(case, "room_id"))),
        sender: SenderId(array(hex_field(case, "sender_id"))),
        member: MemberId(u32::try_from(case["member_id"].as_u64().unwrap()).unwrap()),
        first: Challenge(array(hex_field(case, "first"))),
        second: Challenge(array(hex_field(case, "second"))),
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn identities() {
    for case in family("identities") {
        let keys = IdentityKeys::from_seeds(
            &array(hex_field(&case, "ik_seed")),
            &array(hex_field(&case, "xk_seed")),
        );
        let public = keys.public();
        assert_eq!(
            public.ik().to_vec(),
            hex_field(&case, "ik"),
            "{}",
            label(&case)
        );
        assert_eq!(
            public.xk().to_vec(),
            hex_field(&case, "xk"),
            "{}",
            label(&case)
        );
        let bytes = hex_field(&case, "identity");
        assert_eq!(public.to_bytes().to_vec(), bytes, "{}", label(&case));
        assert_eq!(PublicIdentity::parse(&bytes), Ok(public));
    }
    for case in family("identity_checks") {
        let valid = case["valid"].as_bool().unwrap();
        let parsed = PublicIdentity::parse(&hex_field(&case, "identity"));
        assert_eq!(
            parsed.is_ok(),
            valid,
            "{}: {}",
            label(&case),
            text(&case, "why")
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn certificates() {
    let identities = family("identities");
    for case in family("certificates") {
        let index = usize::try_from(case["identity_index"].as_u64().unwrap()).unwrap();
        let keys = IdentityKeys::from_seeds(
            &array(hex_field(&identities[index], "ik_seed")),
            &array(hex_field(&identities[index], "xk_seed")),
        );
        let sk = SessionKey::from_seed(&array(hex_field(&case, "sk_seed")));
        assert_eq!(
            sk.public().to_vec(),
            hex_field(&case, "sk"),
            "{}",
            label(&case)
        );
        let name = text(&case, "display_name");
        let facts = facts(&case, &name);
        let statement = session_statement(&facts, &sk.public()).unwrap();
        assert_eq!(statement, hex_field(&case, "statement"), "{}", label(&case));
        let cert = Certificate::assemble(keys.public(), sk.public(), keys.sign(&statement));
        let bytes = hex_field(&case, "cert");
        assert_eq!(cert.to_bytes().to_vec(), bytes, "{}", label(&case));
        assert_eq!(Certificate::check(&bytes, &facts), Ok(cert));
    }
    for case in family("certificate_checks") {
        let name = text(&case, "display_name");
        let facts = facts(&case, &name);
        let checked = Certificate::check(&hex_field(&case, "cert"), &facts);
        let valid = case["valid"].as_bool().unwrap();
        assert_eq!(
            checked.is_ok(),
            valid,
            "{}: {}",
            label(&case),
            text(&case, "why")
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn signed_presence() {
    for case in family("presence") {
        let sk = SessionKey::from_seed(&array(hex_field(&case, "sk_seed")));
        assert_eq!(
            sk.public().to_vec(),
            hex_field(&case, "sk"),
            "{}",
            label(&case)
        );
        let message = presence_message(&case);
        let statement = message.statement();
        assert_eq!(statement, hex_field(&case, "statement"), "{}", label(&case));
        let signature = sk.sign_presence(&message);
        assert_eq!(
            signature.to_vec(),
            hex_field(&case, "signature"),
            "{}",
            label(&case)
        );
        assert!(verify(&sk.public(), &statement, &signature));
    }
    for case in family("presence_checks") {
        let statement = presence_message(&case).statement();
        let valid = verify(
            &array(hex_field(&case, "sk")),
            &statement,
            &array(hex_field(&case, "signature")),
        );
        let expected = case["valid"].as_bool().unwrap();
        assert_eq!(valid, expected, "{}: {}", label(&case), text(&case, "why"));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn safety_numbers() {
    for case in family("safety_numbers") {
        let a = array(hex_field(&case, "ik_a"));
        let b = array(hex_field(&case, "ik_b"));
        assert_eq!(half(&a), text(&case, "half_a"), "{}", label(&case));
        assert_eq!(half(&b), text(&case, "half_b"), "{}", label(&case));
        assert_eq!(
            safety_number(&a, &b),
            text(&case, "number"),
            "{}",
            label(&case)
        );
        assert_eq!(
            safety_number(&b, &a),
            text(&case, "number"),
            "{}",
            label(&case)
        );
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn verification_codes() {
    for case in family("verification_codes") {
        let code = VerificationCode {
            shown: array(hex_field(&case, "ik_shown")),
            seen: array(hex_field(&case, "ik_seen")),
        };
        assert_eq!(code.text(), text(&case, "text"), "{}", label(&case));
        assert_eq!(VerificationCode::parse(&text(&case, "text")), Ok(code));
    }
    for case in family("verification_code_checks") {
        let parsed = VerificationCode::parse(&text(&case, "text"));
        let valid = case["valid"].as_bool().unwrap();
        assert_eq!(
            parsed.is_ok(),
            valid,
            "{}: {}",
            label(&case),
            text(&case, "why")
        );
    }
}
