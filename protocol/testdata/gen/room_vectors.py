#!/usr/bin/env python3
"""Known-answer vectors for Cutout v2 part 2, the room on MLS (docs/PROTOCOL.md R.2-R.4, R.7).

An implementation independent of the project's Rust code, written from the spec text alone:
member credentials (R.2), the join keys (R.4 with shared B.1), KNOCK tags, the join channel's
ANSWER, REQUEST and WELCOME payloads (R.3, R.4), STATUS payloads and the order of two STATUS
values (R.4, R.7), each with negative checks (`valid: false` and a `why`). The MLS parts (the
KeyPackage, the Welcome, the exporter's `branch`) are arbitrary bytes from fixed labels: the
payloads carry them without looking inside.

Every 32-byte seed is SHA-256 of a label (as `identity_vectors.py`, whose identity helpers and
strict Verify this script uses), Ed25519 signing is deterministic and AES-GCM is keyed and
nonced by the spec, so the output is the same on every run and machine.

Regenerate (from this folder):

    pip install -r requirements.txt && python3 room_vectors.py > ../cutout-v2-room.json

HKDF, HMAC, X25519 and AES-256-GCM come from `cryptography` and the standard library; X25519 is
cross-checked against a plain-Python RFC 7748 ladder, which also shows that the small-order
keys used below give an all-zero product.
"""

import hashlib
import hmac
import json
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand

from identity_vectors import (
    check_identity, ed_pub, ed_sign, flip, make_identity, noncanonical_s, seed, verify, x_pub)

# ---------------------------------------------------------------------------------------------
# Labels and constants (ASCII, no terminator)

ROOM_SALT = b"cutout/v1 room"
ROOM_ID_LABEL = b"cutout/v1 room-id"
JOIN_LABEL = b"cutout/v2 join"
KNOCK_LABEL = b"cutout/v2 knock"
CHANNEL_LABEL = b"cutout/v2 join channel"
STATUS_LABEL = b"cutout/v2 status"
MEMBER_LABEL = b"cutout/v2 member"
ID_LABEL = b"cutout/v2 identity"

V2 = 0x02
KNOCK, ANSWER, REQUEST, WELCOME, STATUS = 0x01, 0x02, 0x03, 0x04, 0x05
TYPE_NAMES = {ANSWER: "answer", REQUEST: "request", WELCOME: "welcome"}
NONCES = {ANSWER: bytes(11) + b"\x01", REQUEST: bytes(11) + b"\x02", WELCOME: bytes(11) + b"\x03"}
TAG = 16
MAX_NAME = 64

