/**
 * Sessions shared with Flask-Session 0.8 through one Redis: the recorded values real
 * Flask-Session 0.8.0 / msgspec 0.22.0 wrote (test/fixtures/flask-session-values.json), and a
 * live Flask app (Debian's Flask, itsdangerous, msgpack and redis-py) that keeps its sessions the
 * way Flask-Session does (test/interop/py/flask_session_peer.py).
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlaskSessionCodec, ServerSessionInterface, Signer, Tuple } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { PYTHON } from './helpers/flask.js';

interface Fixture {
  signed_sid_example: { secret: string; sid: string; cookie_value: string };
  values: { format: 'msgpack' | 'json'; hex: string; decoded_by_flask_session: Record<string, unknown> }[];
}
const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/flask-session-values.json', import.meta.url), 'utf8')) as Fixture;
const PEER = fileURLToPath(new URL('./py/flask_session_peer.py', import.meta.url));
const SECRET = 'shared-secret';
const LIFETIME = 600;

/** A session value as msgspec's JSON shows it: bytes in base64, datetimes in RFC 3339. */
function asFlaskSessionJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(asFlaskSessionJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asFlaskSessionJson(v)]));
  }
  return value;
}

describe('Flask-Session 0.8 records (recorded by real Flask-Session / msgspec)', () => {
  it.each(FIXTURE.values.map((v, i) => [i, v.format, v] as const))('vector %i (%s) opens to what Flask-Session read', async (_i, format, vector) => {
    const codec = await FlaskSessionCodec.create(format);
    const { data } = codec.decode(Buffer.from(vector.hex, 'hex'));
    expect(asFlaskSessionJson(data)).toEqual(vector.decoded_by_flask_session);
    // and what we write for the same data reads back the same
    const again = codec.decode(codec.encode(data, { createdAt: 0 })).data;
    expect(asFlaskSessionJson(again)).toEqual(vector.decoded_by_flask_session);
  });

  it('maps msgpack types as msgspec does: bytes, datetimes, big integers', async () => {
    const codec = await FlaskSessionCodec.create('msgpack');
    const vector = FIXTURE.values.find((v) => v.format === 'msgpack' && v.hex.includes('d6ff'))!;
    const { data } = codec.decode(Buffer.from(vector.hex, 'hex'));
    expect(data.b).toBeInstanceOf(Uint8Array);
    expect(data.dt).toEqual(new Date('2030-01-02T03:04:05Z'));
    const encoded = Buffer.from(codec.encode({ big: 2 ** 40, huge: 2n ** 62n, small: -5 }, { createdAt: 0 })).toString('hex');
    expect(encoded).not.toContain('cb'); // integers never become float64
    expect(codec.decode(Buffer.from(encoded, 'hex')).data).toEqual({ big: 2 ** 40, huge: 2n ** 62n, small: -5 });
  });

  it('signs the id exactly as Flask-Session does (Signer, salt flask-session, hmac)', () => {
    const { secret, sid, cookie_value } = FIXTURE.signed_sid_example;
    expect(new Signer({ secret, salt: 'flask-session', keyDerivation: 'hmac' }).sign(sid)).toBe(cookie_value);
  });

  it('never reads pickle (Flask-Session before 0.7) or garbage as a session', async () => {
    const codec = await FlaskSessionCodec.create('msgpack');
    const pickled = Buffer.from('80049515000000000000007d948c0475736572948c05616c69636594732e', 'hex');
    expect(() => codec.decode(pickled)).toThrow(/not a flask-session-msgpack session/);
    expect(() => codec.decode(Buffer.from('93010203', 'hex'))).toThrow(/not a map/);
  });
});

