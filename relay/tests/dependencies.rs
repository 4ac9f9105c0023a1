//! ARCHITECTURE.md invariant: the relay links no end-to-end crypto. `cargo tree -p relay` holds
//! neither `protocol` nor RustCrypto's AEAD, KDF or password crates (TLS's own primitives, in
//! `ring`, and SHA-256 for fingerprints and CSP hashes are fine).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "protocol",
    "aead",
    "aes-gcm",
    "aes-gcm-siv",
    "chacha20poly1305",
    "hkdf",
    "argon2",
    "pbkdf2",
    "scrypt",
    "aead-stream",
];

#[test]
fn relay_depends_on_no_end_to_end_crypto() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--package",
            "relay",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
        ])
        .args(["--format", "{p}"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(crates.contains(&"wire"), "the tree was read: {crates:?}");
    for name in FORBIDDEN {
        assert!(!crates.contains(name), "relay depends on {name}");
    }
}
