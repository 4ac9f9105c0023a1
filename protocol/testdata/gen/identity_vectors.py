#!/usr/bin/env python3
"""Known-answer vectors for Cutout v2 part 1, identities (docs/PROTOCOL.md, sections I.1-I.5).

An implementation independent of the project's Rust code, written from the spec text alone:
identities (I.1), session certificates (I.2), signed presence (I.3), safety numbers (I.4) and
verification codes (I.5), each with negative checks. Everything is derived from fixed labels
(every 32-byte seed is SHA-256 of a label such as b"vector ik 1"), so the output is the same
on every run and machine.

Regenerate (from this folder):

    pip install -r requirements.txt && python3 identity_vectors.py > ../cutout-v2-identity.json

Signing and X25519 come from `cryptography`; Base45 encoding from `base45`. The spec's Verify
(I: Ed25519 that refuses a small-order public key or R, and a non-canonical S or key) is
implemented here in plain Python (RFC 8032 point arithmetic), because `cryptography` does not
promise those refusals; the expected `valid` of every check comes from that function, and it is
cross-checked against `cryptography` wherever the two rules agree (see `verify`).
"""

import hashlib
import json
import sys
import unicodedata

import base45
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

RAW = serialization.Encoding.Raw
PUB_RAW = serialization.PublicFormat.Raw

# ---------------------------------------------------------------------------------------------
# Ed25519 arithmetic (RFC 8032 section 5.1), only for the spec's strict Verify and for building
# the edge-case signatures (small-order R, S + L) that a normal signer never makes.

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def point_decode(s):
    """Strict RFC 8032 5.1.3 decoding: None for y >= p, x = 0 with the sign bit, or off-curve."""
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def point_add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    A = (y1 - x1) * (y2 - x2) % P
    B = (y1 + x1) * (y2 + x2) % P
    C = t1 * 2 * D * t2 % P
    Dd = z1 * 2 * z2 % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


IDENTITY = (0, 1, 1, 0)


def point_mul(k, p):
    q = IDENTITY
    while k > 0:
        if k & 1:
            q = point_add(q, p)
        p = point_add(p, p)
        k >>= 1
    return q


def point_encode(p):
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def point_equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


BASE = point_decode(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))


def is_small_order(p):
    return point_equal(point_mul(8, p), IDENTITY)


def spec_verify(pk, msg, sig):
    """The spec's Verify: RFC 8032 Ed25519 (cofactorless equation, as ed25519-dalek's
    verify_strict) that also refuses a small-order key or R, a non-canonical S, and a
    non-canonical encoding of the key or R."""
    if len(pk) != 32 or len(sig) != 64:
        return False
    A = point_decode(pk)
    R = point_decode(sig[:32])
    S = int.from_bytes(sig[32:], "little")
    if A is None or R is None or S >= L:
        return False
    if is_small_order(A) or is_small_order(R):
        return False
    k = int.from_bytes(hashlib.sha512(sig[:32] + pk + msg).digest(), "little") % L
    return point_equal(point_mul(S, BASE), point_add(R, point_mul(k, A)))


def lib_verify(pk, msg, sig):
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def verify(pk, msg, sig):
    ok = spec_verify(pk, msg, sig)
    # Cross-check: wherever the spec accepts, the library must accept too; where the library
    # refuses, so must the spec. (The library may accept what the spec refuses: small order.)
    lib = lib_verify(pk, msg, sig)
    assert not (ok and not lib), "spec accepts a signature the library refuses"
    return ok


# ---------------------------------------------------------------------------------------------
# Fixed keys


def seed(label):
    return hashlib.sha256(label.encode()).digest()


def b16(label):
    return seed(label)[:16]


def ed_pub(seed32):
    return Ed25519PrivateKey.from_private_bytes(seed32).public_key().public_bytes(RAW, PUB_RAW)


def ed_sign(seed32, msg):
    sig = Ed25519PrivateKey.from_private_bytes(seed32).sign(msg)
    assert spec_verify(ed_pub(seed32), msg, sig)
    return sig


def ed_scalar(seed32):
    h = bytearray(hashlib.sha512(seed32).digest()[:32])
    h[0] &= 248
    h[31] &= 127
    h[31] |= 64
    return int.from_bytes(h, "little")


