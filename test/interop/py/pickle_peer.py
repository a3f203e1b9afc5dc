"""Real CPython pickles for the restricted reader and the writer of sessionkit.

Commands (one per run; JSON on stdout, and on stdin where noted):

  corpus SEED COUNT   seeded session-like values pickled by pickle.dumps(v, 5):
                      {"cases": [{"name", "pickle_b64", "typed", "identity"}]}
                      "identity" is true when equal str values are one object in the value (so the
                      bytes sessionkit writes back must equal Python's), false for the cases built
                      to break that rule (value equality only).
  load                stdin {"items": [b64, ...]}: pickle.loads of each (these are sessionkit's own
                      pickles) -> {"results": [{"typed", "redump_equal"} | {"error"}]}
  restricted          stdin {"items": [b64, ...]}: load from a peekable stream (as cachelib reads its
                      files) with an Unpickler whose find_class allows only the six allow-listed
                      globals (so mutated input cannot run anything)
                      -> {"results": [{"typed"} | {"error"}]}
  hostile             pickles the real pickler writes for values a session must not hold:
                      {"cases": [{"name", "pickle_b64", "expect", "global"}]}

Typed values follow the convention of the Flask-Session vectors ($bytes, $float, $int, $tuple,
$datetime, $date, $dict_items) plus {"$uuid": hex} and {"$markup": text}.
"""
import base64
import copyreg
import datetime as dt
import decimal
import io
import json
import math
import pickle
import random
import sys
import uuid

from markupsafe import Markup

INT_LIMIT = 2**53
ALLOWED = {
    ("datetime", "datetime"): dt.datetime,
    ("datetime", "date"): dt.date,
    ("datetime", "timezone"): dt.timezone,
    ("datetime", "timedelta"): dt.timedelta,
    ("uuid", "UUID"): uuid.UUID,
    ("markupsafe", "Markup"): Markup,
}
# Strings CPython interns for the globals above; the corpus keeps them out of the data (see docs).
GLOBAL_NAMES = {"datetime", "date", "timezone", "timedelta", "uuid", "UUID", "markupsafe", "Markup", "int", "is_safe"}


def b64(data):
    return base64.b64encode(data).decode("ascii")


def typed(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, Markup):
        return {"$markup": str(v)}
    if isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if abs(v) <= INT_LIMIT else {"$int": str(v)}
    if isinstance(v, float):
        return {"$float": repr(v)}
    if isinstance(v, bytes):
        return {"$bytes": b64(v)}
    if isinstance(v, tuple):
        return {"$tuple": [typed(x) for x in v]}
    if isinstance(v, list):
        return [typed(x) for x in v]
    if isinstance(v, dt.datetime):
        return {"$datetime": v.isoformat()}
    if isinstance(v, dt.date):
        return {"$date": v.isoformat()}
    if isinstance(v, uuid.UUID):
        return {"$uuid": v.hex}
    if isinstance(v, dict):
        if all(type(k) is str for k in v):
            return {k: typed(x) for k, x in v.items()}
        return {"$dict_items": [[typed(k), typed(x)] for k, x in v.items()]}
    raise TypeError(f"no typed form for {type(v).__name__}")


