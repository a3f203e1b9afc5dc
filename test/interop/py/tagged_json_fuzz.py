"""Oracle for the JSON writer. Reads {"values": [...], "floats": [...], "texts": [...]} on stdin:

- values: descriptions of Python values ({"s": [code points]}, {"i": "digits"}, {"f": "16 hex
  digits of the IEEE-754 bits"}, {"a": [...]}, {"o": [[key, value], ...]}, true/false/null),
  answered with json.dumps(value, sort_keys=True, separators=(",", ":"));
- floats: IEEE-754 bit patterns as hex, answered with repr(float);
- texts: JSON texts, answered with json.dumps(json.loads(text), sort_keys=True, separators=(",", ":")).
"""
import json
import struct
import sys


def build(desc):
    if desc is None or isinstance(desc, bool):
        return desc
    if "s" in desc:
        return "".join(chr(c) for c in desc["s"])
    if "i" in desc:
        return int(desc["i"])
    if "f" in desc:
        return struct.unpack(">d", bytes.fromhex(desc["f"]))[0]
    if "a" in desc:
        return [build(item) for item in desc["a"]]
    if "o" in desc:
        return {build(k): build(v) for k, v in desc["o"]}
    raise ValueError(f"bad description {desc!r}")


def dumps(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def main() -> None:
    request = json.loads(sys.stdin.read())
    answer = {
        "values": [dumps(build(desc)) for desc in request.get("values", [])],
        "floats": [repr(struct.unpack(">d", bytes.fromhex(h))[0]) for h in request.get("floats", [])],
        "texts": [dumps(json.loads(text)) for text in request.get("texts", [])],
    }
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
