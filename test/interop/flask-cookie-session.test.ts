/**
 * Cookie sessions against a real Flask app (python3-flask, Flask 2.2): sessions made by Flask's
 * own routes are opened by `CookieSessionInterface`, sessions saved by `CookieSessionInterface`
 * are read by Flask's own routes, and both refuse the same bad cookies.
 */
import { Buffer } from 'node:buffer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieSessionInterface, type CookieSessionOptions } from '../../src/interfaces/cookie.js';
import { Markup, TaggedJSONSerializer, Tuple, UUID } from '../../src/serialization/index.js';
import type { Session } from '../../src/session.js';
import {
  DAY,
  FlaskApp,
  nowSeconds,
  requireFlask,
  setCookieAttributes,
  setCookieValue,
  tamper,
  type FlaskRead,
  type FlaskValue,
} from './helpers/flask.js';

const SECRET = 'interop secret: correct horse battery staple';
const OTHER_SECRET = 'a different secret';

let flask: FlaskApp;

beforeAll(() => {
  flask = FlaskApp.start();
});

afterAll(async () => {
  await flask?.close();
});

function cookieSessions(options: Partial<CookieSessionOptions> = {}): CookieSessionInterface {
  return new CookieSessionInterface({ secret: SECRET, ...options });
}

/** The session cookie value of the one `Set-Cookie` a save produced. */
function savedValue(setCookie: string[], cookieName = 'session'): string {
  expect(setCookie).toHaveLength(1);
  const value = setCookieValue(setCookie[0]!, cookieName);
  expect(value, setCookie[0]).toBeTruthy();
  return value!;
}

/** Saves a session built in TypeScript and returns its cookie value. */
async function saveNew(fill: (session: Session) => void, options: Partial<CookieSessionOptions> = {}): Promise<string> {
  const sessions = cookieSessions(options);
  const session = sessions.open(undefined);
  fill(session);
  return savedValue((await sessions.save(session)).setCookie);
}

/** Asserts a session opened from a refused cookie: empty, new, no throw, nothing to send back. */
async function expectRefusedByNode(value: string, options: Partial<CookieSessionOptions> = {}): Promise<void> {
  const sessions = cookieSessions(options);
  expect(sessions.decode(value)).toBeNull();
  const session = sessions.open(`session=${value}`);
  expect(session.keys()).toEqual([]);
  expect(session.size).toBe(0);
  expect(session.isNew).toBe(true);
  expect(session.permanent).toBe(false);
  expect(session.consumeFlashes()).toEqual([]);
  const saved = await sessions.save(session);
  expect(saved.setCookie).toEqual([]);
}

/** Asserts Flask's route got an empty session (or, for payloads Flask itself chokes on, that the request failed). */
function expectRefusedByFlask(read: FlaskRead, { flaskCrashes = false } = {}): void {
  if (flaskCrashes) {
    // Flask 2.2 lets some validly signed payloads escape open_session (BadPayload, dict() of a
    // non-dict): the request fails with 500 before any route sees data.
    expect(read.status).toBe(500);
    expect(read.values).toBeUndefined();
    return;
  }
  expect(read.status).toBe(200);
  expect(read.empty).toBe(true);
  expect(read.keys).toEqual([]);
}

/**
 * The values of Flask's `kinds` scenario (test/interop/py/flask_app_sessions.py) as TypeScript
 * builds them. Python floats 1.0 and 1e16 have no TypeScript counterpart: integral numbers are
 * written as integers, so those two are left out here and checked on their own.
 */
function tsKinds(): Record<string, unknown> {
  return {
    str: 'hello',
    empty: '',
    bmp: 'Zoë 会话 ÿ \uffff',
    astral: '😀 𝄞',
    escapes: 'q" b\\ nl\n tab\t nul\x00 del\x7f ls\u2028 </script>',
    lone: '\ud800x',
    int: 42,
    neg: -7,
    zero: 0,
    max_safe: Number.MAX_SAFE_INTEGER,
    big: 2n ** 70n,
    neg_big: -(2n ** 70n),
    f01: 0.1,
    f1e5: 1e-5,
    fneg: -2.5,
    true: true,
    false: false,
    none: null,
    nested: { a: [1, { b: [null, 'x'] }], c: {}, d: [] },
    tuple: Tuple.of<unknown>(1, 'two', Tuple.of(3)),
    empty_tuple: Tuple.of(),
    bytes: Buffer.from([0, 1, ...Buffer.from('binary'), 0xff]),
    empty_bytes: new Uint8Array(0),
    markup: new Markup('<b>bold</b> &amp;'),
    uuid: new UUID('12345678-1234-5678-1234-567812345678'),
    dt: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
    tag_t: { ' t': [1] },
    tag_di: { ' di': 1 },
    mixed: [Tuple.of<unknown>(1, Buffer.from('x')), { u: new UUID('00000000000000000000000000000001'), m: new Markup('<i>') }],
  };
}

function bytesOf(value: unknown): number[] {
  expect(value).toBeInstanceOf(Uint8Array);
  return [...(value as Uint8Array)];
}

it('real Flask is available to /usr/bin/python3 (apt-get install python3-flask)', () => {
  expect(() => requireFlask()).not.toThrow();
});