P = 2**255 - 19
# X25519 public keys of small order (u-coordinates, little-endian): the product with any
# clamped scalar is 32 zero bytes.
SMALL_ORDER_U = {
    "u = 0": bytes(32),
    "u = 1": b"\x01" + bytes(31),
    "a point of order 8": bytes.fromhex(
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    "another point of order 8": bytes.fromhex(
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
}


def u32(v):
    assert 0 <= v <= 0xFFFFFFFF
    return v.to_bytes(4, "big")


def u64(v):
    assert 0 <= v <= 0xFFFFFFFFFFFFFFFF
    return v.to_bytes(8, "big")


def b16(label):
    return seed(label)[:16]


def stream(label, n):
    """n arbitrary bytes from a label: SHA-256(label || counter(4)) blocks."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(label.encode() + u32(i)).digest()
        i += 1
    return out[:n]


# ---------------------------------------------------------------------------------------------
# X25519: the library, cross-checked against RFC 7748 section 5 in plain Python


def x25519_ref(k, u):
    k = bytearray(k)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        kt = (k >> t) & 1
        swap ^= kt
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a, b = x2 + z2, x2 - z2
        aa, bb = a * a % P, b * b % P
        e = aa - bb
        c, d = x3 + z3, x3 - z3
        da, cb = d * a % P, c * b % P
        x3 = (da + cb) ** 2 % P
        z3 = x1 * (da - cb) ** 2 % P
        x2 = aa * bb % P
        z2 = e * (aa + 121665 * e) % P
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P - 2, P) % P).to_bytes(32, "little")


def x25519(own_seed, other_pub):
    """z = X25519(own, other); None where it is all zero (the spec refuses it)."""
    ref = x25519_ref(own_seed, other_pub)
    try:
        lib = X25519PrivateKey.from_private_bytes(own_seed).exchange(
            X25519PublicKey.from_public_bytes(other_pub))
    except ValueError:
        lib = None
    if ref == bytes(32):
        assert lib is None
        return None
    assert lib == ref
    return lib


def is_small_order_x(u):
    """I.1: a key whose X25519 product with any clamped scalar is 32 zero bytes."""
    return x25519(seed("room vectors any scalar"), u) is None


for _u in SMALL_ORDER_U.values():
    assert is_small_order_x(_u)
assert x25519_ref(seed("a"), b"\x09" + bytes(31)) == x_pub(seed("a"))  # public keys agree
assert x25519_ref(seed("a"), x_pub(seed("b"))) == x25519_ref(seed("b"), x_pub(seed("a")))


# ---------------------------------------------------------------------------------------------
# HKDF (RFC 5869 with SHA-256), HMAC


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand(prk, info, length):
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


def hkdf(salt, ikm, info, length):
    out = HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)
    assert out == hkdf_expand(hkdf_extract(salt, ikm), info, length)
    return out


def hmac16(key, msg):
    return hmac.new(key, msg, hashlib.sha256).digest()[:16]


# ---------------------------------------------------------------------------------------------
# R.4 keys (shared B.1 for PRK and room_id)


def room_keys(s):
    assert len(s) == 32
    prk = hkdf_extract(ROOM_SALT, s)
    return {"prk": prk, "room_id": hkdf_expand(prk, ROOM_ID_LABEL, 16),
            "k_join": hkdf_expand(prk, JOIN_LABEL, 32)}


# ---------------------------------------------------------------------------------------------
# R.2 Member credential


def member_statement(group_id, msk, device_id, name):
    assert len(group_id) == 16 and len(msk) == 32 and len(device_id) == 16 and len(name) <= 255
    return MEMBER_LABEL + group_id + msk + device_id + bytes([len(name)]) + name


def make_credential(identity, signer_seed, group_id, msk, device_id, name):
    """name is bytes; signs whatever it is given (the negative cases sign bad names too)."""
    stmt = member_statement(group_id, msk, device_id, name)
    return stmt, identity + device_id + bytes([len(name)]) + name + ed_sign(signer_seed, stmt)


def check_credential(cred, group_id, msk):
    """R.2 as a receiver with its own group_id and the leaf's signature key msk.
    Returns (ik, device_id, name) or None."""
    if len(cred) < 128 + 16 + 1 + 64:
        return None
    identity, device_id, name_len = cred[:128], cred[128:144], cred[144]
    if len(cred) != 128 + 16 + 1 + name_len + 64:  # parses exactly, nothing left over
        return None
    name, sig = cred[145:145 + name_len], cred[145 + name_len:]
    if name_len > MAX_NAME:  # "UTF-8, at most 64 bytes"
        return None
    try:
        text = name.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not check_identity(identity):  # I.1: the binding ...
        return None
    if is_small_order_x(identity[32:64]):  # ... and an xk not of small order
        return None
    if not verify(identity[:32], member_statement(group_id, msk, device_id, name), sig):
        return None
    return identity[:32], device_id, text


# ---------------------------------------------------------------------------------------------
# R.3 / R.4 KNOCK


def knock_tag(keys, n, attempt, e_n):
    assert 0 <= attempt <= 255 and len(e_n) == 32
    return hmac16(keys["k_join"], KNOCK_LABEL + keys["room_id"] + u32(n) + bytes([attempt]) + e_n)


def knock_payload(keys, n, attempt, e_n):
    return bytes([V2, KNOCK, attempt]) + e_n + knock_tag(keys, n, attempt, e_n)


def check_knock(s, sender, payload):
    """A member's check of a KNOCK, with the DELIVER `from` as n. (attempt, e_N) or None."""
    if len(payload) != 2 + 1 + 32 + TAG or payload[0] != V2 or payload[1] != KNOCK:
        return None
    attempt, e_n, tag = payload[2], payload[3:35], payload[35:]
    if not hmac.compare_digest(tag, knock_tag(room_keys(s), sender, attempt, e_n)):
        return None
    return attempt, e_n


# ---------------------------------------------------------------------------------------------
# R.3 / R.4 the join channel


def channel_key(keys, z, n, d, e_n, e_d):
    info = CHANNEL_LABEL + keys["room_id"] + u32(n) + u32(d) + e_n + e_d
    return hkdf(keys["k_join"], z, info, 32)


def seal(typ, k, e_n, e_d, plaintext, nonce=None, aad=None):
    """A sealed payload: 0x02 || type || e_N [|| e_D for ANSWER] || AEAD(k, n_type, pt, aad)."""
    clear = bytes([V2, typ]) + e_n + (e_d if typ == ANSWER else b"")
    ct = AESGCM(k).encrypt(nonce or NONCES[typ], plaintext, clear if aad is None else aad)
    return clear + ct


def open_channel(expect, s, n, d, own_seed, payload, known_e_d=None):
    """Opens a join-channel payload as its receiver would; the plaintext or None.

    expect ANSWER:  the newcomer (own_seed = e_N's secret); e_D is the payload's.
    expect REQUEST: the answerer (own_seed = e_D's secret); e_N is the payload's.
    expect WELCOME: the newcomer (own_seed = e_N's secret); e_D is the ANSWER's (known_e_d).
    n is the newcomer's wire id and d the answerer's, whoever opens."""
    clear_len = 2 + 32 + (32 if expect == ANSWER else 0)
    if len(payload) < clear_len + TAG or payload[0] != V2 or payload[1] != expect:
        return None
    e_n = payload[2:34]
    if expect == ANSWER:
        e_d = payload[34:66]
    elif expect == REQUEST:
        e_d = x_pub(own_seed)
    else:
        e_d = known_e_d
    if expect in (ANSWER, WELCOME) and e_n != x_pub(own_seed):
        return None  # not this attempt's e_N (k would not match either)
    z = x25519(own_seed, e_d if expect != REQUEST else e_n)
    if z is None:
        return None
    keys = room_keys(s)
    k = channel_key(keys, z, n, d, e_n, e_d)
    try:
        pt = AESGCM(k).decrypt(NONCES[expect], payload[clear_len:], payload[:clear_len])
    except InvalidTag:
        return None
    if expect == ANSWER and len(pt) != 16 + 8:  # group_id(16) || epoch(8), exactly
        return None
    return pt


# ---------------------------------------------------------------------------------------------
# R.4 STATUS, R.7 order


def status_tag(keys, m, group_id, epoch, branch):
    assert len(group_id) == 16 and len(branch) == 8
    return hmac16(keys["k_join"], STATUS_LABEL + keys["room_id"] + u32(m) + group_id + u64(epoch)
                  + branch)


def status_payload(keys, m, group_id, epoch, branch):
    return (bytes([V2, STATUS]) + group_id + u64(epoch) + branch
            + status_tag(keys, m, group_id, epoch, branch))


def check_status(s, sender, payload):
    if len(payload) != 2 + 16 + 8 + 8 + TAG or payload[0] != V2 or payload[1] != STATUS:
        return None
    group_id, epoch, branch, tag = payload[2:18], payload[18:26], payload[26:34], payload[34:]
    epoch = int.from_bytes(epoch, "big")
    if not hmac.compare_digest(tag, status_tag(room_keys(s), sender, group_id, epoch, branch)):
        return None
    return group_id, epoch, branch


def status_greater(a, b):
    """R.7: "ordered by epoch and then, at one epoch, the smaller branch first bytewise
    compared; the greater wins". Read here as: the higher epoch is the greater; at one epoch the
    smaller branch (bytewise) ranks first, i.e. is the greater. The sentence also reads as a
    plain ascending order (the larger branch greater); the cases where the branch decides are
    marked branch_decides so a reader can tell them apart. 'a', 'b' or 'neither'."""
    (ea, ba), (eb, bb) = a, b
    if ea != eb:
        return "a" if ea > eb else "b"
    if ba != bb:
        return "a" if ba < bb else "b"
    return "neither"


# ---------------------------------------------------------------------------------------------


def main():
    hx = bytes.hex
    out = {
        "spec": "docs/PROTOCOL.md part 2, R.2 (member credentials), R.3 and R.4 (payloads, the join "
                "channel, STATUS), R.7 (the order of STATUS values); shared PROTOCOL.md B.1",
        "generated_by": "protocol/testdata/gen/room_vectors.py: pyca/cryptography and the Python "
                        "standard library, independent of the project's code",
        "encoding": "byte strings are lowercase hex; display names are strings; wire ids (n, d, m, "
                    "from), attempt and epoch are JSON integers (n/d/m/from u32, attempt u8, epoch "
                    "u64, big-endian on the wire); every seed is SHA-256 of a fixed label",
        "about": (
            "Credential checks are a receiver's with (credential, its own group_id, the leaf's "
            "msk): parse exactly, name UTF-8 of at most 64 bytes, identity checks (I.1: binding "
            "by strict Verify and an xk not of small order), signature by strict Verify. Knock "
            "and status checks recompute the tag with the DELIVER from as n or m. Channel "
            "checks open a payload as its receiver: 'answer' and 'welcome' by the newcomer "
            "(own_seed = e_N's secret; for 'welcome', e_d is the e_D its ANSWER named), "
            "'request' by the answerer (own_seed = e_D's secret); n is always the newcomer's "
            "wire id and d the answerer's. status_order: 'greater' is 'a', 'b' or 'neither' "
            "(by epoch, then at one epoch the smaller branch bytewise is the greater; "
            "branch_decides marks the cases that turn on that second rule)."
        ),
    }

    # --- people ---------------------------------------------------------------------------------
    people = {}
    for who in ("alice", "bob", "carol", "dave"):
        iks, xks = seed(f"room {who} ik"), seed(f"room {who} xk")
        ik, xk, identity = make_identity(iks, xks)
        assert check_identity(identity) and not is_small_order_x(xk)
        people[who] = dict(ik_seed=iks, xk_seed=xks, ik=ik, xk=xk, identity=identity)
    out["people"] = {w: {"ik_seed": hx(p["ik_seed"]), "xk_seed": hx(p["xk_seed"]), "ik": hx(p["ik"]),
                         "xk": hx(p["xk"]), "identity": hx(p["identity"])}
                     for w, p in people.items()}
    alice, bob = people["alice"], people["bob"]

    # --- member credentials (R.2) ---------------------------------------------------------------
    group1, group2 = b16("room vector group 1"), b16("room vector group 2")
    name_64 = "Zoë Łódź — 東京 🦊 Ærø ñ"
    while len(name_64.encode()) < 64:
        name_64 += "é" if 64 - len(name_64.encode()) >= 2 else "."
    assert len(name_64.encode()) == 64
    cred_specs = [
        ("alice, ascii name", "alice", group1, "room msk 1", "room device 1", "Alice"),
        ("bob, empty name", "bob", group1, "room msk 2", "room device 2", ""),
        ("carol, name beyond ASCII", "carol", group1, "room msk 3", "room device 3", "Zoë 東京 🦊"),
        ("dave, name of 64 bytes", "dave", group2, "room msk 4", "room device 4", name_64),
        ("alice in another group, another leaf, same device", "alice", group2, "room msk 5",
         "room device 1", "Alice"),
    ]
    creds = []
    out["member_credentials"] = []
    for label, who, group, msk_label, dev_label, name in cred_specs:
        p = people[who]
        msk_seed, device_id = seed(msk_label), b16(dev_label)
        msk = ed_pub(msk_seed)
        stmt, cred = make_credential(p["identity"], p["ik_seed"], group, msk, device_id,
                                     name.encode())
        assert len(cred) == 128 + 16 + 1 + len(name.encode()) + 64
        assert check_credential(cred, group, msk) == (p["ik"], device_id, name)
        creds.append(dict(cred=cred, group=group, msk=msk, device=device_id, name=name, who=who))
        out["member_credentials"].append({
            "name": label, "person": who, "identity": hx(p["identity"]), "group_id": hx(group),
            "msk_seed": hx(msk_seed), "msk": hx(msk), "device_id": hx(device_id),
            "display_name": name, "statement": hx(stmt), "credential": hx(cred)})

    c0, c1, c2, c3, c4 = creds
    name_off = 144  # offset of name_len in a credential

    def set_byte(b, i, v):
        b = bytearray(b)
        b[i] = v
        return bytes(b)

    def signed_anyway(identity, signer, name_bytes, group=c0["group"], msk=c0["msk"],
                      device=c0["device"]):
        return make_credential(identity, signer, group, msk, device, name_bytes)[1]

    small_xk = SMALL_ORDER_U["a point of order 8"]
    small_xk_identity = alice["ik"] + small_xk + ed_sign(alice["ik_seed"], ID_LABEL + small_xk)
    bad_binding = flip(alice["identity"], 64 + 20, 3)

    def mc(label, cred, base, want, why, **over):
        group, msk = over.get("group", base["group"]), over.get("msk", base["msk"])
        got = check_credential(cred, group, msk)
        assert (got is not None) == want, label
        case = {"name": label, "credential": hx(cred), "group_id": hx(group), "msk": hx(msk),
                "valid": want, "why": why}
        if got is not None:
            case.update(ik=hx(got[0]), device_id=hx(got[1]), display_name=got[2])
        return case

    out["member_credential_checks"] = [
        mc("valid, ascii name", c0["cred"], c0, True, "credential 0 with its own group and msk"),
        mc("valid, empty name", c1["cred"], c1, True, "credential 1: name_len 0"),
        mc("valid, name beyond ASCII", c2["cred"], c2, True, "credential 2"),
        mc("valid, name of 64 bytes", c3["cred"], c3, True, "credential 3: name_len 64, the limit"),
        mc("valid, same person in another group", c4["cred"], c4, True, "credential 4"),
        mc("another group", c0["cred"], c0, False,
           "signed for group 1, checked by a member of group 2", group=group2),
        mc("another leaf's msk", c0["cred"], c0, False,
           "checked with the msk of credential 2's leaf", msk=c2["msk"]),
        mc("the same person's credential for another group", c4["cred"], c4, False,
           "alice's credential for group 2 (same device) presented in group 1", group=group1),
        mc("a byte appended", c0["cred"] + b"\x00", c0, False, "one byte left over"),
        mc("a byte cut", c0["cred"][:-1], c0, False, "the last byte of the signature missing"),
        mc("name_len one past the end", set_byte(c0["cred"], name_off, 6), c0, False,
           "name_len 6 over the 5-byte name: the credential is one byte short for it"),
        mc("name_len 255", set_byte(c0["cred"], name_off, 255), c0, False,
           "name_len 255 points far past the end"),
        mc("name_len one short", set_byte(c0["cred"], name_off, 4), c0, False,
           "name_len 4 over the 5-byte name: one byte left over"),
        mc("shorter than the fixed fields", c1["cred"][:208], c1, False,
           "208 bytes: identity, device_id, name_len and signature need 209"),
        mc("name not UTF-8, signed anyway", signed_anyway(alice["identity"], alice["ik_seed"],
                                                          b"Al\xffce"), c0, False,
           "name bytes 41 6c ff 63 65: 0xff is never UTF-8 (the statement is signed correctly)"),
        mc("name with an encoded surrogate, signed anyway",
           signed_anyway(alice["identity"], alice["ik_seed"], b"A\xed\xa0\x80"), c0, False,
           "name bytes 41 ed a0 80 encode U+D800, which UTF-8 forbids (CESU-8)"),
        mc("name of 65 bytes, signed anyway",
           signed_anyway(alice["identity"], alice["ik_seed"], ("é" * 32 + "a").encode()), c0,
           False, "a 65-byte UTF-8 name, correctly signed: names are at most 64 bytes"),
        mc("identity binding altered", signed_anyway(bad_binding, alice["ik_seed"], b"Alice"),
           c0, False, "bit 3 of byte 84 of the identity (its binding) flipped; the member "
           "statement itself is signed correctly by alice's IK"),
        mc("identity with an xk of small order",
           signed_anyway(small_xk_identity, alice["ik_seed"], b"Alice"), c0, False,
           "xk is a point of order 8 (e0eb7a7c...); its binding and the statement are signed "
           "correctly by alice's IK, but I.1 refuses an xk of small order"),
        mc("signed by another identity", signed_anyway(alice["identity"], bob["ik_seed"],
                                                       b"Alice"), c0, False,
           "alice's identity, the statement signed by bob's IK"),
        mc("another person's identity", bob["identity"] + c0["cred"][128:], c0, False,
           "bob's identity in alice's credential: the signature is alice's"),
        mc("flipped bit in signature", flip(c0["cred"], len(c0["cred"]) - 64 + 5, 0), c0, False,
           "bit 0 of byte 5 of the signature (its R) flipped"),
        mc("flipped bit in signature S", flip(c0["cred"], len(c0["cred"]) - 10, 6), c0, False,
           "bit 6 of byte 54 of the signature flipped"),
        mc("non-canonical S", c0["cred"][:-64] + noncanonical_s(c0["cred"][-64:]), c0, False,
           "signature with S replaced by S + L: the spec's Verify refuses it"),
        mc("flipped bit in device_id", flip(c0["cred"], 128 + 2, 1), c0, False,
           "the credential's device_id altered, so the rebuilt statement differs"),
        mc("flipped bit in name", flip(c0["cred"], 145 + 1, 0), c0, False,
           "'Alice' altered to 'Amice' in the credential"),
    ]

    # --- join keys (R.4, shared B.1) ------------------------------------------------------------
    secrets = [
        ("the shared v1 vector secret 00..1f", bytes(range(32))),
        ("room secret 1", seed("room vector secret 1")),
        ("room secret 2", seed("room vector secret 2")),
    ]
    keys = []
    out["join_keys"] = []
    for label, s in secrets:
        kk = room_keys(s)
        keys.append(dict(s=s, **kk))
        out["join_keys"].append({"name": label, "s": hx(s), "prk": hx(kk["prk"]),
                                 "room_id": hx(kk["room_id"]), "k_join": hx(kk["k_join"])})
    # cross-check with the shared v1 vectors (protocol/testdata/cutout-v1.json, keys.room_id)
    assert hx(keys[0]["room_id"]) == "d69a1977ab7518ff971fc1fd7bb0be8a"
    r0, r1, r2 = keys

    # --- knocks (R.3, R.4) ----------------------------------------------------------------------
    knock_specs = [
        ("attempt 0, wire id 0x11223344", r1, 0x11223344, 0, "room knock e_N 1"),
        ("attempt 1, wire id 0xffffffff", r1, 0xFFFFFFFF, 1, "room knock e_N 2"),
        ("attempt 255, wire id 0, another room", r2, 0, 255, "room knock e_N 3"),
    ]
    knocks = []
    out["knocks"] = []
    for label, r, n, attempt, e_label in knock_specs:
        e_seed = seed(e_label)
        e_n = x_pub(e_seed)
        tag = knock_tag(r, n, attempt, e_n)
        pay = knock_payload(r, n, attempt, e_n)
        assert len(pay) == 51 and check_knock(r["s"], n, pay) == (attempt, e_n)
        knocks.append(dict(r=r, n=n, attempt=attempt, e_n=e_n, payload=pay))
        out["knocks"].append({"name": label, "s": hx(r["s"]), "n": n, "attempt": attempt,
                              "e_n_seed": hx(e_seed), "e_n": hx(e_n), "tag": hx(tag),
                              "payload": hx(pay)})

    k0, k1, k2 = knocks

    def kc(label, base, want, why, payload=None, s=None, sender=None):
        payload = base["payload"] if payload is None else payload
        s = base["r"]["s"] if s is None else s
        sender = base["n"] if sender is None else sender
        got = check_knock(s, sender, payload)
        assert (got is not None) == want, label
        case = {"name": label, "s": hx(s), "from": sender, "payload": hx(payload), "valid": want,
                "why": why}
        if got is not None:
            case.update(attempt=got[0], e_n=hx(got[1]))
        return case

    out["knock_checks"] = [
        kc("valid, attempt 0", k0, True, "knock 0 from its own sender"),
        kc("valid, attempt 1", k1, True, "knock 1 from its own sender"),
        kc("valid, attempt 255", k2, True, "knock 2 from its own sender"),
        kc("another from", k0, False, "sealed for wire id 0x11223344, delivered from 0x11223345",
           sender=0x11223345),
        kc("from in the other byte order", k0, False,
           "sealed for wire id 0x11223344, delivered from 0x44332211", sender=0x44332211),
        kc("another attempt byte", k0, False, "attempt 0 rewritten to 1, tag unchanged",
           payload=set_byte(k0["payload"], 2, 1)),
        kc("flipped bit in tag", k0, False, "bit 7 of the last tag byte flipped",
           payload=flip(k0["payload"], 50, 7)),
        kc("flipped bit in e_N", k1, False, "bit 0 of e_N's first byte flipped, tag unchanged",
           payload=flip(k1["payload"], 3, 0)),
        kc("another room's secret", k0, False, "knock 0 checked by a member of room secret 2",
           s=r2["s"]),
        kc("one byte short", k0, False, "50 bytes: a KNOCK is exactly 51",
           payload=k0["payload"][:-1]),
        kc("one byte long", k0, False, "52 bytes: a KNOCK is exactly 51",
           payload=k0["payload"] + b"\x00"),
        kc("version byte 0x01", k0, False, "a v2 payload starts with 0x02",
           payload=set_byte(k0["payload"], 0, 0x01)),
        kc("full tag instead of 16 bytes", k0, False,
           "67 bytes: the whole 32-byte HMAC where its first 16 bytes belong",
           payload=k0["payload"][:35] + hmac.new(
               r1["k_join"], KNOCK_LABEL + r1["room_id"] + u32(k0["n"]) + b"\x00" + k0["e_n"],
               hashlib.sha256).digest()),
    ]

    # --- channels (R.3, R.4) --------------------------------------------------------------------
    chan_specs = [
        ("room 1, epoch 0 (the creator alone answers)", r1, 0x11223344, 0x55667788, 0, 300, 900),
        ("room 1, epoch 7, wire ids 1 and 0xfffffffe", r1, 1, 0xFFFFFFFE, 7, 301, 40),
        ("room 2, a large epoch, wire ids 0 and 0xffffffff", r2, 0, 0xFFFFFFFF,
         0x0102030405060708, 64, 2000),
    ]
    chans = []
    out["channels"] = []
    for i, (label, r, n, d, epoch, kp_len, w_len) in enumerate(chan_specs, 1):
        en_seed, ed_seed = seed(f"room channel {i} e_N"), seed(f"room channel {i} e_D")
        e_n, e_d = x_pub(en_seed), x_pub(ed_seed)
        z = x25519(ed_seed, e_n)
        assert z is not None and z == x25519(en_seed, e_d)
        k = channel_key(r, z, n, d, e_n, e_d)
        group_id = b16(f"room channel {i} group")
        kp, wel = stream(f"room channel {i} KeyPackage", kp_len), stream(
            f"room channel {i} Welcome", w_len)
        answer = seal(ANSWER, k, e_n, e_d, group_id + u64(epoch))
        request = seal(REQUEST, k, e_n, e_d, kp)
        welcome = seal(WELCOME, k, e_n, e_d, wel)
        assert len(answer) == 2 + 64 + 24 + 16
        assert open_channel(ANSWER, r["s"], n, d, en_seed, answer) == group_id + u64(epoch)
        assert open_channel(REQUEST, r["s"], n, d, ed_seed, request) == kp
        assert open_channel(WELCOME, r["s"], n, d, en_seed, welcome, known_e_d=e_d) == wel
        chans.append(dict(r=r, n=n, d=d, en_seed=en_seed, ed_seed=ed_seed, e_n=e_n, e_d=e_d,
                          z=z, k=k, group_id=group_id, epoch=epoch, kp=kp, wel=wel,
                          answer=answer, request=request, welcome=welcome))
        out["channels"].append({
            "name": label, "s": hx(r["s"]), "n": n, "d": d, "e_n_seed": hx(en_seed),
            "e_n": hx(e_n), "e_d_seed": hx(ed_seed), "e_d": hx(e_d), "z": hx(z), "k": hx(k),
            "group_id": hx(group_id), "epoch": epoch, "answer": hx(answer),
            "key_package": hx(kp), "request": hx(request), "mls_welcome": hx(wel),
            "welcome": hx(welcome)})

    ch0, ch1, ch2 = chans

    def cc(label, expect, base, want, why, payload, s=None, n=None, d=None, own_seed=None,
           e_d=None):
        s = base["r"]["s"] if s is None else s
        n = base["n"] if n is None else n
        d = base["d"] if d is None else d
        if own_seed is None:
            own_seed = base["ed_seed"] if expect == REQUEST else base["en_seed"]
        if expect == WELCOME and e_d is None:
            e_d = base["e_d"]
        got = open_channel(expect, s, n, d, own_seed, payload, known_e_d=e_d)
        assert (got is not None) == want, label
        case = {"name": label, "expect": TYPE_NAMES[expect],
                "opener": "answerer" if expect == REQUEST else "newcomer", "s": hx(s), "n": n,
                "d": d, "own_seed": hx(own_seed), "e_d": hx(e_d) if expect == WELCOME else "",
                "payload": hx(payload), "valid": want, "why": why}
        if got is not None:
            case["plaintext"] = hx(got)
            if expect == ANSWER:
                case.update(group_id=hx(got[:16]), epoch=int.from_bytes(got[16:], "big"))
        return case

    def zero_z_answer(base, low):
        """An ANSWER whose e_D is of small order, sealed under k from z = 32 zero bytes: a
        newcomer that forgot the all-zero rule would open it."""
        k = channel_key(base["r"], bytes(32), base["n"], base["d"], base["e_n"], low)
        return seal(ANSWER, k, base["e_n"], low, base["group_id"] + u64(base["epoch"]))

    def zero_z_request(base, low):
        k = channel_key(base["r"], bytes(32), base["n"], base["d"], low, base["e_d"])
        return seal(REQUEST, k, low, base["e_d"], base["kp"])

    def rekeyed(base, typ, plaintext, **kw):
        return seal(typ, base["k"], base["e_n"], base["e_d"], plaintext, **kw)

    relabelled = set_byte(ch0["welcome"], 1, REQUEST)
    req_clear = bytes([V2, REQUEST]) + ch0["e_n"]
    checks = [
        cc("valid ANSWER", ANSWER, ch0, True, "channel 0's ANSWER, opened by the newcomer",
           ch0["answer"]),
        cc("valid REQUEST", REQUEST, ch0, True, "channel 0's REQUEST, opened by the answerer",
           ch0["request"]),
        cc("valid WELCOME", WELCOME, ch0, True, "channel 0's WELCOME, opened by the newcomer",
           ch0["welcome"]),
        cc("valid ANSWER, epoch 7", ANSWER, ch1, True, "channel 1's ANSWER", ch1["answer"]),
        cc("valid REQUEST, 301 bytes", REQUEST, ch1, True, "channel 1's REQUEST", ch1["request"]),
        cc("valid WELCOME, 40 bytes", WELCOME, ch1, True, "channel 1's WELCOME", ch1["welcome"]),
        cc("valid ANSWER, large epoch", ANSWER, ch2, True, "channel 2's ANSWER", ch2["answer"]),
        cc("valid REQUEST, wire ids 0 and 0xffffffff", REQUEST, ch2, True, "channel 2's REQUEST",
           ch2["request"]),
        cc("valid WELCOME, 2000 bytes", WELCOME, ch2, True, "channel 2's WELCOME",
           ch2["welcome"]),
    ]
    for low_name in ("u = 0", "a point of order 8"):
        low = SMALL_ORDER_U[low_name]
        checks.append(cc(
            f"ANSWER with an e_D of small order ({low_name})", ANSWER, ch0, False,
            f"e_D = {hx(low)}: z = X25519(e_N, e_D) is all zero and refused (the payload is "
            f"sealed under k from z = 00x32, so only that rule refuses it)",
            zero_z_answer(ch0, low)))
    low = SMALL_ORDER_U["another point of order 8"]
    checks.append(cc(
        "REQUEST with an e_N of small order", REQUEST, ch0, False,
        f"e_N = {hx(low)}: z = X25519(e_D, e_N) is all zero and refused (sealed under k from "
        f"z = 00x32)", zero_z_request(ch0, low)))
    checks += [
        cc("ANSWER opened with n and d swapped", ANSWER, ch0, False,
           "k's info has n(4) || d(4); opened with d first", ch0["answer"], n=ch0["d"],
           d=ch0["n"]),
        cc("ANSWER from another member", ANSWER, ch0, False,
           "delivered from 0x55667789, not the answerer that sealed it", ch0["answer"],
           d=0x55667789),
        cc("ANSWER with another newcomer wire id", ANSWER, ch0, False,
           "the newcomer's own wire id is 0x11223345 on this connection", ch0["answer"],
           n=0x11223345),
        cc("ANSWER in another room", ANSWER, ch0, False,
           "opened with room secret 2 (another room_id and K_join)", ch0["answer"], s=r2["s"]),
        cc("ANSWER, flipped bit in ciphertext", ANSWER, ch0, False,
           "bit 0 of the first ciphertext byte flipped", flip(ch0["answer"], 66, 0)),
        cc("ANSWER, flipped bit in tag", ANSWER, ch0, False, "bit 7 of the last byte flipped",
           flip(ch0["answer"], len(ch0["answer"]) - 1, 7)),
        cc("ANSWER, flipped bit in e_N", ANSWER, ch0, False,
           "bit 1 of e_N's byte 4 flipped in the clear header", flip(ch0["answer"], 2 + 4, 1)),
        cc("ANSWER, flipped bit in e_D", ANSWER, ch0, False,
           "bit 2 of e_D's byte 9 flipped in the clear header: z and k change",
           flip(ch0["answer"], 34 + 9, 2)),
        cc("ANSWER, sealed part shorter than a tag", ANSWER, ch0, False,
           "66 clear bytes then 15: no room for the 16-byte tag", ch0["answer"][:66 + 15]),
        cc("ANSWER, clear fields only", ANSWER, ch0, False, "66 bytes: nothing sealed",
           ch0["answer"][:66]),
        cc("ANSWER whose plaintext is 25 bytes", ANSWER, ch0, False,
           "authentic, but group_id || epoch(8) || 0x00: the plaintext must be exactly 24 bytes "
           "(R.3, a payload parses exactly)",
           rekeyed(ch0, ANSWER, ch0["group_id"] + u64(ch0["epoch"]) + b"\x00")),
        cc("ANSWER whose plaintext is 23 bytes", ANSWER, ch0, False,
           "authentic, but the epoch has 7 bytes",
           rekeyed(ch0, ANSWER, ch0["group_id"] + u64(ch0["epoch"])[:7])),
        cc("ANSWER sealed with n_2", ANSWER, ch0, False,
           "the right k and aad, but the REQUEST's nonce 00x11 || 02",
           rekeyed(ch0, ANSWER, ch0["group_id"] + u64(ch0["epoch"]), nonce=NONCES[REQUEST])),
        cc("ANSWER sealed without e_D in the aad", ANSWER, ch0, False,
           "aad 0x02 || 0x02 || e_N: the aad is the whole clear part, e_D included",
           rekeyed(ch0, ANSWER, ch0["group_id"] + u64(ch0["epoch"]),
                   aad=bytes([V2, ANSWER]) + ch0["e_n"])),
        cc("ANSWER opened by the newcomer of another attempt", ANSWER, ch0, False,
           "own e_N is channel 1's, not the e_N this ANSWER names", ch0["answer"],
           own_seed=ch1["en_seed"]),
        cc("REQUEST relabelled from a WELCOME", REQUEST, ch0, False,
           "channel 0's WELCOME with its type byte set to 0x03: sealed with n_3 and aad type "
           "0x04, opened with n_2 and aad type 0x03", relabelled),
        cc("REQUEST sealed with the WELCOME's nonce", REQUEST, ch0, False,
           "the right k and aad (type 0x03), but nonce n_3 = 00x11 || 03",
           rekeyed(ch0, REQUEST, ch0["kp"], nonce=NONCES[WELCOME])),
        cc("REQUEST sealed without the payload prefix in the aad", REQUEST, ch0, False,
           "aad e_N alone: the aad starts with 0x02 || type",
           rekeyed(ch0, REQUEST, ch0["kp"], aad=ch0["e_n"])),
        cc("REQUEST, flipped bit in ciphertext", REQUEST, ch0, False,
           "bit 3 of ciphertext byte 100 flipped", flip(ch0["request"], 34 + 100, 3)),
        cc("REQUEST, flipped bit in e_N", REQUEST, ch0, False,
           "bit 0 of e_N's byte 0 flipped in the clear header: z, k and aad change",
           flip(ch0["request"], 2, 0)),
        cc("REQUEST from another wire id", REQUEST, ch0, False,
           "delivered from 0x11223345, not the newcomer whose e_N it names", ch0["request"],
           n=0x11223345),
        cc("REQUEST to an answerer with another e_D", REQUEST, ch0, False,
           "opened with channel 1's e_D secret", ch0["request"], own_seed=ch1["ed_seed"]),
        cc("REQUEST, sealed part shorter than a tag", REQUEST, ch0, False,
           "34 clear bytes then 15", ch0["request"][:34 + 15]),
        cc("REQUEST, version byte 0x01", REQUEST, ch0, False, "a v2 payload starts with 0x02",
           set_byte(ch0["request"], 0, 0x01)),
        cc("WELCOME relabelled as a REQUEST, opened as a WELCOME", WELCOME, ch0, False,
           "type byte 0x03 where a WELCOME is expected", relabelled),
        cc("WELCOME sealed with the REQUEST's nonce", WELCOME, ch0, False,
           "the right k and aad (type 0x04), but nonce n_2",
           rekeyed(ch0, WELCOME, ch0["wel"], nonce=NONCES[REQUEST])),
        cc("WELCOME, flipped bit in ciphertext", WELCOME, ch0, False,
           "bit 5 of ciphertext byte 500 flipped", flip(ch0["welcome"], 34 + 500, 5)),
        cc("WELCOME, flipped bit in e_N", WELCOME, ch0, False,
           "bit 6 of e_N's byte 31 flipped in the clear header", flip(ch0["welcome"], 33, 6)),
        cc("WELCOME with another attempt's e_D", WELCOME, ch0, False,
           "the newcomer takes e_D from channel 1's ANSWER", ch0["welcome"], e_d=ch1["e_d"]),
        cc("WELCOME in another room", WELCOME, ch0, False, "opened with room secret 2",
           ch0["welcome"], s=r2["s"]),
        cc("WELCOME, sealed part shorter than a tag", WELCOME, ch1, False,
           "34 clear bytes then 15", ch1["welcome"][:34 + 15]),
        cc("WELCOME, a byte cut", WELCOME, ch1, False, "the last tag byte missing",
           ch1["welcome"][:-1]),
        cc("WELCOME, a byte appended", WELCOME, ch1, False, "one byte after the tag",
           ch1["welcome"] + b"\x00"),
    ]
    out["channel_checks"] = checks

    # --- statuses (R.4) -------------------------------------------------------------------------
    status_specs = [
        ("room 1, epoch 0", r1, 0x55667788, b16("room status group 1"), 0, "room status branch 1"),
        ("room 1, epoch 0x0102030405060708, wire id 0xffffffff", r1, 0xFFFFFFFF,
         b16("room status group 2"), 0x0102030405060708, "room status branch 2"),
        ("room 2, epoch 2^64 - 1, wire id 0", r2, 0, b16("room status group 3"),
         0xFFFFFFFFFFFFFFFF, "room status branch 3"),
    ]
    stats = []
    out["statuses"] = []
    for label, r, m, group_id, epoch, br_label in status_specs:
        branch = seed(br_label)[:8]
        tag = status_tag(r, m, group_id, epoch, branch)
        pay = status_payload(r, m, group_id, epoch, branch)
        assert len(pay) == 50 and check_status(r["s"], m, pay) == (group_id, epoch, branch)
        stats.append(dict(r=r, m=m, group_id=group_id, epoch=epoch, branch=branch, payload=pay))
        out["statuses"].append({"name": label, "s": hx(r["s"]), "m": m, "group_id": hx(group_id),
                                "epoch": epoch, "branch": hx(branch), "tag": hx(tag),
                                "payload": hx(pay)})
    s0, s1, s2 = stats

    def sc(label, base, want, why, payload=None, s=None, sender=None):
        payload = base["payload"] if payload is None else payload
        s = base["r"]["s"] if s is None else s
        sender = base["m"] if sender is None else sender
        got = check_status(s, sender, payload)
        assert (got is not None) == want, label
        case = {"name": label, "s": hx(s), "from": sender, "payload": hx(payload), "valid": want,
                "why": why}
        if got is not None:
            case.update(group_id=hx(got[0]), epoch=got[1], branch=hx(got[2]))
        return case

    out["status_checks"] = [
        sc("valid, epoch 0", s0, True, "status 0 from its own sender"),
        sc("valid, large epoch", s1, True, "status 1 from its own sender"),
        sc("valid, epoch 2^64 - 1", s2, True, "status 2 from its own sender"),
        sc("another from", s0, False, "sealed for wire id 0x55667788, delivered from 0x55667789",
           sender=0x55667789),
        sc("epoch changed", s0, False, "epoch 0 rewritten to 1, tag unchanged",
           payload=set_byte(s0["payload"], 25, 1)),
        sc("epoch's high byte changed", s1, False, "epoch's first byte 0x01 rewritten to 0x00",
           payload=set_byte(s1["payload"], 18, 0)),
        sc("branch changed", s0, False, "bit 0 of the branch's last byte flipped, tag unchanged",
           payload=flip(s0["payload"], 33, 0)),
        sc("group_id changed", s0, False, "bit 4 of group_id's byte 0 flipped, tag unchanged",
           payload=flip(s0["payload"], 2, 4)),
        sc("flipped bit in tag", s0, False, "bit 0 of the tag's first byte flipped",
           payload=flip(s0["payload"], 34, 0)),
        sc("another room's secret", s0, False, "status 0 checked by a member of room secret 2",
           s=r2["s"]),
        sc("one byte short", s0, False, "49 bytes: a STATUS is exactly 50",
           payload=s0["payload"][:-1]),
        sc("one byte long", s0, False, "51 bytes: a STATUS is exactly 50",
           payload=s0["payload"] + b"\x00"),
        sc("type byte of a KNOCK", s0, False, "type 0x01 where a STATUS (0x05) is expected",
           payload=set_byte(s0["payload"], 1, KNOCK)),
    ]

    # --- status order (R.7) ---------------------------------------------------------------------
    def br(h):
        return bytes.fromhex(h)

    order_specs = [
        ("higher epoch wins", 5, "00" * 8, 4, "ff" * 8),
        ("higher epoch wins, whatever the branch", 4, "ff" * 8, 5, "00" * 8),
        ("epoch 0x100 beats 0xff (not a byte-wise little-endian compare)", 0x100, "80" * 8, 0xFF,
         "80" * 8),
        ("epoch 2^63 beats 2^63 - 1 (unsigned)", 2**63, "11" * 8, 2**63 - 1, "11" * 8),
        ("epoch 2^64 - 1 beats 0", 0xFFFFFFFFFFFFFFFF, "00" * 8, 0, "00" * 8),
        ("one epoch: the smaller branch wins", 7, "0000000000000001", 7, "0000000000000002"),
        ("one epoch: the smaller branch wins, given second", 7, "ff00000000000000", 7,
         "00ffffffffffffff"),
        ("one epoch: branch compared from its first byte", 3, "01ffffffffffffff", 3,
         "0200000000000000"),
        ("one epoch: bytes, not signed bytes (0x7f < 0x80)", 3, "7fffffffffffffff", 3,
         "8000000000000000"),
        ("one epoch: bytes, not a little-endian integer", 9, "0100000000000002", 9,
         "0200000000000001"),
        ("equal: neither is greater", 12, "0123456789abcdef", 12, "0123456789abcdef"),
    ]
    out["status_order"] = []
    for label, ea, ba, eb, bb in order_specs:
        a, b = (ea, br(ba)), (eb, br(bb))
        g = status_greater(a, b)
        assert status_greater(b, a) == {"a": "b", "b": "a", "neither": "neither"}[g]
        out["status_order"].append({"name": label, "epoch_a": ea, "branch_a": ba, "epoch_b": eb,
                                    "branch_b": bb, "greater": g, "branch_decides": ea == eb})

    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
