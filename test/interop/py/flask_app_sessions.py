"""A real Flask app for the interop tests, driven over stdin/stdout.

Each line on stdin is one JSON request ``{"id": n, "op": "...", ...}``; each answer is one JSON
line ``{"id": n, "ok": true, "result": ...}`` (or ``"ok": false`` with the Python traceback).
The process lives as long as stdin stays open, so a whole test file talks to one process.

Operations:

``make``    a Flask route (receiving ``cookie`` if given) fills ``flask.session`` (named scenarios
            and/or plain JSON data) and Flask's own ``save_session`` writes the cookie. Returns
            the ``Set-Cookie`` headers, the cookie value, the ``Vary`` header and Flask's tagged
            JSON of the session (keys sorted).
``read``    sends a cookie to a Flask route that describes ``flask.session`` as Flask sees it:
            ``type(v).__name__`` and a canonical repr of each value, ``session.permanent``,
            ``get_flashed_messages(with_categories=True)``, the tagged JSON, and why itsdangerous
            refuses the cookie (if it does).
``sign_raw`` signs an arbitrary payload with the session cookie's signer (itsdangerous API), to
            build cookies whose signature is valid but whose content is not a session.
``step``    one request of a random sequence: a Flask route (receiving ``cookie`` if given) runs
            ``actions`` on ``flask.session`` (see ``ACTIONS``); returns the ``Set-Cookie`` headers
            and the ``Vary`` header. The app is built once per secret and config.
``steps``   many independent ``step`` requests in one round trip (``requests``: cookie + actions).

Every request takes ``secret`` and optionally ``config`` (Flask config; ``PERMANENT_SESSION_LIFETIME``
in seconds), ``salt``, ``digest`` (sha1/sha256/sha512), ``key_derivation`` and ``at`` (the epoch
seconds itsdangerous believes it is while signing or verifying).
"""

import base64
import contextlib
import hashlib
import importlib.metadata
import json
import sys
import traceback
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from unittest import mock

from flask import Flask, flash, get_flashed_messages, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from markupsafe import Markup

DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def kinds():
    """One value of every kind Flask's tagged JSON carries."""
    return {
        "str": "hello",
        "empty": "",
        "bmp": "Zo\u00eb \u4f1a\u8bdd \u00ff \uffff",
        "astral": "\U0001f600 \U0001d11e",
        "escapes": 'q" b\\ nl\n tab\t nul\x00 del\x7f ls\u2028 </script>',
        "lone": "\ud800x",
        "int": 42,
        "neg": -7,
        "zero": 0,
        "max_safe": 2**53 - 1,
        "big": 2**70,
        "neg_big": -(2**70),
        "f01": 0.1,
        "f1e5": 1e-05,
        "f1": 1.0,
        "f1e16": 1e16,
        "fneg": -2.5,
        "true": True,
        "false": False,
        "none": None,
        "nested": {"a": [1, {"b": [None, "x"]}], "c": {}, "d": []},
        "tuple": (1, "two", (3,)),
        "empty_tuple": (),
        "bytes": b"\x00\x01binary\xff",
        "empty_bytes": b"",
        "markup": Markup("<b>bold</b> &amp;"),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "dt": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "tag_t": {" t": [1]},
        "tag_di": {" di": 1},
        "mixed": [(1, b"x"), {"u": uuid.UUID(int=1), "m": Markup("<i>")}],
    }


def scenario_kinds():
    session.update(kinds())


def scenario_flash():
    session["user"] = "alice"
    flash("Welcome", "info")
    flash("Plain message")


def scenario_permanent():
    session.permanent = True
    session["user"] = "alice"