class Gen:
    """Seeded session-like values. Equal strings are made one object (self.canon)."""

    WORDS = ["user", "cart", "sku", "qty", "_flashes", "_permanent", "csrf_token", "prefs", "theme",
             "name", "id", "items", "ok", "Zoë", "ключ", "日本語", "emoji🚀", "", "a", "tab\tkey",
             "__proto__", "constructor", "toString", "x" * 300]

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.canon = {}
        self.shared = []
        self.tz_pool = []

    def s(self, text):
        return self.canon.setdefault(text, text)

    def text(self):
        r = self.r
        pick = r.random()
        if pick < 0.5:
            return self.s(r.choice(self.WORDS))
        if pick < 0.8:
            alphabet = "abcXYZ019 -_é€😀\n\"\\\x00\x7f"
            return self.s("".join(r.choice(alphabet) for _ in range(r.randint(0, 40))))
        if pick < 0.95:
            return self.s("".join(chr(r.randint(0x20, 0x2fff)) for _ in range(r.randint(1, 120))))
        return self.s("lone " + chr(r.choice([0xD800, 0xDBFF, 0xDC00, 0xDFFF])) + " surrogate")

    def key(self):
        while True:
            k = self.text()
            if k not in GLOBAL_NAMES and not k.isdigit():
                return k

    def integer(self):
        r = self.r
        return r.choice([
            0, 1, 255, 256, 65535, 65536, -1, -255, -256, 2**31 - 1, -(2**31), 2**31, -(2**31) - 1,
            2**53 - 1, 2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 2**64, 10**40, -(10**40),
            -(2**39), 2**2040, r.randint(-10**6, 10**6), r.randint(-2**70, 2**70),
        ])

    def floating(self):
        r = self.r
        return r.choice([0.0, -0.0, 1.0, -3.0, 2.5, 0.1 + 0.2, 1e300, -1e300, 5e-324, 1e16, 2.0**53,
                         math.inf, -math.inf, math.nan, r.uniform(-1e6, 1e6), r.random()])

    def tz(self):
        r = self.r
        pick = r.random()
        if pick < 0.4:
            return dt.timezone.utc
        if pick < 0.6 and self.tz_pool:
            return r.choice(self.tz_pool)  # a shared timezone object
        minutes = r.choice([330, -480, 60, -60, 345, 1439, -1439, 0.5])
        if minutes == 0.5:
            tz = dt.timezone(dt.timedelta(seconds=30, microseconds=250000))
        else:
            tz = dt.timezone(dt.timedelta(minutes=minutes))
        self.tz_pool.append(tz)
        return tz

    def when(self):
        r = self.r
        year = r.choice([1, 999, 1969, 1970, 2024, 2038, 9999])
        month = r.randint(1, 12)
        day = r.randint(1, 28)
        value = dt.datetime(year, month, day, r.randint(0, 23), r.randint(0, 59), r.randint(0, 59),
                            r.choice([0, 1, 999999, r.randint(0, 999999)]),
                            fold=r.choice([0, 0, 0, 1]))
        if r.random() < 0.5:
            value = value.replace(tzinfo=self.tz())
        return value

    def scalar(self):
        r = self.r
        kind = r.randint(0, 11)
        if kind == 0:
            return None
        if kind == 1:
            return r.random() < 0.5
        if kind == 2:
            return self.integer()
        if kind == 3:
            return self.floating()
        if kind in (4, 5):
            return self.text()
        if kind == 6:
            size = r.choice([0, 1, 2, 16, 255, 256, 1000])
            return bytes(r.getrandbits(8) for _ in range(size))
        if kind == 7:
            return self.when()
        if kind == 8:
            return dt.date(r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28))
        if kind == 9:
            return uuid.UUID(int=r.getrandbits(128))
        if kind == 10:
            return Markup(r.choice(["", "<b>x</b>", "a", "caf\u00e9 \U0001f600", "<i>" + "y" * 300 + "</i>"]))
        return self.integer()

    def value(self, depth):
        r = self.r
        if depth <= 0 or r.random() < 0.45:
            return self.scalar()
        kind = r.randint(0, 5)
        if kind == 0 and self.shared:
            return r.choice(self.shared)  # the same object twice
        if kind in (0, 1):
            v = [self.value(depth - 1) for _ in range(r.choice([0, 1, 2, 3, 5]))]
        elif kind == 2:
            v = tuple(self.value(depth - 1) for _ in range(r.choice([0, 1, 2, 3, 4, 6])))
        elif kind == 3:
            v = {r.randint(-5, 300): self.value(depth - 1) for _ in range(r.randint(1, 4))}
        else:
            v = {self.key(): self.value(depth - 1) for _ in range(r.randint(0, 5))}
        if r.random() < 0.2:
            self.shared.append(v)
        return v

    def session(self):
        r = self.r
        s = {}
        if r.random() < 0.5:
            s[self.s("_permanent")] = r.random() < 0.7
        for _ in range(r.randint(1, 8)):
            s[self.key()] = self.value(4)
        if r.random() < 0.3:
            s[self.s("_flashes")] = [(self.s("message"), self.text()) for _ in range(r.randint(1, 3))]
        return s