describe('Flask → Node: cookies written by a Flask app open in CookieSessionInterface', () => {
  it('every value kind arrives with its TypeScript type', async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['kinds'] });
    expect(made.cookie).toBeTruthy();
    const session = cookieSessions().open(`theme=dark; session=${made.cookie}; lang=fr`);

    expect(session.isNew).toBe(false);
    expect(session.keys().sort()).toEqual(Object.keys(JSON.parse(made.tagged_json) as object).sort());

    expect(session.get('str')).toBe('hello');
    expect(session.get('empty')).toBe('');
    expect(session.get('bmp')).toBe('Zoë 会话 ÿ \uffff');
    expect(session.get('astral')).toBe('😀 𝄞');
    expect([...(session.get('astral') as string)]).toHaveLength(3);
    expect(session.get('escapes')).toBe('q" b\\ nl\n tab\t nul\x00 del\x7f ls\u2028 </script>');
    expect(session.get('lone')).toBe('\ud800x');

    expect(session.get('int')).toBe(42);
    expect(session.get('neg')).toBe(-7);
    expect(session.get('zero')).toBe(0);
    expect(session.get('max_safe')).toBe(Number.MAX_SAFE_INTEGER);
    expect(session.get('big')).toBe(2n ** 70n);
    expect(session.get('neg_big')).toBe(-(2n ** 70n));
    expect(session.get('f01')).toBe(0.1);
    expect(session.get('f1e5')).toBe(1e-5);
    expect(session.get('f1')).toBe(1);
    expect(session.get('f1e16')).toBe(1e16);
    expect(session.get('fneg')).toBe(-2.5);
    expect(session.get('true')).toBe(true);
    expect(session.get('false')).toBe(false);
    expect(session.get('none')).toBeNull();

    expect(session.get('nested')).toStrictEqual({ a: [1, { b: [null, 'x'] }], c: {}, d: [] });

    const tuple = session.get('tuple') as Tuple;
    expect(tuple).toBeInstanceOf(Tuple);
    expect(tuple).toHaveLength(3);
    expect(tuple[0]).toBe(1);
    expect(tuple[1]).toBe('two');
    expect(tuple[2]).toBeInstanceOf(Tuple);
    expect([...(tuple[2] as Tuple)]).toEqual([3]);
    expect(session.get('empty_tuple')).toBeInstanceOf(Tuple);
    expect(session.get('empty_tuple')).toHaveLength(0);

    expect(bytesOf(session.get('bytes'))).toEqual([0, 1, ...Buffer.from('binary'), 0xff]);
    expect(Buffer.isBuffer(session.get('bytes'))).toBe(true);
    expect(bytesOf(session.get('empty_bytes'))).toEqual([]);

    const markup = session.get('markup');
    expect(markup).toBeInstanceOf(Markup);
    expect((markup as Markup).html).toBe('<b>bold</b> &amp;');

    const uuid = session.get('uuid');
    expect(uuid).toBeInstanceOf(UUID);
    expect((uuid as UUID).hex).toBe('12345678123456781234567812345678');
    expect(String(uuid)).toBe('12345678-1234-5678-1234-567812345678');

    const dt = session.get('dt');
    expect(dt).toBeInstanceOf(Date);
    expect((dt as Date).getTime()).toBe(Date.UTC(2030, 0, 2, 3, 4, 5));

    // Dicts whose only key is a tag key come back as plain objects, not as tagged values.
    const tagT = session.get('tag_t') as Record<string, unknown>;
    expect(tagT).toStrictEqual({ ' t': [1] });
    expect(tagT[' t']).not.toBeInstanceOf(Tuple);
    expect(session.get('tag_di')).toStrictEqual({ ' di': 1 });

    const mixed = session.get('mixed') as [Tuple, { u: UUID; m: Markup }];
    expect(mixed[0]).toBeInstanceOf(Tuple);
    expect(bytesOf(mixed[0][1])).toEqual([0x78]);
    expect(mixed[1].u).toBeInstanceOf(UUID);
    expect(mixed[1].u.hex).toBe('00000000000000000000000000000001');
    expect(mixed[1].m).toBeInstanceOf(Markup);
    expect(mixed[1].m.html).toBe('<i>');
  });

  it("re-serializing what Node read gives Flask's tagged JSON back (floats aside)", async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['kinds', 'flash'] });
    const session = cookieSessions().open(`session=${made.cookie}`);
    const data = session.toObject() as Record<string, unknown>;
    // JavaScript has one number type: Flask's floats 1.0 and 1e16 are read as integral numbers.
    const flaskData = JSON.parse(made.tagged_json) as Record<string, unknown>;
    expect(made.tagged_json).toContain('"f1":1.0');
    expect(made.tagged_json).toContain('"f1e16":1e+16');
    const json = new TaggedJSONSerializer().dumps(data);
    expect(json).toContain('"f1":1,');
    expect(json).toContain('"f1e16":10000000000000000,');
    expect(json.replace('"f1":1,', '"f1":1.0,').replace('"f1e16":10000000000000000,', '"f1e16":1e+16,')).toBe(made.tagged_json);
    expect(Object.keys(flaskData).sort()).toEqual(Object.keys(data).sort());
  });

  it('NaN, ±Infinity and -0.0 (which Python writes into the JSON) arrive as such', async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['special_floats'] });
    expect(made.tagged_json).toBe('{"inf":Infinity,"nan":NaN,"negzero":-0.0,"ninf":-Infinity}');
    const session = cookieSessions().open(`session=${made.cookie}`);
    expect(session.get('nan')).toBeNaN();
    expect(session.get('inf')).toBe(Infinity);
    expect(session.get('ninf')).toBe(-Infinity);
    expect(Object.is(session.get('negzero'), -0)).toBe(true);
  });

  it('integers from 2^53 on (either sign) arrive as bigint, below as number', async () => {
    const cookie = await flask.signRaw({
      secret: SECRET,
      json_text: '{"below": 9007199254740991, "at": 9007199254740992, "negAt": -9007199254740992, "above": 12345678901234567890}',
    });
    const session = cookieSessions().open(`session=${cookie}`);
    expect(session.get('below')).toBe(9007199254740991);
    expect(session.get('at')).toBe(2n ** 53n);
    expect(session.get('negAt')).toBe(-(2n ** 53n));
    expect(session.get('above')).toBe(12345678901234567890n);
  });

  it('keys named __proto__, constructor or toString are plain data, and go back to Flask unchanged', async () => {
    const cookie = await flask.signRaw({ secret: SECRET, json_text: '{"__proto__": {"admin": true}, "constructor": 1, "toString": "x"}' });
    const sessions = cookieSessions();
    const session = sessions.open(`session=${cookie}`);
    expect(session.keys().sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(session.get('__proto__' as never)).toEqual({ admin: true });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const data = session.toObject() as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    session.set('z', 1);
    const read = await flask.read({ secret: SECRET, cookie: savedValue((await sessions.save(session)).setCookie) });
    // (JSON.parse: an object literal's __proto__ key would set the prototype instead.)
    expect(read.values).toEqual(
      JSON.parse(`{
        "__proto__": { "type": "dict", "repr": "{'admin': True}" },
        "constructor": { "type": "int", "repr": "1" },
        "toString": { "type": "str", "repr": "'x'" },
        "z": { "type": "int", "repr": "1" }
      }`),
    );
  });

  it('flash messages are read and consumed like get_flashed_messages(with_categories=True)', async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['flash'] });
    const sessions = cookieSessions();
    const session = sessions.open(`session=${made.cookie}`);
    const stored = session.get('_flashes' as never) as unknown[];
    expect(stored).toHaveLength(2);
    expect(stored[0]).toBeInstanceOf(Tuple);
    expect(session.peekFlashes()).toEqual([
      { category: 'info', message: 'Welcome' },
      { category: 'message', message: 'Plain message' },
    ]);
    expect(session.consumeFlashes()).toEqual([
      { category: 'info', message: 'Welcome' },
      { category: 'message', message: 'Plain message' },
    ]);
    expect(session.consumeFlashes()).toEqual([]);
    expect(session.get('user')).toBe('alice');

    // The consumed flashes are gone for Flask too.
    const read = await flask.read({ secret: SECRET, cookie: savedValue((await sessions.save(session)).setCookie) });
    expect(read.reason).toBeNull();
    expect(read.keys).toEqual(['user']);
    expect(read.flashes).toBe('[]');
  });

  it('consumeFlashes({ categories }) keeps the other categories where Flask finds them', async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['flash'] });
    const sessions = cookieSessions();
    const session = sessions.open(`session=${made.cookie}`);
    expect(session.consumeFlashes({ categories: ['info'] })).toEqual([{ category: 'info', message: 'Welcome' }]);
    const read = await flask.read({ secret: SECRET, cookie: savedValue((await sessions.save(session)).setCookie) });
    expect(read.flashes).toBe("[('message', 'Plain message')]");
  });

  it('a permanent Flask session is permanent in Node, and Node refreshes it with an expiry', async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['permanent'] });
    const sessions = cookieSessions();
    const session = sessions.open(`session=${made.cookie}`);
    expect(session.permanent).toBe(true);
    expect(session.get('user')).toBe('alice');
    const before = Date.now();
    const { setCookie } = await sessions.save(session);
    const expires = setCookieAttributes(setCookie[0]!).get('expires');
    expect(typeof expires).toBe('string');
    const expected = before + 31 * DAY * 1000;
    expect(Math.abs(Date.parse(expires as string) - expected)).toBeLessThan(3000);
    const read = await flask.read({ secret: SECRET, cookie: savedValue(setCookie) });
    expect(read.permanent).toBe(true);
  });

  it('a non-permanent Flask session is not permanent and is not re-sent unless changed', async () => {
    const made = await flask.make({ secret: SECRET, data: { user: 'bob' } });
    expect(setCookieAttributes(made.set_cookie[0]!).has('expires')).toBe(false);
    const sessions = cookieSessions();
    const session = sessions.open(`session=${made.cookie}`);
    expect(session.permanent).toBe(false);
    expect(session.get('user')).toBe('bob');
    expect(await sessions.save(session)).toEqual({ setCookie: [], vary: true });
  });

  it('a large compressible session comes zlib-compressed (".") and opens', async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['large'] });
    expect(made.cookie!.startsWith('.')).toBe(true);
    const session = cookieSessions().open(`session=${made.cookie}`);
    expect(session.get('text')).toBe('sessionkit compresses like Flask. '.repeat(120));
    expect(session.get('n')).toBe(1);
  });
});

