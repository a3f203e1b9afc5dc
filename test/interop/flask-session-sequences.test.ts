/**
 * Server-side sessions in Flask-Session 0.8's Redis layout, step by step over seeded random
 * request sequences, against a Flask app that keeps its sessions as Flask-Session 0.8 does
 * (test/interop/py/flask_session_peer.py carries Flask-Session's own session logic). Both sides
 * get the same request — the browser's cookie and, under the id it names, the same stored record
 * (each side has its own key prefix, so they never see each other's writes within a step) — and
 * must answer alike: the same cookie (action, value when the id is kept, attributes, `Expires`
 * within 2 s, `Vary`), the same record bytes under the id the browser ends up with, its TTL
 * within 2 s, and the same fate of the record the request named. The browser and the store then
 * take one side's answer, alternating, so each side keeps reading the other's records.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerSessionInterface } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { PYTHON, type FlaskAction, type FlaskStep } from './helpers/flask.js';
import {
  applyActions,
  cookieOutcome,
  EXPIRES_SLACK_MS,
  prng,
  randomActions,
  randomBrowserEvent,
  variesOnCookie,
  type CookieOutcome,
} from './helpers/sequences.js';

const PEER = fileURLToPath(new URL('./py/flask_session_peer.py', import.meta.url));
const SECRET = 'flask-session sequences: shared secret';
const SEQUENCES = 25;
const STEPS = 20;
const LIFETIME = 3600;
/** RESP type of bulk strings, mapped to Buffer so record bytes come back as they are. */
const BYTES = { typeMapping: { 36: Buffer } } as const;

interface Config {
  permanent: boolean;
  refreshEachRequest: boolean;
  useSigner: boolean;
  format: 'msgpack' | 'json';
  idLength: number;
  seed: number;
}