def x_pub(seed32):
    return X25519PrivateKey.from_private_bytes(seed32).public_key().public_bytes(RAW, PUB_RAW)


def flip(b, byte, bit=0):
    b = bytearray(b)
    b[byte] ^= 1 << bit
    return bytes(b)


def noncanonical_s(sig):
    """The same signature with S replaced by S + L (still below 2^256)."""
    s = int.from_bytes(sig[32:], "little") + L
    assert s < 2**256
    return sig[:32] + s.to_bytes(32, "little")


def small_order_r_sig(seed32, msg):
    """A signature whose R is the identity point and whose S = k*a, so that the cofactorless
    equation [S]B = R + [k]A holds; the spec's Verify must still refuse it (small-order R)."""
    pk = ed_pub(seed32)
    r = point_encode(IDENTITY)
    k = int.from_bytes(hashlib.sha512(r + pk + msg).digest(), "little") % L
    s = k * ed_scalar(seed32) % L
    sig = r + s.to_bytes(32, "little")
    A = point_decode(pk)
    assert point_equal(point_mul(s, BASE), point_add(IDENTITY, point_mul(k, A)))
    return sig


# Small-order public keys, with a signature (R = identity, S = 0) that satisfies the plain
# equation for every message: a verifier that forgets the small-order rule accepts it.
SMALL_ORDER_KEY = bytes([1]) + bytes(31)  # the identity point, canonical
SMALL_ORDER_KEY_NONCANON_Y = (P + 1).to_bytes(32, "little")  # the identity point as y = p + 1
SMALL_ORDER_KEY_NONCANON_SIGN = bytes([1]) + bytes(30) + bytes([0x80])  # identity, x = 0 with sign bit
TRIVIAL_SIG = bytes([1]) + bytes(31) + bytes(32)


# ---------------------------------------------------------------------------------------------
# I.1 Identity

ID_LABEL = b"cutout/v2 identity"


def make_identity(ik_seed, xk_seed, binding_seed=None):
    ik = ed_pub(ik_seed)
    xk = x_pub(xk_seed)
    binding = ed_sign(binding_seed or ik_seed, ID_LABEL + xk)
    return ik, xk, ik + xk + binding


def check_identity(identity):
    if len(identity) != 128:
        return False
    ik, xk, binding = identity[:32], identity[32:64], identity[64:]
    return verify(ik, ID_LABEL + xk, binding)


# ---------------------------------------------------------------------------------------------
# I.2 Session certificate

SESSION_LABEL = b"cutout/v2 session"


def session_statement(room_id, sender_id, sk, device_id, name):
    nb = name.encode("utf-8")
    assert len(room_id) == 16 and len(sender_id) == 16 and len(sk) == 32 and len(device_id) == 16
    assert len(nb) <= 64
    return SESSION_LABEL + room_id + sender_id + sk + device_id + bytes([len(nb)]) + nb


def check_cert(cert, room_id, sender_id, device_id, name):
    if len(cert) != 224:
        return False
    identity, sk, sig = cert[:128], cert[128:160], cert[160:]
    if not check_identity(identity):
        return False
    nb = name.encode("utf-8")
    if len(nb) > 64:
        return False
    return verify(identity[:32], session_statement(room_id, sender_id, sk, device_id, name), sig)


# ---------------------------------------------------------------------------------------------
# I.3 Signed presence

PRESENCE_LABEL = b"cutout/v2 presence"


def presence_statement(typ, room_id, sender_id, member_id, first, second):
    assert typ in (1, 2, 3) and 0 <= member_id <= 0xFFFFFFFF
    assert len(room_id) == 16 and len(sender_id) == 16 and len(first) == 16 and len(second) == 16
    return (PRESENCE_LABEL + bytes([typ]) + room_id + sender_id + member_id.to_bytes(4, "big")
            + first + second)


def check_presence(sk, typ, room_id, sender_id, member_id, first, second, sig):
    return verify(sk, presence_statement(typ, room_id, sender_id, member_id, first, second), sig)


# ---------------------------------------------------------------------------------------------
# I.4 Safety number

SAFETY_LABEL = b"cutout/v2 safety"


def half(ik):
    h = hashlib.sha512(SAFETY_LABEL + ik).digest()  # SHA-512^1
    for _ in range(5200 - 1):  # up to SHA-512^5200
        h = hashlib.sha512(h + ik).digest()
    return "".join("%05d" % (int.from_bytes(h[5 * i:5 * i + 5], "big") % 100000) for i in range(6))


