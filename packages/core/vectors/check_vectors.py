#!/usr/bin/env python3
"""Independent check of sealed-values.json, written from docs/format.md alone.

Python standard library only (no NaCl binding): X25519 from RFC 7748, Salsa20/HSalsa20/XSalsa20
and Poly1305 from their specifications, HMAC-SHA-256 from hashlib/hmac. Slow, and not constant
time: it is a conformance check, not an implementation to use.

    python3 packages/core/vectors/check_vectors.py [path/to/sealed-values.json]

Checks, for every valid vector: sealing with `randomHex` reproduces `sealed`, and opening `sealed`
with each recipient key at the vector's location returns the plaintext; for every invalid vector:
opening fails with the expected error code. Exits non-zero on the first mismatch.
"""
import base64
import binascii
import hashlib
import hmac
import json
import re
import struct
import sys
from pathlib import Path

# --- X25519 (RFC 7748 section 5) -------------------------------------------------------------
P = 2**255 - 19
A24 = 121665


def x25519(k: bytes, u: bytes) -> bytes:
    k_list = bytearray(k)
    k_list[0] &= 248
    k_list[31] &= 127
    k_list[31] |= 64
    scalar = int.from_bytes(k_list, "little")
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (scalar >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P, (x2 - z2) % P
        aa, bb = a * a % P, b * b % P
        e = (aa - bb) % P
        c, d = (x3 + z3) % P, (x3 - z3) % P
        da, cb = d * a % P, c * b % P
        x3 = (da + cb) ** 2 % P
        z3 = x1 * (da - cb) ** 2 % P
        x2 = aa * bb % P
        z2 = e * (aa + A24 * e) % P
    if swap:
        x2, x3, z2, z3 = x3, x2, z3, z2
    return (x2 * pow(z2, P - 2, P) % P).to_bytes(32, "little")


BASE_POINT = (9).to_bytes(32, "little")

# --- Salsa20 family ----------------------------------------------------------------------------
SIGMA = b"expand 32-byte k"


def _rotl(v, c):
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _salsa_rounds(x):
    x = list(x)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (5, 9, 13, 1), (10, 14, 2, 6), (15, 3, 7, 11),
                           (0, 1, 2, 3), (5, 6, 7, 4), (10, 11, 8, 9), (15, 12, 13, 14)):
            x[b] ^= _rotl((x[a] + x[d]) & 0xFFFFFFFF, 7)
            x[c] ^= _rotl((x[b] + x[a]) & 0xFFFFFFFF, 9)
            x[d] ^= _rotl((x[c] + x[b]) & 0xFFFFFFFF, 13)
            x[a] ^= _rotl((x[d] + x[c]) & 0xFFFFFFFF, 18)
    return x


def _state(key: bytes, inp: bytes):
    k = struct.unpack("<8I", key)
    n = struct.unpack("<4I", inp)
    s = struct.unpack("<4I", SIGMA)
    return [s[0], k[0], k[1], k[2], k[3], s[1], n[0], n[1], n[2], n[3], s[2], k[4], k[5], k[6], k[7], s[3]]


def hsalsa20(key: bytes, inp: bytes) -> bytes:
    z = _salsa_rounds(_state(key, inp))
    return struct.pack("<8I", *(z[i] for i in (0, 5, 10, 15, 6, 7, 8, 9)))


def salsa20_stream(key: bytes, nonce8: bytes, length: int) -> bytes:
    out = bytearray()
    counter = 0
    while len(out) < length:
        x = _state(key, nonce8 + struct.pack("<Q", counter))
        z = _salsa_rounds(x)
        out += struct.pack("<16I", *((z[i] + x[i]) & 0xFFFFFFFF for i in range(16)))
        counter += 1
    return bytes(out[:length])


def xsalsa20_stream(key: bytes, nonce24: bytes, length: int) -> bytes:
    return salsa20_stream(hsalsa20(key, nonce24[:16]), nonce24[16:], length)


