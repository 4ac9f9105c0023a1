#!/usr/bin/env python3
"""Known-answer vectors for Cutout v2 pairing and the contact codes of paired identities
(docs/PROTOCOL.md I.6), written from that text alone with pyca/cryptography and `base45`:
nothing here shares code with the `protocol` crate. The identity helpers (I.1) are
`identity_vectors.py`'s, in this folder.

Regenerate (from this folder):

    pip install -r requirements.txt && python3 pairing_vectors.py > ../cutout-v2-pairing.json

Every key comes from a fixed seed and every salt is fixed, so the output is the same on every
run. `protocol/tests/pairing_vectors.rs` reads the JSON natively and in wasm.
"""

import json
import unicodedata

import base45
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from identity_vectors import b45decode_strict, check_identity, ed_sign, make_identity, seed

PAIR_LABEL = b"cutout/v2 pair"
CODE_KEY_LABEL = b"cutout/v2 qr-key"
ID_LABEL = b"cutout/v2 identity"
VERSION, MODE_PAIRED = 0x01, 0xC2
NONCE = bytes(12)
MAX_NAME = 40
# The point of order 4 on Curve25519 (u = 1): X25519 with it is all zeros for any scalar.
SMALL_ORDER_XK = bytes([1]) + bytes(31)


def hkdf(salt, ikm, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def person(name):
    ik_seed, xk_seed = seed(f"pairing {name} ik"), seed(f"pairing {name} xk")
    ik, xk, identity = make_identity(ik_seed, xk_seed)
    return {"ik_seed": ik_seed, "xk_seed": xk_seed, "ik": ik, "xk": xk, "identity": identity}


def shared(own_xk_seed, other_xk):
    """X25519; None where the result is all zeros (cryptography refuses it)."""
    try:
        return X25519PrivateKey.from_private_bytes(own_xk_seed).exchange(
            X25519PublicKey.from_public_bytes(other_xk))
    except ValueError:
        return None


def pair_key(dh, ik_a, ik_b):
    low, high = sorted([ik_a, ik_b])
    return hkdf(PAIR_LABEL, dh, low + high)


def clean_name(name):
    """docs/PROTOCOL.md I.6: control characters become spaces, then trim, then 40 characters."""
    mapped = "".join(" " if unicodedata.category(c) == "Cc" else c for c in name)
    return mapped.strip()[:MAX_NAME]


def code_text(identity, name_bytes, version=1):
    return "CT2P" + base45.b45encode(bytes([version]) + identity + name_bytes).decode("ascii")


def parse_code(text):
    """The spec's reading: (identity, name) or the reason it is refused."""
    if not text.startswith("CT2P"):
        return "not_a_code"
    payload = b45decode_strict(text[4:])
    if payload is None or len(payload) < 1 + 128 or payload[0] != 1:
        return "damaged"
    identity, name = payload[1:129], payload[129:]
    if not check_identity(identity):
        return "identity"
    if shared(seed("any scalar"), identity[32:64]) is None:
        return "agreement"
    if len(name) > 4 * MAX_NAME:
        return "name"
    try:
        name = name.decode("utf-8")
    except UnicodeDecodeError:
        return "name"
    if clean_name(name) != name:
        return "name"
    return identity, name


def salt(n):
    return bytes((n * 16 + i) & 0xFF for i in range(16))


def seal(key_pair, salt_bytes, sealer_ik, recipient_ik, plaintext, mode=MODE_PAIRED,
         label=CODE_KEY_LABEL):
    header = bytes([VERSION, mode]) + salt_bytes
    key = hkdf(salt_bytes, key_pair, label + sealer_ik + recipient_ik)
    return header + AESGCM(key).encrypt(NONCE, plaintext, header)


def text_plain(text):
    return b"\x01" + text.encode("utf-8")


def file_plain(name, data):
    raw = name.encode("utf-8")
    return b"\x02" + bytes([len(raw)]) + raw + data


def flip(blob, index, mask=0x01):
    out = bytearray(blob)
    out[index] ^= mask
    return bytes(out)


def main():
    ana, ben, cy = person("ana"), person("ben"), person("cy")
    ab_at_ana = pair_key(shared(ana["xk_seed"], ben["xk"]), ana["ik"], ben["ik"])
    ab_at_ben = pair_key(shared(ben["xk_seed"], ana["xk"]), ben["ik"], ana["ik"])
    assert ab_at_ana == ab_at_ben
    ac = pair_key(shared(ana["xk_seed"], cy["xk"]), ana["ik"], cy["ik"])

    def pub(p):
        return {"ik_seed": p["ik_seed"].hex(), "xk_seed": p["xk_seed"].hex(),
                "identity": p["identity"].hex()}

    pair_keys = [
        {"name": "Ana with Ben, at Ana", "own": "ana", "other": "ben", "pair_key": ab_at_ana.hex()},
        {"name": "Ana with Ben, at Ben: the same key", "own": "ben", "other": "ana",
         "pair_key": ab_at_ben.hex()},
        {"name": "Ana with Cy", "own": "ana", "other": "cy", "pair_key": ac.hex()},
    ]
    pair_key_rejects = [
        {"name": "an identity paired with itself", "own": "ana", "other_ik": ana["ik"].hex(),
         "other_xk": ana["xk"].hex(), "why": "own"},
        {"name": "an X25519 key of small order: all zeros", "own": "ana",
         "other_ik": ben["ik"].hex(), "other_xk": SMALL_ORDER_XK.hex(), "why": "agreement"},
    ]
    assert shared(ana["xk_seed"], SMALL_ORDER_XK) is None

    # Pairing codes.
    def code_case(name, text):
        parsed = parse_code(text)
        case = {"name": name, "text": text}
        if isinstance(parsed, str):
            case.update(valid=False, why=parsed)
        else:
            case.update(valid=True, identity=parsed[0].hex(), display_name=parsed[1])
        return case

    bad_binding = bytearray(ana["identity"])
    bad_binding[100] ^= 0x01
    small_xk_identity = ana["ik"] + SMALL_ORDER_XK + ed_sign(ana["ik_seed"], ID_LABEL + SMALL_ORDER_XK)
    other_xk = make_identity(ana["ik_seed"], seed("pairing ana other xk"))[2]
    good = code_text(ana["identity"], "Ana".encode())
    codes = [
        code_case("Ana's code", good),
        code_case("Ben's code, a name beyond ASCII", code_text(ben["identity"], "Bén 🚲".encode())),
        code_case("a code with no name", code_text(cy["identity"], b"")),
        code_case("a name of 40 characters", code_text(ana["identity"], ("é" * 40).encode())),
        code_case("Ana's key with another xk she bound", code_text(other_xk, b"Ana")),
        code_case("a verification code is not a pairing code", "CT2V" + good[4:]),
        code_case("version 2", code_text(ana["identity"], b"Ana", version=2)),
        code_case("identity cut short", "CT2P" + base45.b45encode(
            bytes([1]) + ana["identity"][:127]).decode("ascii")),
        code_case("a Base45 group out of range", "CT2P" + "GGW" + good[7:]),
        code_case("binding altered", code_text(bytes(bad_binding), b"Ana")),
        code_case("xk of small order, bound by a real signature",
                  code_text(small_xk_identity, b"Ana")),
        code_case("name with a trailing space", code_text(ana["identity"], b"Ana ")),
        code_case("name with a control character", code_text(ana["identity"], b"A\x07na")),
        code_case("name of 41 characters", code_text(ana["identity"], b"a" * 41)),
        code_case("name that is not UTF-8", code_text(ana["identity"], b"An\xff")),
    ]
    reasons = {c.get("why") for c in codes}
    assert reasons >= {None, "not_a_code", "damaged", "identity", "agreement", "name"}, reasons

    # Contact codes of paired identities, mode 0xC2.
    a_to_b = seal(ab_at_ana, salt(1), ana["ik"], ben["ik"], text_plain("meet at 6pm"))
    b_to_a = seal(ab_at_ana, salt(2), ben["ik"], ana["ik"], file_plain("note.txt", b"hi"))
    a_to_c = seal(ac, salt(3), ana["ik"], cy["ik"], text_plain("for Cy only"))

    def opens(name, blob, key, me, them, sealer, text=None, file=None):
        case = {"name": name, "blob": blob.hex(), "pair_key": key.hex(), "me": me["ik"].hex(),
                "them": them["ik"].hex(), "sealer": sealer}
        if text is not None:
            case["text"] = text
        else:
            case["file_name"], case["file_bytes"] = file[0], file[1].hex()
        return case

    blobs = [
        opens("Ana's code opened by Ben: from Ana", a_to_b, ab_at_ana, ben, ana, "contact",
              text="meet at 6pm"),
        opens("Ana's code shown back to Ana: sealed by her, never from Ben", a_to_b, ab_at_ana,
              ana, ben, "you", text="meet at 6pm"),
        opens("Ben's file code opened by Ana", b_to_a, ab_at_ana, ana, ben, "contact",
              file=("note.txt", b"hi")),
        opens("Ben's file code shown back to Ben", b_to_a, ab_at_ana, ben, ana, "you",
              file=("note.txt", b"hi")),
        opens("Ana's code for Cy opened by Cy", a_to_c, ac, cy, ana, "contact",
              text="for Cy only"),
    ]

    def rejects(name, blob, key, me, them, error):
        return {"name": name, "blob": blob.hex(), "pair_key": key.hex(), "me": me["ik"].hex(),
                "them": them["ik"].hex(), "error": error}

    header_len, tag_len = 18, 16
    long_a_to_b = seal(ab_at_ana, salt(7), ana["ik"], ben["ik"],
                       text_plain("a message long enough to hold a side"))
    no_label = seal(ab_at_ana, salt(4), ana["ik"], ben["ik"], text_plain("x"), label=b"")
    v1_relabelled = seal(ab_at_ana, salt(5), ana["ik"], ben["ik"],
                         text_plain("long enough for the side a mode 0x82 code holds"), mode=0x82)
    wrong_type = seal(ab_at_ana, salt(6), ana["ik"], ben["ik"], b"\x07hello")
    blob_rejects = [
        rejects("Ana's code for Cy, tried by Ben with the key he shares with Ana", a_to_c,
                ab_at_ana, ben, ana, "authentication"),
        rejects("Ana's code for Ben, tried by Cy with the key Cy shares with Ana", a_to_b, ac, cy,
                ana, "authentication"),
        rejects("Ana's code for Ben, with the identities of another pair named", a_to_b,
                ab_at_ana, cy, ana, "authentication"),
        rejects("salt altered (the header is the AAD)", flip(a_to_b, 5), ab_at_ana, ben, ana,
                "authentication"),
        rejects("tag altered", flip(a_to_b, len(a_to_b) - 1, 0x80), ab_at_ana, ben, ana,
                "authentication"),
        rejects("mode 0xC2 relabelled 0x82, too short for a side: refused by its length",
                flip(a_to_b, 1, 0x40), ab_at_ana, ben, ana, "header"),
        rejects("a longer mode 0xC2 code relabelled 0x82", flip(long_a_to_b, 1, 0x40), ab_at_ana,
                ben, ana, "wrong_mode"),
        rejects("a mode 0x82 header over a mode 0xC2 key", v1_relabelled, ab_at_ana, ben, ana,
                "wrong_mode"),
        rejects("key without its label", no_label, ab_at_ana, ben, ana, "authentication"),
        rejects("authentic, type byte 0x07", wrong_type, ab_at_ana, ben, ana, "contents"),
        rejects("header and tag only, one byte short", a_to_b[: header_len + tag_len], ab_at_ana,
                ben, ana, "header"),
    ]

    vectors = {
        "spec": "docs/PROTOCOL.md I.6 (pairing, mode 0xC2 contact codes)",
        "generated_by": "protocol/testdata/gen/pairing_vectors.py: pyca/cryptography and base45, "
                        "independent of the project's code",
        "encoding": "byte strings are lowercase hex; text is UTF-8 as is",
        "people": {"ana": pub(ana), "ben": pub(ben), "cy": pub(cy)},
        "pair_keys": pair_keys,
        "pair_key_rejects": pair_key_rejects,
        "pairing_codes": codes,
        "blobs": blobs,
        "blob_rejects": blob_rejects,
    }
    print(json.dumps(vectors, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
