/**
 * sessionkit's CookieSessionInterface against real Flask (python3-flask, one process for the
 * file), step by step over seeded random request sequences. Both sides get the same request —
 * the browser's one cookie jar and the same session actions — and must answer alike: the same
 * cookie action (none, set, delete), the same data in the cookie, `Expires` within 2 s, the same
 * attributes and `Vary`. The jar then takes one side's answer, alternating, so each side also
 * keeps reading the other's cookies.
 *
 * Vary follows Flask 3.1's rule (any use of the session marks it accessed); the Python side
 * applies that rule on older Flask (see `FLASK_TRACKS_ONLY_ITEM_ACCESS`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { FlaskApp, type FlaskAction } from './helpers/flask.js';
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

const SECRET = 'sequence secret: the same on both sides';
const SEQUENCES = 100;
const STEPS = 20;
const LIFETIME = 3600;

let flask: FlaskApp;

beforeAll(() => {
  flask = FlaskApp.start();
});

afterAll(async () => {
  await flask?.close();
});

/** One side's answer to a step. */
interface Answer {
  cookie: CookieOutcome;
  vary: boolean;
}

/** Why two answers differ, or `undefined` when they agree. */
function difference(iface: CookieSessionInterface, flaskAnswer: Answer, nodeAnswer: Answer): string | undefined {
  const f = flaskAnswer.cookie;
  const n = nodeAnswer.cookie;
  if (f.kind !== n.kind) return `cookie: Flask ${f.kind}, sessionkit ${n.kind}`;
  if (flaskAnswer.vary !== nodeAnswer.vary) return `Vary: Flask ${flaskAnswer.vary}, sessionkit ${nodeAnswer.vary}`;
  if (f.kind === 'none') return undefined;
  if (JSON.stringify(f.attributes) !== JSON.stringify(n.attributes)) return `attributes: Flask ${f.attributes}, sessionkit ${n.attributes}`;
  if ((f.expires === null) !== (n.expires === null)) return `Expires: Flask ${f.expires}, sessionkit ${n.expires}`;
  if (f.expires != null && n.expires != null && Math.abs(f.expires - n.expires) > EXPIRES_SLACK_MS) return `Expires: Flask ${f.expires}, sessionkit ${n.expires}`;
  if (f.kind === 'set') {
    const flaskData = iface.decode(f.value!);
    const nodeData = iface.decode(n.value!);
    if (flaskData === null || nodeData === null) return 'a cookie that does not open';
    if (JSON.stringify(flaskData) !== JSON.stringify(nodeData)) return `data: Flask ${JSON.stringify(flaskData)}, sessionkit ${JSON.stringify(nodeData)}`;
  }
  return undefined;
}

interface Tally {
  steps: number;
  differing: string[];
  kinds: Record<string, number>;
}

async function compare(config: { refreshEachRequest: boolean; seed: number }): Promise<Tally> {
  const flaskConfig = {
    SESSION_REFRESH_EACH_REQUEST: config.refreshEachRequest,
    PERMANENT_SESSION_LIFETIME: LIFETIME,
    SESSION_COOKIE_SAMESITE: 'Lax',
  };
  const iface = new CookieSessionInterface({
    secret: SECRET,
    refreshEachRequest: config.refreshEachRequest,
    permanentLifetime: LIFETIME,
    sameSite: 'Lax',
  });
  const random = prng(config.seed);
  const tally: Tally = { steps: 0, differing: [], kinds: {} };
  // The sequences are independent, so step k of all of them goes to Flask in one round trip,
  // and sessionkit answers while Flask works.
  const jars: (string | undefined)[] = Array.from({ length: SEQUENCES }, () => undefined);
  for (let step = 0; step < STEPS; step++) {
    const requests = jars.map((jar) => {
      const event = randomBrowserEvent(random);
      const sent = event === 'drop' ? undefined : event === 'garble' && jar ? `${jar.slice(0, -3)}xyz` : jar;
      const actions: FlaskAction[] = randomActions(random);
      return { cookie: sent, actions };
    });
    const fromFlask = flask.steps({ secret: SECRET, config: flaskConfig, requests });
    const nodeAnswers = requests.map(({ cookie, actions }): Answer => {
      const session = iface.open(cookie === undefined ? undefined : `session=${cookie}`);
      applyActions(session, actions);
      const saved = iface.saveSync(session);
      return { cookie: cookieOutcome(saved.setCookie), vary: saved.vary };
    });
    const flaskAnswers = (await fromFlask).map((answer): Answer => ({ cookie: cookieOutcome(answer.set_cookie), vary: variesOnCookie(answer.vary) }));

    requests.forEach(({ cookie, actions }, sequence) => {
      const flaskAnswer = flaskAnswers[sequence]!;
      const nodeAnswer = nodeAnswers[sequence]!;
      tally.steps++;
      const kind = `${flaskAnswer.cookie.kind}${flaskAnswer.cookie.expires ? '+expires' : ''}`;
      tally.kinds[kind] = (tally.kinds[kind] ?? 0) + 1;
      const why = difference(iface, flaskAnswer, nodeAnswer);
      if (why !== undefined) tally.differing.push(`sequence ${sequence} step ${step} ${JSON.stringify(actions)} (cookie ${cookie ?? 'none'}): ${why}`);
      // The browser keeps one side's answer, alternately.
      const kept = (step + sequence) % 2 === 0 ? flaskAnswer.cookie : nodeAnswer.cookie;
      if (kept.kind === 'set') jars[sequence] = kept.value;
      else if (kept.kind === 'delete') jars[sequence] = undefined;
      else jars[sequence] = cookie;
    });
  }
  return tally;
}

describe('random request sequences: sessionkit and Flask send the same cookies', () => {
  it.each([
    { refreshEachRequest: true, seed: 20260301 },
    { refreshEachRequest: false, seed: 20260302 },
  ])('refresh-each-request $refreshEachRequest: every step agrees', async (config) => {
    const tally = await compare(config);
    expect(tally.steps).toBe(SEQUENCES * STEPS);
    // The sequences reach every outcome: no cookie, a session cookie, a permanent one, a deletion.
    expect(Object.keys(tally.kinds).sort()).toEqual(['delete', 'none', 'set', 'set+expires']);
    expect(tally.differing.slice(0, 10)).toEqual([]);
    expect(tally.differing).toHaveLength(0);
  });
});