def poly1305(key: bytes, msg: bytes) -> bytes:
    r = int.from_bytes(key[:16], "little") & 0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    s = int.from_bytes(key[16:], "little")
    acc, p = 0, (1 << 130) - 5
    for i in range(0, len(msg), 16):
        block = msg[i:i + 16] + b"\x01"
        acc = (acc + int.from_bytes(block, "little")) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, "little")


def secretbox(msg: bytes, nonce: bytes, key: bytes) -> bytes:
    stream = xsalsa20_stream(key, nonce, 32 + len(msg))
    ct = bytes(a ^ b for a, b in zip(msg, stream[32:]))
    return poly1305(stream[:32], ct) + ct


def secretbox_open(box: bytes, nonce: bytes, key: bytes):
    if len(box) < 16:
        return None
    stream = xsalsa20_stream(key, nonce, 32 + len(box) - 16)
    if not hmac.compare_digest(poly1305(stream[:32], box[16:]), box[:16]):
        return None
    return bytes(a ^ b for a, b in zip(box[16:], stream[32:]))


def box_beforenm(pk: bytes, sk: bytes) -> bytes:
    shared = x25519(sk, pk)
    if shared == bytes(32):
        raise SealError("authentication_failed")
    return hsalsa20(shared, bytes(16))


# --- the format (docs/format.md) ---------------------------------------------------------------
CONTEXT = b"sealkit/v1/payload-key"
SCOPES = {"strict": 1, "namespace": 2, "cluster": 3}
NS = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
B64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")


class SealError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def key_id(pk: bytes) -> bytes:
    return hashlib.sha256(pk).digest()[:8]


def label_for(scope, namespace, name):
    return {"strict": f"{namespace}/{name}", "namespace": namespace or "", "cluster": ""}[scope]


def seal(values: dict, recipients: list, scope: str, label: str, random) -> dict:
    e = random(32)
    epk = x25519(e, BASE_POINT)
    ks = [box_beforenm(pk, e) for pk in recipients]
    lb = label.encode()
    prefix = bytes([1, SCOPES[scope]]) + struct.pack(">H", len(lb)) + lb + epk + bytes([len(recipients)])
    out = {}
    for name in sorted(values, key=lambda s: s.encode("utf-16-be")):
        data_key = random(32)
        header = prefix
        for pk, k in zip(recipients, ks):
            nonce = random(24)
            header += key_id(pk) + nonce + secretbox(data_key, nonce, k)
        payload_key = hmac.new(data_key, CONTEXT + header, hashlib.sha256).digest()
        nonce = random(24)
        out[name] = base64.b64encode(header + nonce + secretbox(values[name], nonce, payload_key)).decode()
    return out