def fixed_cases():
    """Hand-picked values: batch and frame edges, the recorded Flask shapes."""
    big = {f"k{i}": i for i in range(1000)}
    yield "dict of exactly 1000 items", big, True
    yield "dict of 1001 items", {**big, "last": 1}, True
    yield "list of 1000", list(range(1000)), True
    yield "list of 1001", list(range(1001)), True
    yield "list of 2001", [None] * 2001, True
    yield "bytes of 64 KiB", {"b": b"\x01" * 65536, "after": "x"}, True
    yield "bytes just under 64 KiB", {"b": b"\x02" * 65535}, True
    yield "str of 70000 bytes", {"s": "é" * 35000}, True
    yield "many small values past one frame", {"l": [f"v{i}" for i in range(12000)]}, True
    yield "big int LONG4", {"n": 2**3000, "m": -(2**3000) + 1}, True
    yield "tuple sizes", {"t": ((), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4))}, True
    yield "utc twice", {"a": dt.datetime(2030, 1, 2, tzinfo=dt.timezone.utc),
                        "b": dt.datetime(2031, 1, 2, tzinfo=dt.timezone.utc)}, True
    ist = dt.timezone(dt.timedelta(hours=5, minutes=30))
    yield "shared tz object", {"a": dt.datetime(2030, 1, 2, tzinfo=ist), "b": dt.datetime(2030, 1, 3, tzinfo=ist)}, True
    yield "named tz", {"a": dt.datetime(2030, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=1), "CET"))}, True
    yield "negative offset", {"a": dt.datetime(2030, 1, 2, tzinfo=dt.timezone(-dt.timedelta(hours=8)))}, True
    yield "two uuids", {"a": uuid.UUID(int=1), "b": uuid.UUID(int=2**128 - 1)}, True
    yield "markup twice", {"a": Markup("<b>"), "b": Markup("<b>"), "c": Markup("")}, True
    # identity not defined: equal strings that are different objects
    a = "".join(["dup", "licate"])
    b = "".join(["dupl", "icate"])
    yield "equal strings, distinct objects", {"x": a, "y": b}, False
    yield "digit-only keys (JavaScript orders them first)", {"b": 1, "10": 2, "2": 3}, False


def cmd_corpus(seed, count):
    cases = []
    for name, value, identity in fixed_cases():
        cases.append({"name": name, "pickle_b64": b64(pickle.dumps(value, 5)), "typed": typed(value), "identity": identity})
    for i in range(count):
        value = Gen(seed * 100003 + i).session()
        cases.append({"name": f"seed {seed} #{i}", "pickle_b64": b64(pickle.dumps(value, 5)),
                      "typed": typed(value), "identity": True})
    return {"cases": cases}


def cmd_load(items):
    results = []
    for item in items:
        data = base64.b64decode(item)
        try:
            value = pickle.loads(data)
            results.append({"typed": typed(value), "redump_equal": pickle.dumps(value, 5) == data})
        except Exception as e:  # report, never crash the batch
            results.append({"error": f"{type(e).__name__}: {e}"})
    return {"results": results}