describe('Node → Flask: sessions saved by CookieSessionInterface open in a Flask route', () => {
  it('every value kind arrives in Flask with its Python type and value', async () => {
    const cookie = await saveNew((session) => {
      session.update(tsKinds());
      session.set('user', 'alice');
      session.flash('Welcome', 'info');
      session.flash('Plain message');
      session.permanent = true;
    });
    const [mine, flasks] = await Promise.all([
      flask.read({ secret: SECRET, cookie }),
      flask.make({ secret: SECRET, scenarios: ['kinds', 'flash', 'permanent'] }).then((made) => flask.read({ secret: SECRET, cookie: made.cookie! })),
    ]);
    expect(mine.reason).toBeNull();
    expect(mine.status).toBe(200);
    expect(mine.permanent).toBe(true);
    expect(mine.flashes).toBe("[('info', 'Welcome'), ('message', 'Plain message')]");

    const v = mine.values!;
    const expectValue = (key: string, type: string, repr: string) => expect(v[key], key).toEqual<FlaskValue>({ type, repr });
    expectValue('str', 'str', "'hello'");
    expectValue('astral', 'str', "'\ud83d\ude00 \ud834\udd1e'");
    expectValue('lone', 'str', "'\\ud800x'");
    expectValue('big', 'int', '1180591620717411303424');
    expectValue('neg_big', 'int', '-1180591620717411303424');
    expectValue('max_safe', 'int', '9007199254740991');
    expectValue('f01', 'float', '0.1');
    expectValue('f1e5', 'float', '1e-05');
    expectValue('none', 'NoneType', 'None');
    expectValue('tuple', 'tuple', "(1, 'two', (3,))");
    expectValue('empty_tuple', 'tuple', '()');
    expectValue('bytes', 'bytes', "b'\\x00\\x01binary\\xff'");
    expectValue('empty_bytes', 'bytes', "b''");
    expectValue('markup', 'Markup', "Markup('<b>bold</b> &amp;')");
    expectValue('uuid', 'UUID', "UUID('12345678-1234-5678-1234-567812345678')");
    expectValue('dt', 'datetime', 'datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)');
    expectValue('tag_t', 'dict', "{' t': [1]}");
    expectValue('tag_di', 'dict', "{' di': 1}");
    expectValue('_flashes', 'list', "[('info', 'Welcome'), ('message', 'Plain message')]");

    // Everything else exactly as Flask sees the same data written by Flask itself.
    const expected = { ...flasks.values! };
    delete expected.f1;
    delete expected.f1e16;
    expect(v).toEqual(expected);
  });

  it('numbers: integral values become int (however large), others float, -0 stays a float, bigint any size', async () => {
    const cookie = await saveNew((session) => {
      session.update({ one: 1, e16: 1e16, unsafe: 2 ** 60, negzero: -0, third: 1 / 3, tiny: 5e-324, huge: 1.7976931348623157e308, b: 7n, b2: -(10n ** 30n) });
    });
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.values).toEqual({
      one: { type: 'int', repr: '1' },
      e16: { type: 'int', repr: '10000000000000000' },
      unsafe: { type: 'int', repr: '1152921504606846976' },
      negzero: { type: 'float', repr: '-0.0' },
      third: { type: 'float', repr: '0.3333333333333333' },
      tiny: { type: 'float', repr: '5e-324' },
      // Integral however large: Number.MAX_VALUE is an integer, written with all its digits.
      huge: { type: 'int', repr: BigInt(Number.MAX_VALUE).toString() },
      b: { type: 'int', repr: '7' },
      b2: { type: 'int', repr: '-1000000000000000000000000000000' },
    });
  });

  it('NaN and ±Infinity are sent as Python writes them and arrive as floats', async () => {
    const cookie = await saveNew((session) => session.update({ nan: NaN, inf: Infinity, ninf: -Infinity }));
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.values).toEqual({
      nan: { type: 'float', repr: 'nan' },
      inf: { type: 'float', repr: 'inf' },
      ninf: { type: 'float', repr: '-inf' },
    });
  });

  it('a Date is sent as whole seconds in UTC, as Flask writes datetimes', async () => {
    const cookie = await saveNew((session) => {
      session.set('ms', new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678)));
      session.set('epoch', new Date(0));
    });
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.values!.ms).toEqual({ type: 'datetime', repr: 'datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)' });
    expect(read.values!.epoch).toEqual({ type: 'datetime', repr: 'datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)' });
  });

  it('the cookie is byte-for-byte the one Flask writes for the same data and time', async () => {
    const at = nowSeconds() - 60;
    const small = { user: 'alice', cart: [1, 2, 3], n: 2n ** 70n, t: Tuple.of('a', 'b'), ' t': 'key' };
    const made = await flask.make({ secret: SECRET, at, data: { user: 'alice', cart: [1, 2, 3] } });
    expect(cookieSessions().encode({ user: 'alice', cart: [1, 2, 3] }, at * 1000)).toBe(made.cookie);

    // Tagged values and tag-like keys: compare against what Flask makes of the same tagged JSON.
    const text = new TaggedJSONSerializer().dumps(small);
    const signed = await flask.signRaw({ secret: SECRET, at, json_text: text });
    expect(cookieSessions().encode(small, at * 1000)).toBe(signed);
    const read = await flask.read({ secret: SECRET, cookie: signed });
    expect(read.tagged_json).toBe(text);

    // A compressed cookie: same data as Flask's `kinds` scenario (minus its two floats).
    const kinds = await flask.make({ secret: SECRET, at, scenarios: ['kinds'] });
    const flaskKinds = await flask.read({ secret: SECRET, cookie: kinds.cookie! });
    const mine = cookieSessions().encode(tsKinds(), at * 1000);
    expect(mine.startsWith('.')).toBe(true);
    const mineRead = await flask.read({ secret: SECRET, cookie: mine });
    const expected = { ...flaskKinds.values! };
    delete expected.f1;
    delete expected.f1e16;
    expect(mineRead.values).toEqual(expected);
  });

  it('flash() and permanent set in Node are what Flask finds', async () => {
    const cookie = await saveNew((session) => {
      session.flash('Saved!', 'success');
      session.flash('<b>careful</b>', 'warning');
      session.permanent = true;
      session.set('user', 'carol');
    });
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.permanent).toBe(true);
    expect(read.flashes).toBe("[('success', 'Saved!'), ('warning', '<b>careful</b>')]");
    expect(read.values!.user).toEqual({ type: 'str', repr: "'carol'" });
    expect(read.values!._permanent).toEqual({ type: 'bool', repr: 'True' });
    // Flask's get_flashed_messages popped them: its response re-sends the session without them.
    expect(read.set_cookie).toHaveLength(1);
    const after = await flask.read({ secret: SECRET, cookie: setCookieValue(read.set_cookie[0]!)! });
    expect(after.flashes).toBe('[]');
    expect(after.keys).toEqual(['_permanent', 'user']);
  });

  it('a large compressible session is zlib-compressed (".") and Flask opens it', async () => {
    const text = 'node compresses like Flask. '.repeat(200);
    const cookie = await saveNew((session) => session.set('text', text));
    expect(cookie.startsWith('.')).toBe(true);
    expect(cookie.length).toBeLessThan(text.length / 4);
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.values!.text).toEqual({ type: 'str', repr: `'${text}'` });
  });

  it('a Flask session changed in Node keeps every other value exactly as Flask had it', async () => {
    const made = await flask.make({ secret: SECRET, scenarios: ['kinds'] });
    const sessions = cookieSessions();
    const session = sessions.open(`session=${made.cookie}`);
    session.set('added', 'by node');
    const [before, after] = await Promise.all([
      flask.read({ secret: SECRET, cookie: made.cookie! }),
      sessions.save(session).then(({ setCookie }) => flask.read({ secret: SECRET, cookie: savedValue(setCookie) })),
    ]);
    const changed = Object.keys(after.values!).filter((key) => JSON.stringify(after.values![key]) !== JSON.stringify(before.values![key]));
    // Only the new key, and the two floats JavaScript cannot tell from integers.
    expect(changed.sort()).toEqual(['added', 'f1', 'f1e16']);
    expect(after.values!.f1).toEqual({ type: 'int', repr: '1' });
  });

  it('clearing a session deletes the cookie with the same attributes as Flask', async () => {
    const config = { SESSION_COOKIE_SAMESITE: 'Lax', SESSION_COOKIE_PATH: '/app' };
    const made = await flask.make({ secret: SECRET, config, data: { user: 'dave' } });
    const cleared = await flask.make({ secret: SECRET, config, cookie: made.cookie!, scenarios: ['clear'] });
    expect(cleared.set_cookie).toHaveLength(1);
    const sessions = cookieSessions({ sameSite: 'Lax', path: '/app' });
    const session = sessions.open(`session=${made.cookie}`);
    session.clear();
    const { setCookie, vary } = await sessions.save(session);
    expect(vary).toBe(true);
    expect(cleared.vary).toBe('Cookie');
    expect(setCookie).toHaveLength(1);
    expect(setCookieValue(setCookie[0]!)).toBe('');
    expect(setCookieValue(cleared.set_cookie[0]!)).toBe('');
    const mine = setCookieAttributes(setCookie[0]!);
    const theirs = setCookieAttributes(cleared.set_cookie[0]!);
    expect(Object.fromEntries(mine)).toEqual(Object.fromEntries(theirs));
  });
});