describe('a Node app and a Flask app sharing sessions through Redis', () => {
  let redis: ReturnType<typeof createClient>;
  let peer: ChildProcessWithoutNullStreams;
  let ask: (request: Record<string, unknown>) => Promise<Record<string, unknown>>;
  let iface: ServerSessionInterface;
  const prefix = `session:`;
  const created: string[] = [];

  beforeAll(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import flask, msgpack, redis'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`run \`apt-get install python3-flask python3-msgpack python3-redis\` (${probe.stderr.trim()})`);
    redis = createClient({ url: 'redis://127.0.0.1:6379' });
    redis.on('error', () => {});
    await redis.connect();
    peer = spawn(PYTHON, [PEER, '6379', SECRET]);
    const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
    let queue = Promise.resolve();
    ask = (request) => {
      const answer = queue.then(async () => {
        peer.stdin.write(`${JSON.stringify(request)}\n`);
        const { value, done } = await lines.next();
        if (done) throw new Error('the Flask peer exited');
        return JSON.parse(value as string) as Record<string, unknown>;
      });
      queue = answer.then(() => undefined, () => undefined);
      return answer;
    };
    iface = new ServerSessionInterface({
      store: new RedisStore({ client: redis, layout: 'flask-session' }),
      SECRET_KEY: SECRET,
      SESSION_USE_SIGNER: true,
      SESSION_SERIALIZATION_FORMAT: 'msgpack',
      PERMANENT_SESSION_LIFETIME: LIFETIME,
    });
  });

  afterAll(async () => {
    peer?.stdin.end();
    peer?.kill();
    for (const key of created) await redis.del(key);
    await redis?.quit();
  });

  const sidOf = (cookie: string) => cookie.split('.')[0]!;
  const cookieFrom = (setCookie: string[]) => setCookie[0]!.slice('session='.length, setCookie[0]!.indexOf(';'));

  it('opens what Flask wrote, and Flask opens what Node wrote', async () => {
    const { cookie } = (await ask({
      op: 'set',
      values: { user: 'alice', cart: [1, 2], blob: { $bytes: '00ff' }, when: { $datetime: 1893553445 }, pair: { $tuple: ['a', 1] }, big: 2 ** 40 },
    })) as { cookie: string };
    created.push(prefix + sidOf(cookie));
    expect(await redis.ttl(prefix + sidOf(cookie))).toBeGreaterThan(LIFETIME - 5);

    const session = iface.open(`session=${cookie}`);
    await session.load();
    expect(session.isNew).toBe(false);
    expect(session.toObject()).toEqual({
      _permanent: true,
      user: 'alice',
      cart: [1, 2],
      blob: Buffer.from([0, 255]),
      when: new Date(1893553445 * 1000),
      pair: ['a', 1],
      big: 2 ** 40,
    });
    session.set('user', 'bob');
    (session.get('cart') as number[]).push(3);
    session.set('tuple', Tuple.of<unknown>('x', 2));
    const saved = await iface.save(session);
    expect(cookieFrom(saved.setCookie)).toBe(cookie); // same signed sid
    expect(await redis.ttl(prefix + sidOf(cookie))).toBeGreaterThan(LIFETIME - 5);

    const seen = (await ask({ op: 'get', cookie })) as { session: Record<string, unknown>; types: Record<string, string> };
    expect(seen.session).toEqual({
      _permanent: true,
      user: 'bob',
      cart: [1, 2, 3],
      blob: { $bytes: '00ff' },
      when: { $datetime: 1893553445 },
      pair: ['a', 1],
      big: 2 ** 40,
      tuple: ['x', 2],
    });
    expect(seen.types).toMatchObject({ blob: 'bytes', when: 'datetime', big: 'int', cart: 'list', _permanent: 'bool' });
  });

  it('a session Node creates opens in Flask, signed id and all', async () => {
    const session = iface.open(undefined);
    session.set('user', 'carol');
    const { setCookie } = await iface.save(session);
    const cookie = cookieFrom(setCookie);
    created.push(prefix + sidOf(cookie));
    expect(sidOf(cookie)).toHaveLength(43);
    const seen = (await ask({ op: 'get', cookie })) as { session: Record<string, unknown> };
    expect(seen.session).toEqual({ _permanent: true, user: 'carol' });
  });

  it('loses no update when Flask writes between a Node read and its save', async () => {
    const { cookie } = (await ask({ op: 'set', values: { a: 1 } })) as { cookie: string };
    created.push(prefix + sidOf(cookie));
    const session = iface.open(`session=${cookie}`);
    await session.load();
    session.set('fromNode', true);
    await ask({ op: 'set', cookie, values: { fromFlask: true } }); // Flask rewrites the whole value
    await iface.save(session);
    const seen = (await ask({ op: 'get', cookie })) as { session: Record<string, unknown> };
    expect(seen.session).toEqual({ _permanent: true, a: 1, fromFlask: true, fromNode: true });
  });

  it('Flask appending to a list while Node appends to it: both items stay; a Node update() re-runs on Flask\'s value', async () => {
    const { cookie } = (await ask({ op: 'set', values: { cart: ['first'], n: 1 } })) as { cookie: string };
    created.push(prefix + sidOf(cookie));
    const session = iface.open(`session=${cookie}`);
    await session.load();
    (session.get('cart') as string[]).push('from node');
    session.update('n', (n: number | undefined) => (n ?? 0) * 10);
    // Flask writes the whole value between Node's read and its save.
    await ask({ op: 'append', cookie, key: 'cart', item: 'from flask' });
    await ask({ op: 'set', cookie, values: { n: 5 } });
    await iface.save(session);
    const seen = (await ask({ op: 'get', cookie })) as { session: Record<string, unknown> };
    expect(seen.session).toEqual({ _permanent: true, cart: ['first', 'from flask', 'from node'], n: 50 });
  });

  it('an unknown sid is never adopted, and a tampered signature is refused', async () => {
    const forged = new Signer({ secret: SECRET, salt: 'flask-session', keyDerivation: 'hmac' }).sign(randomUUID().replace(/-/g, '').padEnd(43, 'x'));
    const session = iface.open(`session=${forged}`);
    await session.load();
    expect(session.isNew).toBe(true);
    const tampered = iface.open(`session=${forged.slice(0, -5)}AAAAA`);
    await tampered.load();
    expect(tampered.isNew).toBe(true);
  });
});