def safety_number(ik_a, ik_b):
    ha, hb = half(ik_a), half(ik_b)
    return ha, hb, min(ha, hb) + max(ha, hb)


# ---------------------------------------------------------------------------------------------
# I.5 Verification code

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45decode_strict(s):
    """RFC 9285 decoding, strict: only the 45 characters, no trailing single character, no
    group over its range. None on any error."""
    if any(c not in B45 for c in s) or len(s) % 3 == 1:
        return None
    out = bytearray()
    for i in range(0, len(s), 3):
        g = [B45.index(c) for c in s[i:i + 3]]
        if len(g) == 3:
            v = g[0] + g[1] * 45 + g[2] * 2025
            if v > 0xFFFF:
                return None
            out += v.to_bytes(2, "big")
        else:
            v = g[0] + g[1] * 45
            if v > 0xFF:
                return None
            out.append(v)
    return bytes(out)


def code_text(ik_shown, ik_seen):
    t = "CT2V" + base45.b45encode(bytes([1]) + ik_shown + ik_seen).decode("ascii")
    assert len(t) == 4 + 98
    return t


def parse_code(text):
    if not text.startswith("CT2V"):
        return None
    payload = b45decode_strict(text[4:])
    if payload is None:
        return None
    # the package must agree wherever it is given a clean string
    assert base45.b45decode(text[4:]) == payload
    if len(payload) != 65 or payload[0] != 1:
        return None
    return payload[1:33], payload[33:]


# ---------------------------------------------------------------------------------------------