describe('refusals: a bad cookie gives an empty, new session on both sides', () => {
  it('Flask cookies with a tampered payload, timestamp or signature are refused by Node', async () => {
    for (const scenarios of [[], ['large']] as const) {
      const made = await flask.make({ secret: SECRET, scenarios: [...scenarios], data: { user: 'mallory' } });
      const cookie = made.cookie!;
      expect(cookieSessions().decode(cookie)).not.toBeNull();
      for (const segment of [0, 1, 2] as const) {
        const bad = tamper(cookie, segment);
        expect(bad).not.toBe(cookie);
        const read = await flask.read({ secret: SECRET, cookie: bad });
        expect(read.reason, `${scenarios.join()} segment ${segment}`).toMatch(/^Bad(Time)?Signature$/);
        expectRefusedByFlask(read);
        await expectRefusedByNode(bad);
      }
    }
  });

  it('Node cookies with a tampered payload, timestamp or signature are refused by Flask', async () => {
    for (const text of ['short', 'long and compressible '.repeat(40)]) {
      const cookie = await saveNew((session) => session.set('user', text));
      expect((await flask.read({ secret: SECRET, cookie })).values!.user!.type).toBe('str');
      for (const segment of [0, 1, 2] as const) {
        const bad = tamper(cookie, segment);
        const read = await flask.read({ secret: SECRET, cookie: bad });
        expect(read.reason, `segment ${segment}`).toMatch(/^Bad(Time)?Signature$/);
        expectRefusedByFlask(read);
        await expectRefusedByNode(bad);
      }
    }
  });

  it('a Flask cookie signed 32 days ago is expired for Node (31-day default lifetime)', async () => {
    const made = await flask.make({ secret: SECRET, at: nowSeconds() - 32 * DAY, data: { user: 'old' } });
    const read = await flask.read({ secret: SECRET, cookie: made.cookie! });
    expect(read.reason).toBe('SignatureExpired');
    expectRefusedByFlask(read);
    await expectRefusedByNode(made.cookie!);
    // The same cookie is fine with a longer lifetime: only its age is wrong.
    expect(cookieSessions({ permanentLifetime: 40 * DAY }).decode(made.cookie!)).toEqual({ user: 'old' });
    // And a shorter lifetime refuses younger cookies.
    const recent = await flask.make({ secret: SECRET, at: nowSeconds() - 2 * 3600, data: { user: 'recent' } });
    await expectRefusedByNode(recent.cookie!, { PERMANENT_SESSION_LIFETIME: 3600 });
    expect(cookieSessions().decode(recent.cookie!)).toEqual({ user: 'recent' });
  });

  it('a Flask cookie dated in the future is refused by Node', async () => {
    const at = nowSeconds() + DAY;
    const made = await flask.make({ secret: SECRET, at, data: { user: 'time traveller' } });
    const read = await flask.read({ secret: SECRET, cookie: made.cookie! });
    expect(read.reason).toBe('SignatureExpired');
    await expectRefusedByNode(made.cookie!);
    expect(cookieSessions({ clock: () => at * 1000 }).decode(made.cookie!)).toEqual({ user: 'time traveller' });
  });

  it('a Node cookie signed 32 days ago (injected clock) is expired for Flask and Node', async () => {
    const signedAt = Date.now() - 32 * DAY * 1000;
    const cookie = await saveNew((session) => session.set('user', 'old'), { clock: () => signedAt });
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.reason).toBe('SignatureExpired');
    expectRefusedByFlask(read);
    await expectRefusedByNode(cookie);
    const longer = await flask.read({ secret: SECRET, cookie, config: { PERMANENT_SESSION_LIFETIME: 40 * DAY } });
    expect(longer.reason).toBeNull();
    expect(longer.values!.user).toEqual({ type: 'str', repr: "'old'" });
  });

  it('a Node cookie dated in the future (injected clock) is refused by Flask and Node', async () => {
    const at = nowSeconds() + DAY;
    const cookie = await saveNew((session) => session.set('user', 'early'), { clock: () => at * 1000 });
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.reason).toBe('SignatureExpired');
    expectRefusedByFlask(read);
    await expectRefusedByNode(cookie);
    const then = await flask.read({ secret: SECRET, cookie, at });
    expect(then.values!.user).toEqual({ type: 'str', repr: "'early'" });
  });

  it('a cookie signed with another secret is refused both ways', async () => {
    const made = await flask.make({ secret: OTHER_SECRET, data: { user: 'eve' } });
    await expectRefusedByNode(made.cookie!);
    const cookie = await saveNew((session) => session.set('user', 'eve'), { secret: OTHER_SECRET });
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.reason).toBe('BadTimeSignature');
    expectRefusedByFlask(read);
    // Salt, digest and key derivation are part of the key too.
    await expectRefusedByNode((await flask.make({ secret: SECRET, salt: 'other-salt', data: { a: 1 } })).cookie!);
    await expectRefusedByNode((await flask.make({ secret: SECRET, digest: 'sha256', data: { a: 1 } })).cookie!);
    expect(cookieSessions({ digest: 'sha256' }).decode((await flask.make({ secret: SECRET, digest: 'sha256', data: { a: 1 } })).cookie!)).toEqual({ a: 1 });
  });

  it('garbage cookie values are refused without throwing, by Node and by Flask', async () => {
    const garbage = [
      '.',
      'a.b',
      '...',
      '',
      'x'.repeat(5000),
      `${'eyJh'.repeat(1500)}.${'A'.repeat(200)}.${'B'.repeat(300)}`,
      '!!!!.@@@@.####',
      'eyJ1c2VyIjoiYm9iIn0',
      'eyJ1c2VyIjoiYm9iIn0.',
      'eyJ1c2VyIjoiYm9iIn0..',
      'eyJ1c2VyIjoiYm9iIn0.ZVPxAA.',
      '.eyJ1c2VyIjoiYm9iIn0.ZVPxAA.EdJtw_EM4u6BEXYIXoMxwT6wGY0',
      'eyJ1c2VyIjoiYm9iIn0.ZVPxAA.EdJtw_EM4u6BEXYIXoMxwT6wGY0.extra',
      '%E0%A4%A.x.y',
      'ñ.ñ.ñ',
    ];
    for (const value of garbage) {
      const sessions = cookieSessions();
      let session: Session | undefined;
      expect(() => {
        session = sessions.open(`session=${value}`);
        session.get('user');
      }, value.slice(0, 40)).not.toThrow();
      expect(session!.size).toBe(0);
      expect(session!.isNew).toBe(true);
      await expect(sessions.save(session!)).resolves.toEqual({ setCookie: [], vary: true });
      if (value !== '' && /^[\x21-\x7e]+$/.test(value) && !value.includes(';')) {
        const read = await flask.read({ secret: SECRET, cookie: value });
        expectRefusedByFlask(read);
      }
    }
  });

  it('a valid signature over content that is not a session: Node gives an empty session', async () => {
    // What Flask 2.2 itself does varies: itsdangerous' BadPayload is not a BadSignature, so an
    // undecodable payload fails the request (500), as does a non-dict that dict() rejects; null,
    // [] and a list of pairs pass through dict(); base64 in a " b" tag is decoded leniently.
    // Node never fails the request and accepts only a JSON object with well-formed tags.
    type FlaskOutcome = 'crash' | 'empty' | 'data';
    const cases: Array<{ name: string; cookie: Promise<string>; flask: FlaskOutcome; reason?: string }> = [
      { name: 'invalid JSON', cookie: flask.signRaw({ secret: SECRET, json_text: '{"user": ' }), flask: 'crash', reason: 'BadPayload' },
      { name: 'JSON list', cookie: flask.signRaw({ secret: SECRET, json_text: '[1, 2]' }), flask: 'crash' },
      { name: 'JSON list of pairs', cookie: flask.signRaw({ secret: SECRET, json_text: '[["user", "bob"]]' }), flask: 'data' },
      { name: 'empty JSON list', cookie: flask.signRaw({ secret: SECRET, json_text: '[]' }), flask: 'empty' },
      { name: 'JSON string', cookie: flask.signRaw({ secret: SECRET, json_text: '"user"' }), flask: 'crash' },
      { name: 'JSON number', cookie: flask.signRaw({ secret: SECRET, json_text: '42' }), flask: 'crash' },
      { name: 'JSON null', cookie: flask.signRaw({ secret: SECRET, json_text: 'null' }), flask: 'empty' },
      { name: 'tagged tuple at the top', cookie: flask.signRaw({ secret: SECRET, json_text: '{" t": [1, 2]}' }), flask: 'crash' },
      { name: 'invalid base64', cookie: flask.signRaw({ secret: SECRET, raw: 'not*base64!' }), flask: 'crash', reason: 'BadPayload' },
      {
        name: 'invalid UTF-8',
        cookie: flask.signRaw({ secret: SECRET, payload_b64: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64') }),
        flask: 'crash',
        reason: 'BadPayload',
      },
      { name: 'not zlib after "."', cookie: flask.signRaw({ secret: SECRET, json_text: '{"user": "bob"}', dot: true }), flask: 'crash', reason: 'BadPayload' },
      {
        name: 'bad zlib stream',
        cookie: flask.signRaw({ secret: SECRET, payload_b64: Buffer.from('x\x9c garbage', 'latin1').toString('base64'), dot: true }),
        flask: 'crash',
        reason: 'BadPayload',
      },
      { name: 'bad uuid tag', cookie: flask.signRaw({ secret: SECRET, json_text: '{"u": {" u": "not hex"}}' }), flask: 'crash', reason: 'BadPayload' },
      { name: 'bad bytes tag', cookie: flask.signRaw({ secret: SECRET, json_text: '{"b": {" b": "!!"}}' }), flask: 'data' },
    ];
    for (const { name, cookie: pending, flask: outcome, reason } of cases) {
      const cookie = await pending;
      const read = await flask.read({ secret: SECRET, cookie });
      if (reason) expect(read.reason, name).toBe(reason);
      if (outcome === 'crash') expectRefusedByFlask(read, { flaskCrashes: true });
      else if (outcome === 'empty') expectRefusedByFlask(read);
      else expect(read.keys!.length, name).toBe(1);
      await expectRefusedByNode(cookie);
    }
    // Control: the same signer over a real session is accepted by both.
    const good = await flask.signRaw({ secret: SECRET, json_text: '{"user": "bob"}' });
    expect(cookieSessions().decode(good)).toEqual({ user: 'bob' });
    expect((await flask.read({ secret: SECRET, cookie: good })).keys).toEqual(['user']);
  });
});