def scenario_special_floats():
    session.update({"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "negzero": -0.0})


def scenario_clear():
    session.clear()


def scenario_large():
    session["text"] = "sessionkit compresses like Flask. " * 120
    session["n"] = 1


SCENARIOS = {
    "kinds": scenario_kinds,
    "flash": scenario_flash,
    "permanent": scenario_permanent,
    "large": scenario_large,
    "clear": scenario_clear,
    "special_floats": scenario_special_floats,
}


def canon(value):
    """repr() with dict keys sorted, so both sides agree on one spelling of each value."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{canon(k)}: {canon(value[k])}" for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(canon(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(canon(v) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    return repr(value)


@contextlib.contextmanager
def clock(at):
    if at is None:
        yield
    else:
        with mock.patch("itsdangerous.timed.time.time", return_value=float(at)):
            yield


def interface_for(req):
    class Interface(SecureCookieSessionInterface):
        salt = req.get("salt", "cookie-session")
        digest_method = staticmethod(DIGESTS[req.get("digest", "sha1")])
        key_derivation = req.get("key_derivation", "hmac")

    return Interface()


def make_app(req):
    app = Flask("sessionkit_interop")
    app.secret_key = req["secret"]
    config = dict(req.get("config") or {})
    if "PERMANENT_SESSION_LIFETIME" in config:
        config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=config["PERMANENT_SESSION_LIFETIME"])
    app.config.update(config)
    app.session_interface = interface_for(req)
    app.logger.disabled = True  # a refused session can crash Flask itself; the status code says so

    @app.post("/set")
    def set_session():
        body = request.get_json()
        for name in body.get("scenarios", []):
            SCENARIOS[name]()
        session.update(body.get("data", {}))
        if body.get("permanent"):
            session.permanent = True
        return jsonify(tagged_json=app.session_interface.serializer.dumps(dict(session)))

    @app.get("/read")
    def read_session():
        values = {k: {"type": type(v).__name__, "repr": canon(v)} for k, v in session.items()}
        tagged = app.session_interface.serializer.dumps(dict(session))
        permanent = session.permanent
        flashes = get_flashed_messages(with_categories=True)
        return jsonify(
            empty=len(values) == 0,
            keys=sorted(values),
            values=values,
            permanent=permanent,
            flashes=canon(flashes),
            tagged_json=tagged,
        )

    return app


def session_cookie(app, headers):
    name = app.config["SESSION_COOKIE_NAME"]
    for header in headers:
        if header.startswith(name + "="):
            return header[len(name) + 1 :].split(";", 1)[0]
    return None


def op_make(req):
    app = make_app(req)
    body = {"scenarios": req.get("scenarios", []), "data": req.get("data", {}), "permanent": req.get("permanent", False)}
    name = app.config["SESSION_COOKIE_NAME"]
    headers = {"Cookie": f"{name}={req['cookie']}"} if req.get("cookie") else {}
    with clock(req.get("at")):
        response = app.test_client(use_cookies=False).post("/set", json=body, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"/set answered {response.status_code}: {response.get_data(as_text=True)}")
    headers = response.headers.getlist("Set-Cookie")
    return {
        "set_cookie": headers,
        "cookie": session_cookie(app, headers),
        "vary": response.headers.get("Vary"),
        "tagged_json": response.get_json()["tagged_json"],
    }


def refusal(app, cookie):
    """Why itsdangerous refuses this cookie for this app (the exception class), or None."""
    serializer = app.session_interface.get_signing_serializer(app)
    max_age = int(app.permanent_session_lifetime.total_seconds())
    try:
        serializer.loads(cookie, max_age=max_age)
        return None
    except Exception as error:  # noqa: BLE001 - the class name is the answer
        return type(error).__name__


def op_read(req):
    app = make_app(req)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = req["cookie"]
    with clock(req.get("at")):
        response = app.test_client(use_cookies=False).get("/read", headers={"Cookie": f"{name}={cookie}"})
        reason = refusal(app, cookie)
    result = {"status": response.status_code, "reason": reason, "set_cookie": response.headers.getlist("Set-Cookie")}
    if response.status_code == 200:
        result.update(response.get_json())
    return result


def op_sign_raw(req):
    """Signs a payload as the session serializer would, without checking it is a session.

    ``json_text``: the text is base64url-encoded (zlib-compressed first with ``compress``);
    ``payload_b64``: these bytes (standard base64) are base64url-encoded, ``"."`` prepended with
    ``dot``; ``raw``: this exact text is signed (not base64-encoded at all).
    """
    serializer = URLSafeTimedSerializer(
        req["secret"],
        salt=req.get("salt", "cookie-session"),
        signer_kwargs={"key_derivation": req.get("key_derivation", "hmac"), "digest_method": DIGESTS[req.get("digest", "sha1")]},
    )
    if "raw" in req:
        value = req["raw"].encode("utf-8")
    else:
        data = req["json_text"].encode("utf-8") if "json_text" in req else base64.b64decode(req["payload_b64"])
        if req.get("compress"):
            data = zlib.compress(data)
        value = base64_encode(data)
        if req.get("compress") or req.get("dot"):
            value = b"." + value
    with clock(req.get("at")):
        return serializer.make_signer().sign(value).decode("ascii")


def action_append(key, item):
    """Appends in place; Flask needs ``session.modified = True`` to see it."""
    current = session.get(key)
    if isinstance(current, list):
        current.append(item)
        session.modified = True
    else:
        session[key] = [item]


ACTIONS = {
    "set": lambda key, value: session.__setitem__(key, value),
    "setdefault": lambda key, value: session.setdefault(key, value),
    "update": lambda values: session.update(values),
    "append": action_append,
    "pop": lambda key: session.pop(key, None),
    "permanent": lambda value: setattr(session, "permanent", value),
    "read": lambda key: session.get(key),
    "read_permanent": lambda: session.permanent,
    "clear": lambda: session.clear(),
    "flash": lambda message: flash(message),
    "consume": lambda: get_flashed_messages(with_categories=True),
    "noop": lambda: None,
}

STEP_APPS = {}

# Flask 3.1.3 marks the session accessed (and adds Vary: Cookie) whenever a request touches
# flask.session at all; older Flask (Debian's 2.2) only on item reads and writes, so `session.pop`
# of a missing key or `"_flashes" in session` leave it unaccessed there. The sequences compare
# with Flask 3.1's rule, which sessionkit follows.
FLASK_TRACKS_ONLY_ITEM_ACCESS = tuple(int(p) for p in importlib.metadata.version("flask").split(".")[:3]) < (3, 1, 3)


def step_app(req):
    key = json.dumps([req["secret"], req.get("config") or {}], sort_keys=True)
    if key not in STEP_APPS:
        app = make_app(req)

        @app.post("/step")
        def step():
            actions = request.get_json()["actions"]
            if FLASK_TRACKS_ONLY_ITEM_ACCESS and any(name != "noop" for name, *_ in actions):
                session.accessed = True
            for name, *args in actions:
                ACTIONS[name](*args)
            return "ok"

        STEP_APPS[key] = app.test_client(use_cookies=False)
    return STEP_APPS[key]


def op_step(req):
    client = step_app(req)
    name = client.application.config["SESSION_COOKIE_NAME"]
    headers = {"Cookie": f"{name}={req['cookie']}"} if req.get("cookie") else {}
    response = client.post("/step", json={"actions": req["actions"]}, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"/step answered {response.status_code}: {response.get_data(as_text=True)}")
    return {"set_cookie": response.headers.getlist("Set-Cookie"), "vary": response.headers.get("Vary")}


def op_steps(req):
    """Several independent ``step`` requests at once (one per sequence), answered in order."""
    return [op_step({"secret": req["secret"], "config": req.get("config"), **one}) for one in req["requests"]]


OPS = {"make": op_make, "read": op_read, "sign_raw": op_sign_raw, "step": op_step, "steps": op_steps}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            answer = {"id": req.get("id"), "ok": True, "result": OPS[req["op"]](req)}
        except Exception:  # noqa: BLE001 - reported to the caller
            answer = {"id": req.get("id"), "ok": False, "error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer, ensure_ascii=True) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
