"""A Flask app whose sessions live in Redis the way Flask-Session 0.8 keeps them.

Flask-Session 0.8 is not packaged by Debian, so this app implements its Redis session interface
on the same parts Flask-Session uses: the key ``session:<sid>``, the sid from
``secrets.token_urlsafe(32)``, the cookie value signed by itsdangerous' ``Signer(secret,
salt="flask-session", key_derivation="hmac")``, the session dict (``_permanent`` included)
serialized as msgpack (msgspec's wire format: bin for bytes, timestamp extension for datetimes),
and ``SET key value EX lifetime``.

Reads one JSON request per line on stdin, answers one JSON line on stdout:
  {"op": "set", "cookie": str|null, "values": {...}}  -> {"cookie": str}
  {"op": "append", "cookie": str, "key": str, "item": ...} -> {"cookie": str}  (list.append, as a view would)
  {"op": "get", "cookie": str}                        -> {"session": {...}, "types": {...}}
Values use {"$bytes": hex}, {"$datetime": epoch}, {"$tuple": [...]} for non-JSON types.
"""
import datetime
import json
import secrets
import sys

import msgpack
import redis
from flask import Flask, request, session
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer
from werkzeug.datastructures import CallbackDict

PREFIX = "session:"


class ServerSideSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, sid=None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.sid = sid
        self.modified = False


class RedisSessionInterface(SessionInterface):
    def __init__(self, client):
        self.client = client

    def _signer(self, app):
        return Signer(app.secret_key, salt="flask-session", key_derivation="hmac")

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if value:
            try:
                sid = self._signer(app).unsign(value).decode()
            except BadSignature:
                sid = None
            if sid:
                raw = self.client.get(PREFIX + sid)
                if raw is not None:
                    data = msgpack.unpackb(raw, raw=False, timestamp=3)
                    return ServerSideSession(data, sid=sid)
        return ServerSideSession(sid=secrets.token_urlsafe(32))

    def save_session(self, app, session, response):
        if not session:
            if session.modified:
                self.client.delete(PREFIX + session.sid)
            return
        lifetime = int(app.permanent_session_lifetime.total_seconds())
        self.client.set(PREFIX + session.sid, msgpack.packb(dict(session), use_bin_type=True, datetime=True), ex=lifetime)
        response.set_cookie(self.get_cookie_name(app), self._signer(app).sign(session.sid).decode(), httponly=True)


def from_spec(value):
    if isinstance(value, dict):
        if "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
        if "$datetime" in value:
            return datetime.datetime.fromtimestamp(value["$datetime"], datetime.timezone.utc)
        if "$tuple" in value:
            return tuple(from_spec(v) for v in value["$tuple"])
        return {k: from_spec(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_spec(v) for v in value]
    return value


def to_spec(value):
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.timestamp()}
    if isinstance(value, (list, tuple)):
        return [to_spec(v) for v in value]
    if isinstance(value, dict):
        return {k: to_spec(v) for k, v in value.items()}
    return value


def main():
    port = int(sys.argv[1])
    app = Flask(__name__)
    app.secret_key = sys.argv[2]
    app.session_interface = RedisSessionInterface(redis.Redis(host="127.0.0.1", port=port))
    state = {}

    @app.route("/set", methods=["POST"])
    def set_values():
        session.permanent = True
        for key, value in from_spec(state["values"]).items():
            session[key] = value
        return "ok"

    @app.route("/append", methods=["POST"])
    def append_item():
        session[state["key"]].append(from_spec(state["item"]))
        session.modified = True  # Flask does not see changes inside values
        return "ok"

    @app.route("/get")
    def get_values():
        data = dict(session)
        return json.dumps({"session": to_spec(data), "types": {k: type(v).__name__ for k, v in data.items()}})

    client = app.test_client(use_cookies=False)
    for line in sys.stdin:
        req = json.loads(line)
        headers = {"Cookie": "session=" + req["cookie"]} if req.get("cookie") else {}
        if req["op"] in ("set", "append"):
            state.update({k: req[k] for k in ("values", "key", "item") if k in req})
            response = client.post("/" + req["op"], headers=headers)
            cookie = response.headers.get("Set-Cookie", "")
            out = {"cookie": cookie.split(";", 1)[0].split("=", 1)[1] if cookie else None}
        else:
            response = client.get("/get", headers=headers)
            out = json.loads(response.get_data(as_text=True))
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
