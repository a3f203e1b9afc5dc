"""Values built in Python, serialized by Flask's session serializer.

Prints {"records": [...], "refused": [...], "retyped": [...]}. Each record has:
- name, text: the value's name and Flask's serialization of it;
- python_roundtrip: dumps(loads(text)) in Flask itself;
- integral_float: the value holds a float with an integral value (1.0, 1e+22...), which
  JavaScript reads as a plain number and writes back as an integer;
- expected_js: for those, the text of the same value with such floats made ints (-0.0 excepted,
  which JavaScript keeps as -0).
"refused" names the Python values outside Flask's format that Flask refuses to serialize;
"retyped" gives {"name", "text"} for those it writes as another type.
"""
import json
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from flask import Flask
from markupsafe import Markup

UTC = timezone.utc

CORPUS = [
    ("plain", {"username": "alice", "n": 1, "ok": True, "none": None}),
    ("permanent", {"_permanent": True, "user_id": 7}),
    ("flashes", {"_flashes": [("message", "Welcome back"), ("error", "Nope")]}),
    ("nested tuples", {"t": (1, (2, (3,)), [4, (5,)], ())}),
    ("tuple of dicts", {"t": ({"a": 1}, {" t": 2})}),
    ("bytes", {"b": b"\x00\x01binary\xff", "empty": b"", "all": bytes(range(256))}),
    ("bytes in list", [b"a", b"ab", b"abc", b"abcd"]),
    ("markup", {"m": Markup("<i>hi</i>"), "empty": Markup(""), "uni": Markup("<b>caf\u00e9 \U0001f600</b>")}),
    ("uuid", {"u": uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100"), "v": uuid.UUID(int=0)}),
    ("uuid max", [uuid.UUID(int=2**128 - 1)]),
    ("datetime utc", {"d": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)}),
    ("datetime offset", {"d": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30)))}),
    ("datetime negative offset", {"d": datetime(1999, 12, 31, 23, 0, 0, tzinfo=timezone(timedelta(hours=-8)))}),
    ("datetime micro", {"d": datetime(2024, 2, 29, 12, 0, 0, 999999, tzinfo=UTC)}),
    ("datetime naive", {"d": datetime(2001, 9, 9, 1, 46, 40)}),
    ("datetime year 1", {"d": datetime(1, 1, 1, tzinfo=UTC)}),
    ("datetime year 9999", {"d": datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)}),
    ("datetime pre-epoch", {"d": datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC)}),
    ("escaped tag key", {" t": [1]}),
    ("escaped di key", {" di": {"x": 1}}),
    ("escaped nested", {"a": {" b": b"x"}, "b": {" d": datetime(2030, 1, 1, tzinfo=UTC)}}),
    ("escaped twice", {" di": {" di": {" t": (1,)}}}),
    ("tag-like keys", {" x": 1, " t__": 2, "t": 3, " m": 4, " u": 5}),
    ("tag-like single unregistered", {" x": 1}),
    ("unicode", {"cjk": "\u4f1a\u8bdd", "emoji": "\U0001f600", "name": "Zo\u00eb", "\u00e9": "\u00e9"}),
    ("key order", {"a": 2, "z": 1, "\u00e9": 3, "\uffff": 5, "\U0001f600": 4, "\U00010000": 6, "\ue000": 7}),
    ("controls", {"s": "\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f\x80\"\\/"}),
    ("lone surrogates", {"s": "\ud800", "t": "a\udfffb", "\udc00": 1}),
    ("floats", {"a": 0.1, "b": 1e-05, "d": -2.5e-308, "e": 5e-324, "f": 0.1 + 0.2,
                "h": 123.456, "i": -0.0001, "j": 2.5, "k": 4503599627370495.5, "l": 1e-300}),
    ("negative zero", {"z": -0.0}),
    ("non-finite", [float("inf"), float("-inf"), float("nan")]),
    ("big ints", {"a": 2**53, "b": 2**53 - 1, "c": -(2**53) - 1, "d": 2**64, "e": -(10**30), "f": 10**100}),
    ("proto keys", {"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}),
    ("proto in di", {"__proto__": (1, 2)}),
    ("integer-like keys", {"10": 1, "9": 2, "a": 3, "0": 4}),
    ("deep", {"a": [[[[[{"b": ({"c": [b"x"]},)}]]]]]}),
    ("empty", {}),
    ("list root", [1, "two", (3,), None]),
    ("long text", {"text": "a" * 500}),
]

INTEGRAL_FLOATS = [
    ("float 1.0", {"h": 1.0}),
    ("float 0.0", {"z": 0.0}),
    ("float 1e16", {"f": 1e16}),
    ("float 1e22", {"f": 1e22}),
    ("float 123456789012345678.0", {"f": 123456789012345678.0}),
    ("float 1e300", {"f": 1e300}),
    ("float 1.5e300", {"f": 1.5e300}),
    ("float max", {"f": 1.7976931348623157e308}),
    ("float 2**53", {"f": 9007199254740992.0}),
    ("float -5.0 in tuple", {"t": (-5.0,)}),
]


@dataclass
class Point:
    x: int
    y: int


OUTSIDE_FORMAT = [
    ("set", {1, 2}),
    ("frozenset", frozenset([1])),
    ("object", object()),
    ("complex", 1j),
    ("Decimal", Decimal("1.5")),
    ("date", date(2030, 1, 2)),
    ("dataclass", Point(1, 2)),
]


def integral_floats_to_ints(value):
    if isinstance(value, float) and value.is_integer() and not (value == 0 and str(value).startswith("-")):
        return int(value)
    if isinstance(value, tuple):
        return tuple(integral_floats_to_ints(v) for v in value)
    if isinstance(value, list):
        return [integral_floats_to_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: integral_floats_to_ints(v) for k, v in value.items()}
    return value


def main() -> None:
    app = Flask(__name__)
    app.secret_key = "interop"
    records = []
    with app.test_request_context():
        serializer = app.session_interface.serializer
        for integral, corpus in ((False, CORPUS), (True, INTEGRAL_FLOATS)):
            for name, value in corpus:
                text = serializer.dumps(value)
                records.append({
                    "name": name,
                    "text": text,
                    "python_roundtrip": serializer.dumps(serializer.loads(text)),
                    "integral_float": integral,
                    "expected_js": serializer.dumps(integral_floats_to_ints(value)),
                })
        refused = []
        retyped = []
        for name, value in OUTSIDE_FORMAT:
            try:
                retyped.append({"name": name, "text": serializer.dumps({"v": value})})
            except TypeError:
                refused.append(name)
    sys.stdout.write(json.dumps({"records": records, "refused": refused, "retyped": retyped}))


if __name__ == "__main__":
    main()
