"""itsdangerous side of test/interop/itsdangerous.test.ts.

Reads a JSON list of cases on stdin and writes a JSON list of answers on stdout.
  itsdangerous_interop.py sign    -> each case signed by itsdangerous (or zlib-(de)compressed)
  itsdangerous_interop.py verify  -> each case's "signed" string opened by itsdangerous

A case: {"kind": "signer" | "timestamp" | "serializer" | "timed-serializer" | "zlib" | "unzlib",
         "secret": SECRET | [SECRET, ...], "salt"?: SECRET, "sep"?: str,
         "keyDerivation"?: str, "digest"?: str, "value": str, "timestamp"?: int,
         "signed"?: str, "maxAge"?: int, "input"?: hex}
where SECRET is a string or {"hex": "..."} for bytes.
"""
import hashlib
import json
import sys
import zlib

from itsdangerous import (
    BadData,
    Signer,
    TimestampSigner,
    URLSafeSerializer,
    URLSafeTimedSerializer,
)

DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def secret(spec):
    return bytes.fromhex(spec["hex"]) if isinstance(spec, dict) else spec


def secrets(spec):
    return [secret(s) for s in spec] if isinstance(spec, list) else secret(spec)


class PassThrough:
    """Signs the given text as the payload (a text serializer for itsdangerous)."""

    @staticmethod
    def dumps(obj):
        return obj if isinstance(obj, str) else json.dumps(obj)

    @staticmethod
    def loads(text):
        return text


def fixed_clock(timestamp):
    class FixedClockSigner(TimestampSigner):
        def get_timestamp(self):
            return timestamp if timestamp is not None else super().get_timestamp()

    return FixedClockSigner


def signer_kwargs(case):
    kwargs = {}
    if "sep" in case:
        kwargs["sep"] = case["sep"]
    if "keyDerivation" in case:
        kwargs["key_derivation"] = case["keyDerivation"]
    if "digest" in case:
        kwargs["digest_method"] = DIGESTS[case["digest"]]
    return kwargs


def make(case):
    kind = case["kind"]
    salt = {"salt": secret(case["salt"])} if "salt" in case else {}
    key = secrets(case["secret"])
    if kind == "signer":
        return Signer(key, **salt, **signer_kwargs(case))
    if kind == "timestamp":
        return fixed_clock(case.get("timestamp"))(key, **salt, **signer_kwargs(case))
    if kind == "serializer":
        return URLSafeSerializer(key, **salt, serializer=PassThrough, signer_kwargs=signer_kwargs(case))
    if kind == "timed-serializer":
        return URLSafeTimedSerializer(
            key, **salt, serializer=PassThrough, signer=fixed_clock(case.get("timestamp")),
            signer_kwargs=signer_kwargs(case),
        )
    raise ValueError(f"unknown kind {kind}")


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def sign(case):
    if case["kind"] == "zlib":
        return zlib.compress(bytes.fromhex(case["input"])).hex()
    if case["kind"] == "unzlib":
        try:
            return zlib.decompress(bytes.fromhex(case["input"])).hex()
        except zlib.error:
            return "error"
    obj = make(case)
    if case["kind"] in ("signer", "timestamp"):
        return text(obj.sign(case["value"]))
    return text(obj.dumps(case["value"]))


def verify(case):
    obj = make(case)
    kind = case["kind"]
    max_age = case.get("maxAge")
    try:
        if kind == "signer":
            return {"ok": True, "value": text(obj.unsign(case["signed"]))}
        if kind == "timestamp":
            value, when = obj.unsign(case["signed"], max_age=max_age, return_timestamp=True)
            return {"ok": True, "value": text(value), "timestamp": int(when.timestamp())}
        if kind == "serializer":
            return {"ok": True, "value": obj.loads(case["signed"])}
        value, when = obj.loads(case["signed"], max_age=max_age, return_timestamp=True)
        return {"ok": True, "value": value, "timestamp": int(when.timestamp())}
    except BadData as error:
        return {"ok": False, "error": type(error).__name__, "message": str(error)}


def main():
    mode = sys.argv[1]
    cases = json.load(sys.stdin)
    run = sign if mode == "sign" else verify
    json.dump([run(case) for case in cases], sys.stdout, ensure_ascii=False)


main()