def open_value(text: str, keyring: dict, namespace: str, name: str) -> bytes:
    if not text or not B64.match(text):
        raise SealError("bad_input")
    v = base64.b64decode(text)
    if base64.b64encode(v).decode() != text:
        raise SealError("bad_input")
    if v[0] != 1:
        raise SealError("unknown_version")
    if len(v) < 4 or v[1] not in (1, 2, 3):
        raise SealError("bad_input")
    scope = {1: "strict", 2: "namespace", 3: "cluster"}[v[1]]
    (length,) = struct.unpack(">H", v[2:4])
    o = 4
    if len(v) < o + length:
        raise SealError("bad_input")
    try:
        label = v[o:o + length].decode("utf-8")
    except UnicodeDecodeError:
        raise SealError("bad_input")
    parts = label.split("/")
    ok = {"cluster": label == "",
          "namespace": bool(NS.match(label)) and len(label) <= 63,
          "strict": len(parts) == 2 and bool(NS.match(parts[0])) and len(parts[0]) <= 63
          and bool(NAME.match(parts[1])) and len(parts[1]) <= 253}[scope]
    if not ok:
        raise SealError("bad_input")
    o += length
    if len(v) < o + 33:
        raise SealError("bad_input")
    epk, count = v[o:o + 32], v[o + 32]
    o += 33
    if count == 0 or len(v) < o + 80 * count:
        raise SealError("bad_input")
    entries = [(v[o + 80 * i:o + 80 * i + 8], v[o + 80 * i + 8:o + 80 * i + 32], v[o + 80 * i + 32:o + 80 * i + 80])
               for i in range(count)]
    o += 80 * count
    header = v[:o]
    if len(v) < o + 24 + 16:
        raise SealError("bad_input")
    if scope != "cluster" and label != label_for(scope, namespace, name):
        raise SealError("scope_mismatch")
    mine = [(e, keyring[e[0]]) for e in entries if e[0] in keyring]
    if not mine:
        raise SealError("unknown_key")
    for (_, nonce, wrapped), sk in mine:
        data_key = secretbox_open(wrapped, nonce, box_beforenm(epk, sk))
        if data_key is None:
            continue
        payload_key = hmac.new(data_key, CONTEXT + header, hashlib.sha256).digest()
        plaintext = secretbox_open(v[o + 24:], v[o:o + 24], payload_key)
        if plaintext is not None:
            return plaintext
        break
    raise SealError("authentication_failed")


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("sealed-values.json")
    doc = json.loads(path.read_text())
    keys = {n: binascii.unhexlify(k["secretKey"]) for n, k in doc["keys"].items()}
    for n, k in doc["keys"].items():
        pk = x25519(keys[n], BASE_POINT)
        assert pk.hex() == k["publicKey"], f"public key of {n}"
        assert key_id(pk).hex() == k["keyId"], f"key id of {n}"
        der = base64.b64decode("".join(k["publicKeyPem"].strip().splitlines()[1:-1]))
        assert der == bytes.fromhex("302a300506032b656e032100") + pk, f"SPKI PEM of {n}"
        der = base64.b64decode("".join(k["privateKeyPem"].strip().splitlines()[1:-1]))
        assert der == bytes.fromhex("302e020100300506032b656e04220420") + keys[n], f"PKCS#8 PEM of {n}"
    pub = {n: x25519(sk, BASE_POINT) for n, sk in keys.items()}
    count = 0
    for vec in doc["valid"]:
        stream = bytes.fromhex(vec["randomHex"])
        pos = [0]

        def random(n):
            chunk = stream[pos[0]:pos[0] + n]
            pos[0] += n
            return chunk

        values = {v["key"]: bytes.fromhex(v["plaintextHex"]) for v in vec["values"]}
        label = label_for(vec["scope"], vec.get("namespace"), vec.get("name"))
        sealed = seal(values, [pub[r] for r in vec["recipients"]], vec["scope"], label, random)
        assert pos[0] == len(stream), f"{vec['description']}: random bytes left over"
        for v in vec["values"]:
            assert sealed[v["key"]] == v["sealed"], f"{vec['description']} / {v['key']}: sealed bytes differ"
            for r in vec["recipients"]:
                ring = {key_id(pub[r]): keys[r]}
                got = open_value(v["sealed"], ring, vec.get("namespace", "x"), vec.get("name", "y"))
                assert got.hex() == v["plaintextHex"], f"{vec['description']} / {v['key']}: plaintext differs"
            count += 1
    for vec in doc["invalid"]:
        ring = {key_id(pub[n]): keys[n] for n in vec["keyring"]}
        try:
            open_value(vec["sealed"], ring, vec["where"]["namespace"], vec["where"]["name"])
        except SealError as error:
            assert error.code == vec["error"], f"{vec['description']}: got {error.code}, expected {vec['error']}"
        else:
            raise AssertionError(f"{vec['description']}: opened, expected {vec['error']}")
    print(f"ok: {len(doc['keys'])} keys, {count} sealed values (sealed and opened), {len(doc['invalid'])} invalid inputs")


if __name__ == "__main__":
    main()