describe('key rotation', () => {
  const OLD = 'old secret key';
  const NEW = 'new secret key';

  it('Node opens an old-key Flask cookie through secretFallbacks and re-signs it with the new key', async () => {
    const made = await flask.make({ secret: OLD, data: { user: 'bob' }, scenarios: ['flash'] });
    const rotated = cookieSessions({ secret: NEW, secretFallbacks: [OLD] });
    const session = rotated.open(`session=${made.cookie}`);
    expect(session.isNew).toBe(false);
    expect(session.get('user')).toBe('bob');
    session.modified = true;
    const resigned = savedValue((await rotated.save(session)).setCookie);
    expect(resigned).not.toBe(made.cookie);

    const withNew = await flask.read({ secret: NEW, cookie: resigned });
    expect(withNew.reason).toBeNull();
    expect(withNew.values!.user).toEqual({ type: 'str', repr: "'bob'" });
    expect(withNew.flashes).toBe("[('info', 'Welcome'), ('message', 'Plain message')]");
    // Signed with the new key only: the old one no longer opens it.
    expectRefusedByFlask(await flask.read({ secret: OLD, cookie: resigned }));
    // Without the fallback the old cookie is refused.
    await expectRefusedByNode(made.cookie!, { secret: NEW });
  });

  it("Flask's option names (SECRET_KEY, SECRET_KEY_FALLBACKS) rotate the same way", async () => {
    const made = await flask.make({ secret: OLD, data: { user: 'bob' } });
    const rotated = new CookieSessionInterface({ SECRET_KEY: NEW, SECRET_KEY_FALLBACKS: ['older', OLD] });
    expect(rotated.decode(made.cookie!)).toEqual({ user: 'bob' });
    const fresh = rotated.encode({ user: 'bob' });
    expect((await flask.read({ secret: NEW, cookie: fresh })).keys).toEqual(['user']);
  });

  it('a Node cookie signed with the old key is refused by Node with another key and no fallback', async () => {
    const cookie = await saveNew((session) => session.set('user', 'bob'), { secret: OLD });
    await expectRefusedByNode(cookie, { secret: NEW });
    await expectRefusedByNode(cookie, { secret: NEW, secretFallbacks: ['unrelated'] });
    expect(cookieSessions({ secret: NEW, secretFallbacks: [OLD] }).decode(cookie)).toEqual({ user: 'bob' });
    expect((await flask.read({ secret: OLD, cookie })).keys).toEqual(['user']);
  });
});

