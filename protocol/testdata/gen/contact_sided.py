#!/usr/bin/env python3
"""Known-answer vectors for Cutout's contact codes that say who sealed them (blob mode 0x82,
docs/PROTOCOL.md "Contact codes that say who sealed them"), written from that text alone with
pyca/cryptography: nothing here shares code with the `protocol` crate.

Rerun from this folder (README.md; `requirements.txt` pins `cryptography`):

    pip install -r requirements.txt && python3 contact_sided.py > ../contact-sided.json

The output is deterministic (fixed salts, keys and sides), so a rerun changes nothing unless
this script changed. `protocol/tests/contact_codes.rs` reads the JSON natively and in wasm.
"""

import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 0x01
MODE_CONTACT = 0x02  # shared PROTOCOL.md C.1: no side
MODE_SIDED = 0x82  # docs/PROTOCOL.md: the sealer's side inside
INFO_V1 = b"cutout/v1 qr-key"
INFO_SIDED = b"cutout/v1 qr-key sealer-side"
NONCE = bytes(12)

CONTACT_KEY = bytes(range(0xC0, 0xE0))  # the shared v1 vectors' offline.contact_key
OTHER_KEY = bytes([0xC1]) * 32
SIDE_A = bytes(range(0xA0, 0xB0))
SIDE_B = bytes(range(0xB0, 0xC0))
SIDE_C = bytes([0x5C]) * 16  # a device that is neither A nor B, for "opened by the contact"


def salt(n):
    return bytes((n * 16 + i) & 0xFF for i in range(16))


def hkdf(salt_bytes, ikm, info):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt_bytes, info=info).derive(ikm)


def text_plain(text):
    return b"\x01" + text.encode("utf-8")


def file_plain(name, data):
    raw = name.encode("utf-8")
    return b"\x02" + bytes([len(raw)]) + raw + data


def seal(mode, salt_bytes, key, plaintext, info=None):
    """header ‖ AES-256-GCM(HKDF(salt, key, info), nonce 0, plaintext, aad = header)."""
    header = bytes([VERSION, mode]) + salt_bytes
    if info is None:
        info = INFO_SIDED if mode == MODE_SIDED else INFO_V1
    return header + AESGCM(hkdf(salt_bytes, key, info)).encrypt(NONCE, plaintext, header)


def sided(salt_bytes, side, plaintext, key=CONTACT_KEY):
    return seal(MODE_SIDED, salt_bytes, key, side + plaintext)


def flip(blob, index, mask=0x01):
    out = bytearray(blob)
    out[index] ^= mask
    return bytes(out)