class Restricted(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        raise pickle.UnpicklingError(f"global {module}.{name} refused")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent id refused")


def cmd_restricted(items):
    results = []
    for item in items:
        try:
            # a peekable stream, as the file cachelib opens (a FRAME then reads like pickle.loads)
            value = Restricted(io.BufferedReader(io.BytesIO(base64.b64decode(item)))).load()
            results.append({"typed": typed(value)})
        except BaseException as e:  # RecursionError and MemoryError included
            results.append({"error": type(e).__name__})
    return {"results": results}


class Evil:
    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


class Plain:
    def __init__(self):
        self.x = 1


class WithKwargs:
    def __new__(cls, *, flag=False):
        return super().__new__(cls)

    def __getnewargs_ex__(self):
        return ((), {"flag": True})


class PersistingPickler(pickle.Pickler):
    def persistent_id(self, obj):
        return "ref-1" if isinstance(obj, Plain) else None


def cmd_hostile():
    import os
    import subprocess
    import zoneinfo

    cases = []

    def add(name, data, expect, global_=None):
        cases.append({"name": name, "pickle_b64": b64(data), "expect": expect, "global": global_})

    add("os.system", pickle.dumps({"x": Evil(os.system, "echo pwned")}, 5), "rejected", "posix.system")
    add("builtins.eval", pickle.dumps(Evil(eval, "1+1"), 5), "rejected", "builtins.eval")
    add("builtins.eval protocol 2", pickle.dumps(Evil(eval, "1+1"), 2), "rejected", "__builtin__.eval")
    add("builtins.exec protocol 4", pickle.dumps(Evil(exec, "pass"), 4), "rejected", "builtins.exec")
    add("subprocess.Popen", pickle.dumps(Evil(subprocess.Popen, ["true"]), 5), "rejected", "subprocess.Popen")
    add("getattr", pickle.dumps(Evil(getattr, "abc", "upper"), 5), "rejected", "builtins.getattr")
    add("class instance (NEWOBJ + BUILD)", pickle.dumps({"o": Plain()}, 5), "rejected", "__main__.Plain")
    add("class instance protocol 0 (copyreg._reconstructor)", pickle.dumps(Plain(), 0), "rejected", None)
    add("class instance protocol 1", pickle.dumps(Plain(), 1), "rejected", "copy_reg._reconstructor")
    add("NEWOBJ_EX", pickle.dumps(WithKwargs(), 5), "rejected", None)
    add("zoneinfo datetime", pickle.dumps({"d": dt.datetime(2030, 1, 1, tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))}, 5),
        "rejected", "builtins.getattr")
    add("decimal", pickle.dumps({"d": decimal.Decimal("1.5")}, 5), "rejected", "decimal.Decimal")
    add("bare timedelta", pickle.dumps({"t": dt.timedelta(minutes=5)}, 5), "rejected", None)
    add("bare timezone", pickle.dumps({"t": dt.timezone.utc}, 5), "rejected", None)
    add("datetime.time", pickle.dumps({"t": dt.time(12, 0)}, 5), "rejected", "datetime.time")
    add("set", pickle.dumps({"s": {1, 2}}, 5), "rejected", None)
    add("frozenset", pickle.dumps({"s": frozenset({1})}, 5), "rejected", None)
    add("bytearray", pickle.dumps({"b": bytearray(b"ab")}, 5), "rejected", None)
    add("out-of-band buffer", pickle.dumps(pickle.PickleBuffer(b"abc"), 5, buffer_callback=lambda _: False), "rejected", None)
    copyreg.add_extension("copyreg", "_reconstructor", 240)
    try:
        add("EXT1", pickle.dumps(Plain(), 2), "rejected", None)
    finally:
        copyreg.remove_extension("copyreg", "_reconstructor", 240)
    buf = io.BytesIO()
    PersistingPickler(buf, 5).dump({"p": Plain()})
    add("BINPERSID", buf.getvalue(), "rejected", None)
    buf = io.BytesIO()
    PersistingPickler(buf, 0).dump({"p": Plain()})
    add("PERSID (protocol 0)", buf.getvalue(), "rejected", None)
    cyclic = []
    cyclic.append(cyclic)
    add("list containing itself", pickle.dumps({"l": cyclic}, 5), "rejected", None)
    add("bool dict key", pickle.dumps({"d": {True: 1}}, 5), "rejected", None)
    add("tuple dict key", pickle.dumps({"d": {(1, 2): 1}}, 5), "rejected", None)
    add("float dict key", pickle.dumps({"d": {1.5: 1}}, 5), "rejected", None)
    add("surrogate pair as two code points", pickle.dumps({"s": "\ud83d\ude00"}, 5), "rejected", None)
    add("protocol 0 text opcodes", pickle.dumps({"a": 1}, 0), "rejected", None)
    return {"cases": cases}


def main():
    cmd = sys.argv[1]
    if cmd == "corpus":
        out = cmd_corpus(int(sys.argv[2]), int(sys.argv[3]))
    elif cmd == "load":
        out = cmd_load(json.load(sys.stdin)["items"])
    elif cmd == "restricted":
        out = cmd_restricted(json.load(sys.stdin)["items"])
    elif cmd == "hostile":
        out = cmd_hostile()
    else:
        raise SystemExit(f"unknown command {cmd}")
    json.dump(out, sys.stdout, ensure_ascii=True, allow_nan=False)


if __name__ == "__main__":
    main()