describe('cookie attributes: Node sends what Flask sends', () => {
  const setups: Array<{ name: string; node: Partial<CookieSessionOptions>; config: Record<string, unknown> }> = [
    { name: 'defaults', node: {}, config: {} },
    {
      name: 'SameSite=Lax, one hour',
      node: { sameSite: 'Lax', permanentLifetime: 3600 },
      config: { SESSION_COOKIE_SAMESITE: 'Lax', PERMANENT_SESSION_LIFETIME: 3600 },
    },
    {
      name: 'Flask config names: Strict, Secure, /app, not HttpOnly, 2 days',
      node: { SESSION_COOKIE_SAMESITE: 'Strict', SESSION_COOKIE_SECURE: true, SESSION_COOKIE_PATH: '/app', SESSION_COOKIE_HTTPONLY: false, PERMANENT_SESSION_LIFETIME: 2 * DAY },
      config: { SESSION_COOKIE_SAMESITE: 'Strict', SESSION_COOKIE_SECURE: true, SESSION_COOKIE_PATH: '/app', SESSION_COOKIE_HTTPONLY: false, PERMANENT_SESSION_LIFETIME: 2 * DAY },
    },
    {
      name: 'Domain, SameSite=None, Secure, cookie name',
      node: { domain: 'example.com', sameSite: 'None', secure: true, cookieName: 'sid' },
      config: { SESSION_COOKIE_DOMAIN: 'example.com', SESSION_COOKIE_SAMESITE: 'None', SESSION_COOKIE_SECURE: true, SESSION_COOKIE_NAME: 'sid' },
    },
  ];

  for (const { name, node, config } of setups) {
    it(`permanent session, ${name}: Expires ≈ now + lifetime and the same attributes as Flask`, async () => {
      const lifetime = (config.PERMANENT_SESSION_LIFETIME as number | undefined) ?? 31 * DAY;
      const sessions = cookieSessions(node);
      const session = sessions.open(undefined);
      session.permanent = true;
      session.set('user', 'alice');
      const before = Date.now();
      const { setCookie, vary } = await sessions.save(session);
      expect(vary).toBe(true);
      const made = await flask.make({ secret: SECRET, config, scenarios: ['permanent'] });
      const after = Date.now();
      expect(made.vary).toBe('Cookie');
      expect(setCookie).toHaveLength(1);
      expect(made.set_cookie).toHaveLength(1);

      const mine = setCookieAttributes(setCookie[0]!);
      const theirs = setCookieAttributes(made.set_cookie[0]!);
      expect([...mine.keys()].sort()).toEqual([...theirs.keys()].sort());
      for (const [attribute, value] of theirs) {
        if (attribute !== 'expires') expect(mine.get(attribute), attribute).toEqual(value);
      }
      const myExpiry = Date.parse(mine.get('expires') as string);
      const flaskExpiry = Date.parse(theirs.get('expires') as string);
      // Both are whole seconds: now + lifetime, rounded down.
      expect(myExpiry).toBeGreaterThan(before + lifetime * 1000 - 1000);
      expect(myExpiry).toBeLessThanOrEqual(after + lifetime * 1000);
      expect(flaskExpiry).toBeGreaterThan(before + lifetime * 1000 - 1000);
      expect(flaskExpiry).toBeLessThanOrEqual(after + lifetime * 1000);
      // Same date format: an IMF-fixdate in GMT.
      expect(mine.get('expires')).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      expect(theirs.get('expires')).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);

      // Each side reads the other's cookie as a permanent session.
      const cookieName = node.cookieName ?? 'session';
      expect(setCookie[0]!.startsWith(`${cookieName}=`)).toBe(true);
      expect(made.set_cookie[0]!.startsWith(`${cookieName}=`)).toBe(true);
      const read = await flask.read({ secret: SECRET, cookie: savedValue(setCookie, cookieName), config });
      expect(read.permanent).toBe(true);
      expect(cookieSessions(node).open(`${cookieName}=${made.cookie}`).permanent).toBe(true);
    });

    it(`browser-session cookie, ${name}: no Expires, same attributes as Flask`, async () => {
      const sessions = cookieSessions(node);
      const session = sessions.open(undefined);
      session.set('user', 'alice');
      const { setCookie } = await sessions.save(session);
      const made = await flask.make({ secret: SECRET, config, data: { user: 'alice' } });
      const mine = setCookieAttributes(setCookie[0]!);
      const theirs = setCookieAttributes(made.set_cookie[0]!);
      expect(mine.has('expires')).toBe(false);
      expect(Object.fromEntries(mine)).toEqual(Object.fromEntries(theirs));
    });
  }
});
