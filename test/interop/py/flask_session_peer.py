"""A Flask app whose sessions live in Redis exactly as Flask-Session 0.8 keeps them.

Flask-Session 0.8 and msgspec are not packaged by Debian, so this script carries Flask-Session
0.8.0's own session logic — ``ServerSideSession`` (``__bool__`` false when only ``_permanent`` is
left, ``clear()`` keeping ``_permanent``, new sessions starting as ``{"_permanent": True}`` under
``SESSION_PERMANENT``) and ``ServerSideSessionInterface.open_session`` / ``save_session`` /
``should_set_storage`` with the Redis backend's ``_retrieve_session_data`` / ``_upsert_session``
/ ``_delete_session`` — transcribed from its source (src/flask_session/base.py and
redis/redis.py at tag 0.8.0), on the same parts it uses: Flask's ``SessionInterface``, the sid
from ``secrets.token_urlsafe(SESSION_ID_LENGTH)``, itsdangerous' ``Signer(secret,
salt="flask-session", key_derivation="hmac")``, ``SET key value EX lifetime``. msgspec's
encoders are stood in for by python3-msgpack (the same bytes for the values used here: smallest
ints, float64 floats, str8, bin, timestamp extension) and the json module (compact, UTF-8).

Reads one JSON request per line on stdin, answers one JSON line on stdout:
  {"op": "set", "cookie": str|null, "values": {...}}  -> {"cookie": str}
  {"op": "append", "cookie": str, "key": str, "item": ...} -> {"cookie": str}  (list.append, as a view would)
  {"op": "get", "cookie": str}                        -> {"session": {...}, "types": {...}}
  {"op": "steps", "config": {...}, "requests": [{"cookie": str|null, "actions": [...]}]}
                                                      -> [{"set_cookie": [...], "vary": str|null}]
``set`` and ``get`` use the default app (signed ids, msgpack, prefix ``session:``); ``steps`` an app
built once per ``config`` (Flask and Flask-Session config keys; ``PERMANENT_SESSION_LIFETIME`` in
seconds). Values use {"$bytes": hex}, {"$datetime": epoch}, {"$tuple": [...]} for non-JSON types.
"""
import datetime
import importlib.metadata
import json
import secrets
import sys

import msgpack
import redis
from flask import Flask, flash, get_flashed_messages, request, session
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, Signer, want_bytes
from werkzeug.datastructures import CallbackDict

# Flask 3.1.3 marks the session accessed whenever a request touches flask.session at all; older
# Flask (Debian's 2.2) only on item reads and writes. Steps follow Flask 3.1's rule.
FLASK_TRACKS_ONLY_ITEM_ACCESS = tuple(int(p) for p in importlib.metadata.version("flask").split(".")[:3]) < (3, 1, 3)


class ServerSideSession(CallbackDict, SessionMixin):
    """flask_session.base.ServerSideSession (0.8.0)."""

    def __bool__(self) -> bool:
        return bool(dict(self)) and self.keys() != {"_permanent"}

    def __init__(self, initial=None, sid=None, permanent=None):
        def on_update(self) -> None:
            self.modified = True
            self.accessed = True

        CallbackDict.__init__(self, initial, on_update)
        self.sid = sid
        if permanent:
            self.permanent = permanent
        self.modified = False
        self.accessed = False

    def __getitem__(self, key):
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key, default=None):
        self.accessed = True
        return super().setdefault(key, default)

    def clear(self) -> None:
        """Clear the session except for the '_permanent' key."""
        permanent = self.get("_permanent", False)
        super().clear()
        self["_permanent"] = permanent