def main():
    from_b = sided(salt(1), SIDE_B, text_plain("meet at 6pm"))
    from_a = sided(salt(2), SIDE_A, text_plain("see you there"))
    file_b = sided(salt(3), SIDE_B, file_plain("note.txt", b"hi"))
    # A mode 0x02 blob as earlier versions sealed it: salt 00..0f, so it equals the shared
    # vector "contact key, text 'meet at 6pm'" byte for byte.
    old = seal(MODE_CONTACT, salt(0), CONTACT_KEY, text_plain("meet at 6pm"))
    # A mode 0x02 blob long enough to pass mode 0x82's length check once its mode byte changes.
    old_long = seal(MODE_CONTACT, salt(4), CONTACT_KEY, text_plain("an older, longer message"))

    def opens(name, blob, own, sealer, text=None, file=None):
        case = {"name": name, "blob": blob.hex(), "own_side": own.hex(), "sealer": sealer}
        if text is not None:
            case["text"] = text
        else:
            case["file_name"], case["file_bytes"] = file[0], file[1].hex()
        return case

    valid = [
        opens("B's code opened by A: from the contact", from_b, SIDE_A, "contact",
              text="meet at 6pm"),
        opens("B's code opened by B itself (reflected): sealed by you, never from the contact",
              from_b, SIDE_B, "you", text="meet at 6pm"),
        opens("A's code opened by B: from the contact", from_a, SIDE_B, "contact",
              text="see you there"),
        opens("A's code opened by A itself (reflected): sealed by you", from_a, SIDE_A, "you",
              text="see you there"),
        opens("B's file code opened by A", file_b, SIDE_A, "contact", file=("note.txt", b"hi")),
        opens("B's file code opened by B itself (reflected)", file_b, SIDE_B, "you",
              file=("note.txt", b"hi")),
        opens("a side neither device holds reads as the contact's", from_b, SIDE_C, "contact",
              text="meet at 6pm"),
        opens("mode 0x02 (earlier versions) opens, sealed by either side", old, SIDE_B, "either",
              text="meet at 6pm"),
        opens("mode 0x02, opened on the other device: still either side", old, SIDE_A, "either",
              text="meet at 6pm"),
    ]

    header_len, tag_len, side_len = 18, 16, 16
    must_reject_before_kdf = [
        {"name": "mode 0x82 one byte shorter than header + tag + side + type byte",
         "blob": from_b[: header_len + tag_len + side_len].hex()},
        {"name": "mode 0x82 of header only", "blob": from_b[:header_len].hex()},
        {"name": "unknown mode 0x83", "blob": bytes([VERSION, 0x83]).hex() + from_b[2:].hex()},
        {"name": "mode 0x03, unknown in cutout/v1",
         "blob": bytes([VERSION, 0x03]).hex() + from_b[2:].hex()},
        {"name": "unknown version 2", "blob": bytes([0x02]).hex() + from_b[1:].hex()},
    ]

    wrong_type = sided(salt(5), SIDE_B, b"\x07hello")
    not_utf8 = sided(salt(6), SIDE_B, b"\x01\xff\xfe")
    name_past_end = sided(salt(7), SIDE_B, b"\x02\x09ab")
    v1_key_sided_header = seal(MODE_SIDED, salt(8), CONTACT_KEY,
                               SIDE_B + text_plain("meet at 6pm"), info=INFO_V1)
    sided_key_v1_header = seal(MODE_CONTACT, salt(9), CONTACT_KEY,
                               SIDE_B + text_plain("meet at 6pm"), info=INFO_SIDED)
    must_reject = [
        {"name": "opened with another key (0xc1 x 32)", "blob": from_b.hex(),
         "contact_key": OTHER_KEY.hex(), "error": "authentication"},
        {"name": "salt byte altered (the header is the AAD)", "blob": flip(from_b, 5).hex(),
         "error": "authentication"},
        {"name": "first ciphertext byte altered (inside the side)",
         "blob": flip(from_b, header_len).hex(), "error": "authentication"},
        {"name": "last ciphertext byte altered (the tag)",
         "blob": flip(from_b, len(from_b) - 1, 0x80).hex(), "error": "authentication"},
        {"name": "mode 0x82 blob relabelled 0x02", "blob": flip(from_b, 1, 0x80).hex(),
         "error": "authentication"},
        {"name": "mode 0x02 blob relabelled 0x82", "blob": flip(old_long, 1, 0x80).hex(),
         "error": "authentication"},
        {"name": "mode 0x82 header, key from the v1 info string",
         "blob": v1_key_sided_header.hex(), "error": "authentication"},
        {"name": "mode 0x02 header, key from mode 0x82's info string",
         "blob": sided_key_v1_header.hex(), "error": "authentication"},
        {"name": "authentic, type byte 0x07", "blob": wrong_type.hex(), "error": "contents"},
        {"name": "authentic text that is not UTF-8", "blob": not_utf8.hex(), "error": "contents"},
        {"name": "authentic file whose name_len runs past the end", "blob": name_past_end.hex(),
         "error": "contents"},
    ]

    vectors = {
        "spec": "docs/PROTOCOL.md, 'Contact codes that say who sealed them' (blob mode 0x82)",
        "generated_by": "protocol/testdata/gen/contact_sided.py: pyca/cryptography, "
                        "independent of the project's code",
        "encoding": "byte strings are lowercase hex; text is UTF-8 as is",
        "contact_key": CONTACT_KEY.hex(),
        "side_a": SIDE_A.hex(),
        "side_b": SIDE_B.hex(),
        "valid": valid,
        "must_reject_before_kdf": must_reject_before_kdf,
        "must_reject": must_reject,
    }
    print(json.dumps(vectors, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
