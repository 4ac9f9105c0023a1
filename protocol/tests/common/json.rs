//! Reading known-answer vector files: hex fields, fixed-size arrays, strings.

use serde_json::Value;

pub fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

pub fn hex_field(value: &Value, key: &str) -> Vec<u8> {
    hex(value[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing {key}")))
}

pub fn array<const N: usize>(bytes: Vec<u8>) -> [u8; N] {
    bytes.try_into().unwrap()
}

pub fn text(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("missing {key}"))
        .to_string()
}

/// The cases of one family of a vector file, which must have some.
pub fn family(v: &Value, name: &str) -> Vec<Value> {
    let cases = v[name]
        .as_array()
        .unwrap_or_else(|| panic!("no {name}"))
        .clone();
    assert!(!cases.is_empty(), "{name} is empty");
    cases
}