class Serializer:
    """Stands in for flask_session.base.MsgSpecSerializer: the configured format, then the other."""

    def __init__(self, format):
        self.format = format

    def encode(self, session):
        if self.format == "msgpack":
            return msgpack.packb(dict(session), use_bin_type=True, datetime=True)
        return json.dumps(dict(session), separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def decode(self, data):
        readers = [self._msgpack, self._json] if self.format == "msgpack" else [self._json, self._msgpack]
        for read in readers:
            try:
                return read(data)
            except ValueError:
                continue
        raise ValueError("Failed to deserialize session data")

    @staticmethod
    def _msgpack(data):
        try:
            return msgpack.unpackb(data, raw=False, timestamp=3, strict_map_key=False)
        except Exception as error:  # noqa: BLE001 - msgspec.DecodeError in the original
            raise ValueError(str(error)) from error

    @staticmethod
    def _json(data):
        return json.loads(data.decode("utf-8"))


class RedisSessionInterface(SessionInterface):
    """flask_session.base.ServerSideSessionInterface + redis.RedisSessionInterface (0.8.0)."""

    session_class = ServerSideSession

    def __init__(self, client, key_prefix, use_signer, permanent, sid_length, serialization_format):
        self.client = client
        self.key_prefix = key_prefix
        self.use_signer = use_signer
        self.permanent = permanent
        self.sid_length = sid_length
        self.serializer = Serializer(serialization_format)

    def _generate_sid(self, session_id_length):
        return secrets.token_urlsafe(session_id_length)

    def _get_signer(self, app):
        return Signer(app.secret_key, salt="flask-session", key_derivation="hmac")

    def _unsign(self, app, sid):
        return self._get_signer(app).unsign(sid).decode()

    def _sign(self, app, sid):
        return self._get_signer(app).sign(want_bytes(sid)).decode("utf-8")

    def _get_store_id(self, sid):
        return self.key_prefix + sid

    def should_set_storage(self, app, session):
        return session.modified or app.config["SESSION_REFRESH_EACH_REQUEST"]

    def save_session(self, app, session, response):
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        name = self.get_cookie_name(app)
        store_id = self._get_store_id(session.sid)
        if session.accessed:
            response.vary.add("Cookie")
        if not session:
            if session.modified:
                self._delete_session(store_id)
                response.delete_cookie(key=name, domain=domain, path=path)
                response.vary.add("Cookie")
            return
        if not self.should_set_storage(app, session):
            return
        self._upsert_session(app.permanent_session_lifetime, session, store_id)
        if not self.should_set_cookie(app, session):
            return
        value = self._sign(app, session.sid) if self.use_signer else session.sid
        response.set_cookie(
            key=name,
            value=value,
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=domain,
            path=path,
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    def open_session(self, app, request):
        sid = request.cookies.get(app.config["SESSION_COOKIE_NAME"])
        if not sid:
            sid = self._generate_sid(self.sid_length)
            return self.session_class(sid=sid, permanent=self.permanent)
        if self.use_signer:
            try:
                sid = self._unsign(app, sid)
            except BadSignature:
                sid = self._generate_sid(self.sid_length)
                return self.session_class(sid=sid, permanent=self.permanent)
        store_id = self._get_store_id(sid)
        saved_session_data = self._retrieve_session_data(store_id)
        if saved_session_data is not None:
            return self.session_class(saved_session_data, sid=sid)
        sid = self._generate_sid(self.sid_length)
        return self.session_class(sid=sid, permanent=self.permanent)

    def _retrieve_session_data(self, store_id):
        serialized_session_data = self.client.get(store_id)
        return self.serializer.decode(serialized_session_data) if serialized_session_data else None

    def _delete_session(self, store_id):
        self.client.delete(store_id)

    def _upsert_session(self, session_lifetime, session, store_id):
        storage_time_to_live = int(session_lifetime.total_seconds())
        self.client.set(name=store_id, value=self.serializer.encode(session), ex=storage_time_to_live)


DEFAULTS = {
    "SESSION_KEY_PREFIX": "session:",
    "SESSION_USE_SIGNER": True,
    "SESSION_PERMANENT": True,
    "SESSION_ID_LENGTH": 32,
    "SESSION_SERIALIZATION_FORMAT": "msgpack",
}


def make_app(client, secret, config):
    app = Flask(__name__)
    app.secret_key = secret
    config = {**DEFAULTS, **config}
    if "PERMANENT_SESSION_LIFETIME" in config:
        config["PERMANENT_SESSION_LIFETIME"] = datetime.timedelta(seconds=config["PERMANENT_SESSION_LIFETIME"])
    app.config.update(config)
    app.session_interface = RedisSessionInterface(
        client,
        key_prefix=config["SESSION_KEY_PREFIX"],
        use_signer=config["SESSION_USE_SIGNER"],
        permanent=config["SESSION_PERMANENT"],
        sid_length=config["SESSION_ID_LENGTH"],
        serialization_format=config["SESSION_SERIALIZATION_FORMAT"],
    )
    return app


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


def action_append(key, item):
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


def step_client(client, secret, config, cache):
    key = json.dumps(config, sort_keys=True)
    if key not in cache:
        app = make_app(client, secret, config)

        @app.post("/step")
        def step():
            actions = request.get_json()["actions"]
            if FLASK_TRACKS_ONLY_ITEM_ACCESS and any(name != "noop" for name, *_ in actions):
                session.accessed = True
            for name, *args in actions:
                ACTIONS[name](*args)
            return "ok"

        cache[key] = app.test_client(use_cookies=False)
    return cache[key]


def main():
    port = int(sys.argv[1])
    secret = sys.argv[2]
    client = redis.Redis(host="127.0.0.1", port=port)
    app = make_app(client, secret, {})
    state = {}
    step_clients = {}

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

    test_client = app.test_client(use_cookies=False)
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "steps":
            steps = step_client(client, secret, req.get("config") or {}, step_clients)
            out = []
            for one in req["requests"]:
                headers = {"Cookie": "session=" + one["cookie"]} if one.get("cookie") else {}
                response = steps.post("/step", json={"actions": one["actions"]}, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"/step answered {response.status_code}: {response.get_data(as_text=True)}")
                out.append({"set_cookie": response.headers.getlist("Set-Cookie"), "vary": response.headers.get("Vary")})
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
            continue
        headers = {"Cookie": "session=" + req["cookie"]} if req.get("cookie") else {}
        if req["op"] in ("set", "append"):
            state.update({k: req[k] for k in ("values", "key", "item") if k in req})
            response = test_client.post("/" + req["op"], headers=headers)
            cookie = response.headers.get("Set-Cookie", "")
            out = {"cookie": cookie.split(";", 1)[0].split("=", 1)[1] if cookie else None}
        else:
            response = test_client.get("/get", headers=headers)
            out = json.loads(response.get_data(as_text=True))
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