def main():
    hx = bytes.hex
    out = {
        "about": (
            "Cutout v2 part 1, identities (docs/PROTOCOL.md I.1-I.5): known answers from an "
            "independent Python implementation (protocol/testdata/gen/identity_vectors.py). All "
            "byte strings are lowercase hex; display names and texts are strings. Every seed is "
            "SHA-256 of a fixed label. 'valid' of each check is the spec's Verify: Ed25519 that "
            "also refuses a small-order key or R and a non-canonical S or key. Certificate "
            "checks rebuild the statement from the given room_id, sender_id, device_id and "
            "display_name. Presence statements use type 1 Join, 2 Here, 3 Ack."
        ),
    }

    # --- identities ---------------------------------------------------------------------------
    ids = []
    for n in (1, 2, 3, 4):
        iks, xks = seed("vector ik %d" % n), seed("vector xk %d" % n)
        ik, xk, identity = make_identity(iks, xks)
        assert check_identity(identity)
        ids.append(dict(ik_seed=iks, xk_seed=xks, ik=ik, xk=xk, identity=identity))
    names = ["alice", "bob", "carol", "dave"]
    out["identities"] = [
        {"name": names[i], "ik_seed": hx(d["ik_seed"]), "xk_seed": hx(d["xk_seed"]),
         "ik": hx(d["ik"]), "xk": hx(d["xk"]), "identity": hx(d["identity"])}
        for i, d in enumerate(ids)
    ]

    a, b = ids[0], ids[1]
    _, _, bound_by_other = make_identity(a["ik_seed"], a["xk_seed"], binding_seed=b["ik_seed"])
    _, _, other_xk = make_identity(a["ik_seed"], b["xk_seed"])
    no_label = a["ik"] + a["xk"] + ed_sign(a["ik_seed"], a["xk"])
    id_cases = [
        ("alice", a["identity"], True, "valid identity of alice"),
        ("bob", b["identity"], True, "valid identity of bob"),
        ("binding by another key", bound_by_other, False,
         "alice's ik and xk, binding signed by bob's IK over alice's xk"),
        ("binding for another xk", a["ik"] + a["xk"] + other_xk[64:], False,
         "alice's binding of bob's xk placed next to alice's xk"),
        ("flipped bit in xk", flip(a["identity"], 32 + 5, 3), False,
         "binding no longer matches the xk"),
        ("flipped bit in ik", flip(a["identity"], 7, 1), False,
         "binding does not verify under the altered ik"),
        ("flipped bit in binding R", flip(a["identity"], 64 + 1, 0), False,
         "bit 0 of byte 1 of the binding (its R) flipped"),
        ("flipped bit in binding S", flip(a["identity"], 96 + 2, 4), False,
         "bit 4 of byte 34 of the binding (its S) flipped"),
        ("binding without the label", no_label, False,
         "binding signs xk alone, not 'cutout/v2 identity' || xk"),
        ("binding with non-canonical S", a["identity"][:64] + noncanonical_s(a["identity"][64:]),
         False, "alice's binding with S replaced by S + L: the spec's Verify refuses a "
         "non-canonical S (some libraries reduce it and accept)"),
        ("small-order ik", SMALL_ORDER_KEY + a["xk"] + TRIVIAL_SIG, False,
         "ik is the identity point 01 00..00 and the binding R = identity, S = 0 satisfies "
         "the verification equation; the spec's Verify refuses a small-order key"),
        ("binding with small-order R", a["ik"] + a["xk"] + small_order_r_sig(a["ik_seed"], ID_LABEL + a["xk"]),
         False, "binding made with R = identity point and S = k*a, which satisfies the "
         "equation; the spec's Verify refuses an R of small order"),
        ("truncated", a["identity"][:127], False, "127 bytes, an identity is 128"),
        ("over-long", a["identity"] + b"\x00", False, "129 bytes, an identity is 128"),
    ]
    out["identity_checks"] = []
    for name, ident, want, why in id_cases:
        got = check_identity(ident)
        assert got == want, name
        out["identity_checks"].append({"name": name, "identity": hx(ident), "valid": got, "why": why})

    # --- certificates -------------------------------------------------------------------------
    room1, room2 = b16("vector room 1"), b16("vector room 2")
    long_name = "Zoë Łódź — 東京 🦊 Ærø ñ"
    while len(long_name.encode()) < 64:
        long_name += "é" if 64 - len(long_name.encode()) >= 2 else "."
    assert len(long_name.encode()) == 64 and unicodedata.is_normalized("NFC", long_name)
    cert_specs = [
        ("alice, ascii name", 0, room1, "vector sender 1", "vector sk 1", "vector device 1", "Alice"),
        ("bob, empty name", 1, room1, "vector sender 2", "vector sk 2", "vector device 2", ""),
        ("carol, 64-byte multi-byte name", 2, room2, "vector sender 3", "vector sk 3", "vector device 3", long_name),
        ("alice, second session, accented name", 0, room2, "vector sender 4", "vector sk 4", "vector device 1", "Zoë"),
    ]
    certs = []
    out["certificates"] = []
    for name, idx, room, snd, sks, dev, disp in cert_specs:
        sender_id, sk_seed, device_id = b16(snd), seed(sks), b16(dev)
        sk = ed_pub(sk_seed)
        ident = ids[idx]
        stmt = session_statement(room, sender_id, sk, device_id, disp)
        cert = ident["identity"] + sk + ed_sign(ident["ik_seed"], stmt)
        assert len(cert) == 224 and check_cert(cert, room, sender_id, device_id, disp)
        certs.append(dict(cert=cert, room=room, sender=sender_id, device=device_id, name=disp,
                          sk_seed=sk_seed, sk=sk, ident=ident))
        out["certificates"].append({
            "name": name, "identity_index": idx, "room_id": hx(room), "sender_id": hx(sender_id),
            "sk_seed": hx(sk_seed), "sk": hx(sk), "device_id": hx(device_id), "display_name": disp,
            "statement": hx(stmt), "cert": hx(cert)})

    c0 = certs[0]
    c3 = certs[3]
    # an identity whose binding is broken, but whose session signature is right
    bad_ident = flip(a["identity"], 64 + 10, 2)
    bad_stmt = session_statement(c0["room"], c0["sender"], c0["sk"], c0["device"], c0["name"])
    cert_bad_ident = bad_ident + c0["sk"] + ed_sign(a["ik_seed"], bad_stmt)
    # a session signed by another identity's IK, carrying alice's identity
    cert_other_signer = a["identity"] + c0["sk"] + ed_sign(b["ik_seed"], bad_stmt)
    cert_noncanon = c0["cert"][:160] + noncanonical_s(c0["cert"][160:])

    def cc(label, cert, base, want, why, **over):
        args = dict(room=base["room"], sender=base["sender"], device=base["device"], name=base["name"])
        args.update(over)
        got = check_cert(cert, args["room"], args["sender"], args["device"], args["name"])
        assert got == want, label
        return {"name": label, "cert": hx(cert), "room_id": hx(args["room"]),
                "sender_id": hx(args["sender"]), "device_id": hx(args["device"]),
                "display_name": args["name"], "valid": got, "why": why}

    out["certificate_checks"] = [
        cc("valid, ascii name", c0["cert"], c0, True, "certificate 0 with its own statement fields"),
        cc("valid, empty name", certs[1]["cert"], certs[1], True, "certificate 1 with its own fields"),
        cc("valid, 64-byte name", certs[2]["cert"], certs[2], True, "certificate 2 with its own fields"),
        cc("another room id", c0["cert"], c0, False, "checked against a receiver's room id that is not the one signed", room=room2),
        cc("another sender id", c0["cert"], c0, False, "checked against another envelope sender_id", sender=b16("vector sender 2")),
        cc("another device id", c0["cert"], c0, False, "checked against another device_id in the presence body", device=b16("vector device 2")),
        cc("another display name", c0["cert"], c0, False, "checked against display name 'Alicf'", name="Alicf"),
        cc("display name with a trailing space", c0["cert"], c0, False, "'Alice ' is not the signed 'Alice'", name="Alice "),
        cc("display name in NFD", c3["cert"], c3, False,
           "signed name is NFC 'Zoë' (5a 6f c3 ab); checked against NFD 'Zoë' (5a 6f 65 cc 88): the statement is over the exact bytes",
           name=unicodedata.normalize("NFD", c3["name"])),
        cc("empty name checked as another", certs[1]["cert"], certs[1], False, "signed with an empty name, checked against 'Bob'", name="Bob"),
        cc("flipped bit in sk", flip(c0["cert"], 128 + 3, 5), c0, False, "the session key inside the certificate altered, so the statement differs"),
        cc("flipped bit in signature", flip(c0["cert"], 160 + 40, 1), c0, False, "bit 1 of byte 40 of the session signature flipped"),
        cc("invalid identity inside", cert_bad_ident, c0, False,
           "the identity's binding has a flipped bit (byte 74); the session signature itself is right for alice's ik"),
        cc("signed by another identity", cert_other_signer, c0, False,
           "alice's identity, but the session statement is signed by bob's IK"),
        cc("non-canonical S in session signature", cert_noncanon, c0, False,
           "session signature with S replaced by S + L: the spec's Verify refuses a non-canonical S"),
        cc("truncated", c0["cert"][:223], c0, False, "223 bytes, a certificate is 224"),
        cc("over-long", c0["cert"] + b"\x00", c0, False, "225 bytes, a certificate is 224"),
        cc("another identity's certificate", certs[1]["cert"], c0, False,
           "bob's certificate checked against alice's session fields"),
    ]

    # --- presence -----------------------------------------------------------------------------
    cj, dm = b16("vector challenge c_J"), b16("vector challenge d_M")
    cj2 = b16("vector challenge c_J 2")
    zero = bytes(16)
    pres_specs = [
        ("Join, member id 0", c0, 1, 0, cj, zero),
        ("Here, member id 1", certs[1], 2, 1, cj, dm),
        ("Ack, member id 0xffffffff", c0, 3, 0xFFFFFFFF, cj, dm),
        ("Join sent to one session, member id 0x01020304", certs[2], 1, 0x01020304, cj2, zero),
        ("Here, member id 0xffffffff", certs[2], 2, 0xFFFFFFFF, cj2, dm),
        ("Ack, member id 1", certs[3], 3, 1, cj2, dm),
    ]
    pres = []
    out["presence"] = []
    for name, c, typ, mid, first, second in pres_specs:
        stmt = presence_statement(typ, c["room"], c["sender"], mid, first, second)
        sig = ed_sign(c["sk_seed"], stmt)
        assert check_presence(c["sk"], typ, c["room"], c["sender"], mid, first, second, sig)
        pres.append(dict(sk=c["sk"], sk_seed=c["sk_seed"], type=typ, room=c["room"], sender=c["sender"],
                         mid=mid, first=first, second=second, sig=sig))
        out["presence"].append({
            "name": name, "sk_seed": hx(c["sk_seed"]), "sk": hx(c["sk"]), "type": typ,
            "room_id": hx(c["room"]), "sender_id": hx(c["sender"]), "member_id": mid,
            "first": hx(first), "second": hx(second), "statement": hx(stmt), "signature": hx(sig)})

    def pc(name, base, want, why, **over):
        args = dict(base)
        args.update(over)
        got = check_presence(args["sk"], args["type"], args["room"], args["sender"], args["mid"],
                             args["first"], args["second"], args["sig"])
        assert got == want, name
        return {"name": name, "sk": hx(args["sk"]), "type": args["type"], "room_id": hx(args["room"]),
                "sender_id": hx(args["sender"]), "member_id": args["mid"], "first": hx(args["first"]),
                "second": hx(args["second"]), "signature": hx(args["sig"]), "valid": got, "why": why}

    p0, p1, p2 = pres[0], pres[1], pres[2]
    small_r = small_order_r_sig(p1["sk_seed"], presence_statement(
        p1["type"], p1["room"], p1["sender"], p1["mid"], p1["first"], p1["second"]))
    out["presence_checks"] = [
        pc("valid Join", p0, True, "presence 0 as signed"),
        pc("valid Here", p1, True, "presence 1 as signed"),
        pc("valid Ack", p2, True, "presence 2 as signed"),
        pc("flipped bit in signature R", p1, False, "bit 0 of byte 0 of the signature flipped", sig=flip(p1["sig"], 0, 0)),
        pc("flipped bit in signature S", p1, False, "bit 2 of byte 50 of the signature flipped", sig=flip(p1["sig"], 50, 2)),
        pc("another member id", p1, False, "signed for member id 1, checked as 2", mid=2),
        pc("member id byte order", p2, False, "signed for 0xffffffff, checked as 0xfffffffe", mid=0xFFFFFFFE),
        pc("another type, Here as Ack", p1, False, "signed as type 2 Here, checked as type 3 Ack", type=3),
        pc("another type, Ack as Here", p2, False, "signed as type 3 Ack, checked as type 2 Here", type=2),
        pc("swapped first and second", p1, False, "first and second exchanged", first=p1["second"], second=p1["first"]),
        pc("Join checked with a non-zero second", p0, False, "a Join is signed with 16 zero bytes as second", second=dm),
        pc("another room id", p1, False, "checked against another room id", room=room2),
        pc("another sender id", p1, False, "checked against another envelope sender_id", sender=b16("vector sender 1")),
        pc("another session key", p1, False, "checked with another session's sk", sk=c0["sk"]),
        pc("small-order key", p1, False,
           "sk is the identity point 01 00..00 and the signature R = identity, S = 0 satisfies the "
           "verification equation for any message; the spec's Verify refuses a small-order key",
           sk=SMALL_ORDER_KEY, sig=TRIVIAL_SIG),
        pc("small-order key, non-canonical y", p1, False,
           "sk encodes the identity point as y = p + 1 (ee ff .. ff 7f), signature R = identity, S = 0; "
           "the spec's Verify refuses a small-order or non-canonical key",
           sk=SMALL_ORDER_KEY_NONCANON_Y, sig=TRIVIAL_SIG),
        pc("small-order key, x = 0 with sign bit", p1, False,
           "sk encodes the identity point with the sign bit set (01 00 .. 00 80), signature R = identity, "
           "S = 0; the spec's Verify refuses a small-order or non-canonical key",
           sk=SMALL_ORDER_KEY_NONCANON_SIGN, sig=TRIVIAL_SIG),
        pc("small-order R", p1, False,
           "signature by presence 1's key with R = identity point and S = k*a, which satisfies the "
           "cofactorless equation; the spec's Verify refuses an R of small order", sig=small_r),
        pc("non-canonical S", p1, False,
           "presence 1's signature with S replaced by S + L (L the group order); the spec's Verify "
           "refuses a non-canonical S, even where a library would reduce it and accept",
           sig=noncanonical_s(p1["sig"])),
    ]

    # --- safety numbers -----------------------------------------------------------------------
    # a key whose half has a group with leading zeros (value < 1000: "00ddd")
    lz = None
    for n in range(1, 400):
        ik = ed_pub(seed("vector safety ik %d" % n))
        h = half(ik)
        if any(h[5 * i:5 * i + 2] == "00" for i in range(6)):
            lz = (n, ik, h)
            break
    assert lz is not None
    sn_pairs = [
        ("alice and bob", a["ik"], b["ik"]),
        ("bob and alice", b["ik"], a["ik"]),
        ("alice and carol", a["ik"], ids[2]["ik"]),
        ("carol and alice", ids[2]["ik"], a["ik"]),
        ("alice with herself", a["ik"], a["ik"]),
        ("leading zeros: vector safety ik %d and bob" % lz[0], lz[1], b["ik"]),
        ("bob and leading zeros: vector safety ik %d" % lz[0], b["ik"], lz[1]),
    ]
    out["safety_numbers"] = []
    for name, x, y in sn_pairs:
        ha, hb, num = safety_number(x, y)
        assert len(ha) == 30 and len(hb) == 30 and len(num) == 60
        out["safety_numbers"].append({"name": name, "ik_a": hx(x), "ik_b": hx(y),
                                      "half_a": ha, "half_b": hb, "number": num})
    sn = out["safety_numbers"]
    assert sn[0]["number"] == sn[1]["number"] and sn[2]["number"] == sn[3]["number"]
    assert sn[5]["number"] == sn[6]["number"]

    # --- verification codes -------------------------------------------------------------------
    codes = [
        ("alice shows, seeing bob", a["ik"], b["ik"]),
        ("bob shows, seeing alice", b["ik"], a["ik"]),
        ("carol shows, seeing dave", ids[2]["ik"], ids[3]["ik"]),
    ]
    out["verification_codes"] = []
    for name, shown, seen in codes:
        t = code_text(shown, seen)
        assert parse_code(t) == (shown, seen)
        out["verification_codes"].append({"name": name, "ik_shown": hx(shown), "ik_seen": hx(seen), "text": t})

    good = out["verification_codes"][0]["text"]
    body = good[4:]

    def enc(payload):
        return base45.b45encode(payload).decode("ascii")

    pay = bytes([1]) + a["ik"] + b["ik"]
    bad_char = body[:10] + "!" + body[11:]
    overflow = body[:-2] + ":::"  # ':::' = 44 + 44*45 + 44*2025 = 91124 > 65535 as a 3-character group
    # a last 2-character group over 255: 'ZZ' = 35 + 35*45 = 1610
    over_byte = body[:-2] + "ZZ"
    vc = [
        ("valid", good, True, "verification code 0 as generated"),
        ("valid, other direction", out["verification_codes"][1]["text"], True, "verification code 1 as generated"),
        ("wrong tag CT1V", "CT1V" + body, False, "tag must be CT2V"),
        ("wrong tag CT2K", "CT2K" + body, False, "tag must be CT2V"),
        ("version byte 0x02", "CT2V" + enc(bytes([2]) + pay[1:]), False, "version byte must be 0x01"),
        ("version byte 0x00", "CT2V" + enc(bytes([0]) + pay[1:]), False, "version byte must be 0x01"),
        ("64 payload bytes", "CT2V" + enc(pay[:64]), False, "payload must be 65 bytes"),
        ("66 payload bytes", "CT2V" + enc(pay + b"\x00"), False, "payload must be 65 bytes"),
        ("empty payload", "CT2V", False, "payload must be 65 bytes"),
        ("invalid Base45 character", bad_char, False, "'!' is not a Base45 character"),
        ("invalid Base45 length", good[:-1], False, "one dangling character: a Base45 length of 3n+1 is invalid"),
        ("invalid Base45 triple over 65535", "CT2V" + overflow, False,
         "last group ':::' decodes to 91124 > 65535 (RFC 9285 rejects it)"),
        ("invalid Base45 pair over 255", "CT2V" + over_byte, False,
         "last 2-character group 'ZZ' decodes to 1610 > 255 (RFC 9285 rejects it)"),
        ("lower-case letters", good.lower(), False, "lower case is not in the Base45 alphabet nor the tag"),
        ("lower-case payload", "CT2V" + body.lower(), False, "lower-case letters are not Base45 characters"),
        ("lower-case tag", "ct2v" + body, False, "the tag is CT2V in upper case (QR alphanumeric mode has no lower case)"),
    ]
    assert good != good.lower() and body != body.lower()
    assert len(overflow) % 3 == 0 and len(over_byte) % 3 == 2
    out["verification_code_checks"] = []
    for name, text, want, why in vc:
        got = parse_code(text) is not None
        assert got == want, name
        out["verification_code_checks"].append({"name": name, "text": text, "valid": got, "why": why})

    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
