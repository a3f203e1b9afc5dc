"""Regenerates test/unit/signing/itsdangerous-vectors.json with the local itsdangerous and zlib.

Usage: /usr/bin/python3 test/interop/py/itsdangerous_vectors.py > test/unit/signing/itsdangerous-vectors.json
"""
import hashlib
import json
import random
import sys
import zlib

import itsdangerous
from itsdangerous import Signer, TimestampSigner, URLSafeSerializer, URLSafeTimedSerializer

DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
TIMESTAMP = 1_700_000_000


class FixedClockSigner(TimestampSigner):
    def get_timestamp(self):
        return TIMESTAMP


def skewed_bytes(seed, symbols, base, n):
    """Bytes with near-Fibonacci symbol frequencies and few repeated 3-grams: deep Huffman trees,
    which makes zlib hit its code length limit (the overflow path of gen_bitlen)."""
    rng = random.Random(seed)
    weights = [base ** -k for k in range(symbols)]
    seen, out = set(), []
    for i in range(n):
        s = rng.choices(range(symbols), weights)[0]
        tries = 0
        while tries < 30 and i >= 2 and (out[i - 2], out[i - 1], s) in seen:
            s = rng.choices(range(symbols), weights)[0] if rng.random() < 0.5 else 30 + rng.randrange(200)
            tries += 1
        out.append(s)
        if i >= 2:
            seen.add((out[i - 2], out[i - 1], s))
    return bytes(out)


def main():
    try:
        from importlib.metadata import version
        made_with = {"itsdangerous": version("itsdangerous"), "zlib": zlib.ZLIB_RUNTIME_VERSION}
    except Exception:
        made_with = {"itsdangerous": getattr(itsdangerous, "__version__", "?"), "zlib": zlib.ZLIB_RUNTIME_VERSION}
    out = {"made_with": made_with, "timestamp": TIMESTAMP, "signer": [], "zlib": []}
    for kd in ["hmac", "django-concat", "concat", "none"]:
        for dg in ["sha1", "sha256", "sha512"]:
            for secret, salt, value in [
                ("secret-key", "itsdangerous.Signer", "hello world"),
                ("ключ", "соль", "значение ✓"),
            ]:
                kwargs = dict(salt=salt, key_derivation=kd, digest_method=DIGESTS[dg])
                out["signer"].append({
                    "secret": secret, "salt": salt, "keyDerivation": kd, "digest": dg, "value": value,
                    "signed": Signer(secret, **kwargs).sign(value).decode(),
                    "timestamped": FixedClockSigner(secret, **kwargs).sign(value).decode(),
                })
    # Payload compression is kept only when it saves 2+ bytes: zlib output n - 2 (kept), n - 1 and n (not).
    texts = [
        {"text": '{"k":"bababaaabaaabbaba"}', "zlib_minus_text": -2},
        {"text": '{"k":"baaaaaababaaaabbbbaa"}', "zlib_minus_text": -1},
        {"text": '{"k":"baabababaababaaabbba"}', "zlib_minus_text": 0},
        {"text": '{"list":[' + ",".join(["1"] * 100) + "]}", "zlib_minus_text": None},
        {"text": '{"name":"Zoë","emoji":"😀"}', "zlib_minus_text": None},
    ]
    class PassThrough:
        @staticmethod
        def dumps(obj):
            return obj if isinstance(obj, str) else json.dumps(obj)

        @staticmethod
        def loads(text):
            return text

    out["serializer"] = []
    for entry in texts:
        text = entry["text"]
        assert entry["zlib_minus_text"] is None or len(zlib.compress(text.encode())) - len(text.encode()) == entry["zlib_minus_text"]
        untimed = URLSafeSerializer("secret-key", serializer=PassThrough)
        timed = URLSafeTimedSerializer("secret-key", serializer=PassThrough, signer=FixedClockSigner)
        out["serializer"].append({**entry, "secret": "secret-key", "untimed": untimed.dumps(text), "timed": timed.dumps(text)})
    json_value = {"user": "alice", "n": [1, 2, 3], "ok": True}
    out["json"] = {
        "value": json_value,
        "untimed": URLSafeSerializer("secret-key").dumps(json_value),
        "timed": URLSafeTimedSerializer("secret-key", signer=FixedClockSigner).dumps(json_value),
    }
    inputs = [
        b"", b"a", b'{"a":1}', b"x" * 1000, bytes(range(256)) * 3,
        ('{"user":"alice","items":[' + ",".join(str(i * 7 % 13) for i in range(200)) + "]}").encode(),
        skewed_bytes(0, 16, 1.618, 1500),
        random.Random(5).randbytes(300),
    ]
    for data in inputs:
        out["zlib"].append({"input": data.hex(), "compressed": zlib.compress(data).hex()})
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


main()