type Redis = ReturnType<typeof createClient>;
let redis: Redis;
let peer: ChildProcessWithoutNullStreams;
let ask: (request: object) => Promise<unknown>;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  const probe = spawnSync(PYTHON, ['-c', 'import flask, msgpack, redis'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`run \`apt-get install python3-flask python3-msgpack python3-redis\` (${probe.stderr.trim()})`);
  redis = createClient({ url: 'redis://127.0.0.1:6379' });
  redis.on('error', () => {});
  await redis.connect();
  peer = spawn(PYTHON, [PEER, '6379', SECRET]);
  let stderr = '';
  peer.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
  let queue: Promise<unknown> = Promise.resolve();
  ask = (request) => {
    const answer = queue.then(async () => {
      peer.stdin.write(`${JSON.stringify(request)}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error(`the Flask-Session peer exited:\n${stderr}`);
      return JSON.parse(value as string) as unknown;
    });
    queue = answer.catch(() => undefined);
    return answer;
  };
});

afterAll(async () => {
  peer?.stdin.end();
  for await (const key of redis.scanIterator({ MATCH: `seq-${run}-*`, COUNT: 1000 })) if (key.length > 0) await redis.del(key);
  await redis?.quit();
});

/** A record as stored: its bytes and remaining TTL (ms). */
interface Stored {
  bytes: Buffer;
  pttl: number;
}

async function readRecord(key: string): Promise<Stored | undefined> {
  const bytes = (await redis.sendCommand(['GET', key], BYTES)) as Buffer | null;
  if (bytes === null) return undefined;
  return { bytes, pttl: Number(await redis.sendCommand(['PTTL', key])) };
}

async function writeRecord(key: string, record: Stored | undefined): Promise<void> {
  if (record === undefined) await redis.del(key);
  else await redis.sendCommand(['SET', key, record.bytes, 'PX', String(Math.max(1, record.pttl))]);
}

/** What one side answered to a step, and what it left in its store. */
interface Answer {
  cookie: CookieOutcome;
  vary: boolean;
  /** The id the browser holds afterwards. */
  sid: string | undefined;
  /** The record under that id. */
  record: Stored | undefined;
  /** Whether the record the request named is still there. */
  requestedKept: boolean;
}

function sidOf(cookie: string | undefined, config: Config): string | undefined {
  if (cookie === undefined) return undefined;
  return config.useSigner ? cookie.slice(0, Math.max(0, cookie.lastIndexOf('.'))) : cookie;
}

function difference(flaskAnswer: Answer, nodeAnswer: Answer, requestedSid: string | undefined, config: Config): string | undefined {
  const f = flaskAnswer.cookie;
  const n = nodeAnswer.cookie;
  if (f.kind !== n.kind) return `cookie: Flask-Session ${f.kind}, sessionkit ${n.kind}`;
  if (flaskAnswer.vary !== nodeAnswer.vary) return `Vary: Flask-Session ${flaskAnswer.vary}, sessionkit ${nodeAnswer.vary}`;
  if (f.kind !== 'none') {
    if (JSON.stringify(f.attributes) !== JSON.stringify(n.attributes)) return `attributes: Flask-Session ${f.attributes}, sessionkit ${n.attributes}`;
    if ((f.expires === null) !== (n.expires === null)) return `Expires: Flask-Session ${f.expires}, sessionkit ${n.expires}`;
    if (f.expires != null && n.expires != null && Math.abs(f.expires - n.expires) > EXPIRES_SLACK_MS) return `Expires: ${f.expires} vs ${n.expires}`;
  }
  if (f.kind === 'set') {
    const keptId = flaskAnswer.sid === requestedSid;
    if (keptId !== (nodeAnswer.sid === requestedSid)) return `id kept: Flask-Session ${keptId}, sessionkit ${!keptId}`;
    if (keptId && f.value !== n.value) return `cookie value: Flask-Session ${f.value}, sessionkit ${n.value}`;
    const expected = Math.ceil((config.idLength * 4) / 3);
    if (flaskAnswer.sid?.length !== expected || nodeAnswer.sid?.length !== expected) return `id length: ${flaskAnswer.sid}, ${nodeAnswer.sid}`;
  }
  const fr = flaskAnswer.record;
  const nr = nodeAnswer.record;
  if ((fr === undefined) !== (nr === undefined)) return `record: Flask-Session ${fr ? 'stored' : 'none'}, sessionkit ${nr ? 'stored' : 'none'}`;
  if (fr && nr) {
    if (!fr.bytes.equals(nr.bytes)) return `record bytes: Flask-Session ${fr.bytes.toString('hex')}, sessionkit ${nr.bytes.toString('hex')}`;
    if (Math.abs(fr.pttl - nr.pttl) > EXPIRES_SLACK_MS) return `TTL: Flask-Session ${fr.pttl}, sessionkit ${nr.pttl}`;
  }
  if (flaskAnswer.requestedKept !== nodeAnswer.requestedKept) return `requested record kept: Flask-Session ${flaskAnswer.requestedKept}, sessionkit ${nodeAnswer.requestedKept}`;
  return undefined;
}

interface Tally {
  steps: number;
  differing: string[];
  outcomes: Set<string>;
}

async function compare(config: Config): Promise<Tally> {
  const prefixes = { flask: `seq-${run}-${config.seed}-f:`, node: `seq-${run}-${config.seed}-n:` };
  const peerConfig = {
    SESSION_KEY_PREFIX: prefixes.flask,
    SESSION_USE_SIGNER: config.useSigner,
    SESSION_PERMANENT: config.permanent,
    SESSION_ID_LENGTH: config.idLength,
    SESSION_SERIALIZATION_FORMAT: config.format,
    SESSION_REFRESH_EACH_REQUEST: config.refreshEachRequest,
    PERMANENT_SESSION_LIFETIME: LIFETIME,
  };
  const iface = new ServerSessionInterface({
    store: new RedisStore({ client: redis, layout: 'flask-session' }),
    SECRET_KEY: SECRET,
    SESSION_KEY_PREFIX: prefixes.node,
    SESSION_USE_SIGNER: config.useSigner,
    SESSION_PERMANENT: config.permanent,
    SESSION_ID_LENGTH: config.idLength,
    SESSION_SERIALIZATION_FORMAT: config.format,
    SESSION_REFRESH_EACH_REQUEST: config.refreshEachRequest,
    PERMANENT_SESSION_LIFETIME: LIFETIME,
    // Flask-Session refreshes on every request; no throttling, so the TTLs compare exactly.
    touchInterval: 0,
  });
  const random = prng(config.seed);
  const tally: Tally = { steps: 0, differing: [], outcomes: new Set() };
  const jars: (string | undefined)[] = Array.from({ length: SEQUENCES }, () => undefined);
  const stores: (Stored | undefined)[] = Array.from({ length: SEQUENCES }, () => undefined);

  for (let step = 0; step < STEPS; step++) {
    const requests = jars.map((jar) => {
      const event = randomBrowserEvent(random);
      const cookie = event === 'drop' ? undefined : event === 'garble' && jar ? `${jar.slice(0, -3)}xyz` : jar;
      return { cookie, actions: randomActions(random) as FlaskAction[] };
    });
    // The same world for both: the record under the id the cookie names, under each prefix.
    const requestedSids = requests.map(({ cookie }) => sidOf(cookie, config));
    await Promise.all(
      requestedSids.flatMap((sid, i) => (sid ? [writeRecord(prefixes.flask + sid, stores[i]), writeRecord(prefixes.node + sid, stores[i])] : [])),
    );

    const fromFlask = ask({ op: 'steps', config: peerConfig, requests }) as Promise<FlaskStep[]>;
    const fromNode = Promise.all(
      requests.map(async ({ cookie, actions }) => {
        const session = iface.open(cookie === undefined ? undefined : `session=${cookie}`);
        await session.load();
        applyActions(session, actions);
        return iface.save(session);
      }),
    );
    const [flaskSteps, nodeSaves] = await Promise.all([fromFlask, fromNode]);

    const settle = async (prefix: string, outcome: CookieOutcome, vary: boolean, i: number): Promise<Answer> => {
      const requested = requestedSids[i];
      const sid = outcome.kind === 'set' ? sidOf(outcome.value, config) : outcome.kind === 'delete' ? undefined : requested;
      const record = sid ? await readRecord(prefix + sid) : undefined;
      const requestedKept = requested !== undefined && (await readRecord(prefix + requested)) !== undefined;
      return { cookie: outcome, vary, sid, record, requestedKept };
    };
    const answers = await Promise.all(
      requests.map(async (_, i) => {
        const flaskAnswer = await settle(prefixes.flask, cookieOutcome(flaskSteps[i]!.set_cookie), variesOnCookie(flaskSteps[i]!.vary), i);
        const nodeAnswer = await settle(prefixes.node, cookieOutcome(nodeSaves[i]!.setCookie), nodeSaves[i]!.vary, i);
        return { flaskAnswer, nodeAnswer };
      }),
    );

    answers.forEach(({ flaskAnswer, nodeAnswer }, i) => {
      tally.steps++;
      tally.outcomes.add(`${flaskAnswer.cookie.kind}${flaskAnswer.record ? '+record' : ''}`);
      const why = difference(flaskAnswer, nodeAnswer, requestedSids[i], config);
      if (why !== undefined) tally.differing.push(`sequence ${i} step ${step} ${JSON.stringify(requests[i]!.actions)} (cookie ${requests[i]!.cookie ?? 'none'}): ${why}`);
      // The browser and the store keep one side's answer, alternately.
      const kept = (step + i) % 2 === 0 ? flaskAnswer : nodeAnswer;
      jars[i] = kept.cookie.kind === 'set' ? kept.cookie.value : kept.cookie.kind === 'delete' ? undefined : requests[i]!.cookie;
      stores[i] = kept.sid === undefined ? undefined : kept.record;
    });
    // Start the next step from a clean slate under both prefixes.
    const keys = new Set<string>();
    answers.forEach(({ flaskAnswer, nodeAnswer }, i) => {
      for (const sid of [requestedSids[i], flaskAnswer.sid, nodeAnswer.sid]) if (sid) for (const prefix of Object.values(prefixes)) keys.add(prefix + sid);
    });
    if (keys.size > 0) await redis.del([...keys]);
  }
  return tally;
}

describe('random request sequences: sessionkit and Flask-Session 0.8 send the same cookies and store the same records', () => {
  it.each<Config>([
    { permanent: true, refreshEachRequest: true, useSigner: true, format: 'msgpack', idLength: 32, seed: 1 },
    { permanent: false, refreshEachRequest: true, useSigner: false, format: 'json', idLength: 16, seed: 2 },
    { permanent: true, refreshEachRequest: false, useSigner: false, format: 'msgpack', idLength: 48, seed: 3 },
    { permanent: false, refreshEachRequest: false, useSigner: true, format: 'json', idLength: 32, seed: 4 },
  ])('SESSION_PERMANENT $permanent, refresh $refreshEachRequest, signer $useSigner, $format, ids of $idLength bytes', async (config) => {
    const tally = await compare(config);
    expect(tally.steps).toBe(SEQUENCES * STEPS);
    // The sequences reach every outcome: nothing, a stored session with its cookie, a deletion.
    for (const outcome of ['none', 'set+record', 'delete']) expect(tally.outcomes).toContain(outcome);
    expect(tally.differing.slice(0, 10)).toEqual([]);
    expect(tally.differing).toHaveLength(0);
  });
});
