/**
 * SealedCookieSessionInterface against the real iron-session 8 over HTTP: an iron-session
 * node:http server and a sessionkit server (`sessionkit/node` withSession) share one browser's
 * cookie. Users keep their sessions when an app moves from iron-session to sessionkit and back,
 * through a password rotation, and across expiry with both clocks moved; a fuzz of the cookie
 * value through the whole interface never crashes a request and never yields data.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getIronSession, sealData, type SessionOptions } from 'iron-session';
import { withSession } from '../../src/adapters/node.js';
import { IronSealer, parseCookies, SealedCookieSessionInterface, TIMESTAMP_SKEW_MS, type SealedCookieSessionOptions } from '../../src/index.js';
import { listen, parseSetCookie, type RunningApp } from '../adapters/support/http.js';

const COOKIE = 'app_session';
const PASSWORD = 'interop-iron-password-interop-iron-pw-01';
const OLD = 'interop-the-old-password-interop-old-pw-1';
const NEW = 'interop-the-new-password-interop-new-pw-2';

interface AppData {
  visits?: number;
  user?: string;
}

/** What both servers answer: the session's data (without sessionkit's `_permanent`). */
type Body = Record<string, unknown>;

/**
 * The routes of the app, once for iron-session and once for sessionkit: `/visit` counts,
 * `/login?name=` logs in, `/logout` ends the session, `/read` only reads.
 */
function ironApp(options: SessionOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const session = await getIronSession<AppData>(req, res, options);
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname === '/visit') {
        session.visits = (session.visits ?? 0) + 1;
        await session.save();
      } else if (url.pathname === '/login') {
        session.user = url.searchParams.get('name') ?? 'ada';
        await session.save();
      } else if (url.pathname === '/logout') {
        session.destroy();
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ...session }));
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  };
}

function sessionkitApp(options: Omit<SealedCookieSessionOptions, 'cookieName'>) {
  const sessionInterface = new SealedCookieSessionInterface<AppData & { when?: Date }>({ cookieName: COOKIE, ...options });
  return withSession({ sessionInterface, onError: (_error, _req, res) => void res.writeHead(500).end('session error') }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const session = req.session;
    if (url.pathname === '/visit') session.set('visits', (session.get('visits') ?? 0) + 1);
    else if (url.pathname === '/login') session.set('user', url.searchParams.get('name') ?? 'ada');
    else if (url.pathname === '/logout') session.clear();
    else if (url.pathname === '/date') session.set('when', new Date(0));
    const { _permanent: _hidden, ...data } = session.toObject() as Body;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(data));
  });
}

interface Reply {
  status: number;
  body: string;
  setCookie: string[];
}

/** GET over node:http (unaffected by a faked Date), with an optional Cookie header. */
function get(url: string, cookie?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: cookie === undefined ? {} : { cookie } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One browser visiting several servers of the same site: one cookie jar for all of them. */
class Browser {
  readonly jar = new Map<string, string>();

  async visit(app: RunningApp, path: string): Promise<{ reply: Reply; data: Body }> {
    const cookie = this.jar.size === 0 ? undefined : [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const reply = await get(app.url + path, cookie);
    for (const line of reply.setCookie) {
      const parsed = parseSetCookie(line);
      if (parsed.value === '' || parsed.attributes.get('max-age') === '0') this.jar.delete(parsed.name);
      else this.jar.set(parsed.name, parsed.value);
    }
    expect(reply.status, reply.body).toBe(200);
    return { reply, data: JSON.parse(reply.body) as Body };
  }

  get seal(): string {
    const value = this.jar.get(COOKIE);
    if (value === undefined) throw new Error('no session cookie in the jar');
    return value;
  }
}

const running: RunningApp[] = [];
async function start(handler: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<RunningApp> {
  const app = await listen(createServer((req, res) => void handler(req, res)));
  running.push(app);
  return app;
}

afterAll(async () => {
  await Promise.all(running.map((app) => app.close()));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('moving an app from iron-session to sessionkit, and back', () => {
  let iron: RunningApp;
  let sessionkit: RunningApp;

  beforeAll(async () => {
    iron = await start(ironApp({ password: PASSWORD, cookieName: COOKIE }));
    sessionkit = await start(sessionkitApp({ password: PASSWORD }));
  });

  it('a user logged in under iron-session keeps the session under sessionkit, then under iron-session again', async () => {
    const browser = new Browser();
    await browser.visit(iron, '/visit');
    await browser.visit(iron, '/login?name=grace');
    expect((await browser.visit(iron, '/visit')).data).toEqual({ visits: 2, user: 'grace' });

    const moved = await browser.visit(sessionkit, '/visit');
    expect(moved.data).toEqual({ visits: 3, user: 'grace' });
    expect(moved.reply.setCookie).toHaveLength(1);

    expect((await browser.visit(iron, '/read')).data).toEqual({ visits: 3, user: 'grace' });
    expect((await browser.visit(iron, '/visit')).data).toEqual({ visits: 4, user: 'grace' });
    expect((await browser.visit(sessionkit, '/read')).data).toEqual({ visits: 4, user: 'grace' });
  });

  it("a session started by sessionkit opens in iron-session with exactly the app's data", async () => {
    const browser = new Browser();
    await browser.visit(sessionkit, '/login?name=ada');
    expect((await browser.visit(iron, '/read')).data).toEqual({ user: 'ada' });
    expect(new IronSealer({ password: PASSWORD }).unseal(browser.seal)).toEqual({ user: 'ada' });
  });

  it("the cookie keeps iron-session's name, value shape and attributes (Expires where iron-session sends Max-Age)", async () => {
    const browser = new Browser();
    const ironLine = (await browser.visit(iron, '/visit')).reply.setCookie[0]!;
    const ourLine = (await browser.visit(sessionkit, '/visit')).reply.setCookie[0]!;
    const theirs = parseSetCookie(ironLine);
    const ours = parseSetCookie(ourLine);
    expect(ours.name).toBe(theirs.name);
    expect(ours.value).toMatch(/^Fe26\.2\*1\*[0-9a-f]{64}\*[\w-]+\*[\w-]+\*\d+\*[0-9a-f]{64}\*[\w-]{43}~2$/);
    expect(theirs.value).toMatch(/^Fe26\.2\*1\*[0-9a-f]{64}\*[\w-]+\*[\w-]+\*\d+\*[0-9a-f]{64}\*[\w-]{43}~2$/);
    for (const attribute of ['path', 'httponly', 'secure', 'samesite']) expect(ours.attributes.get(attribute), attribute).toBe(theirs.attributes.get(attribute));
    expect(theirs.attributes.get('samesite')).toBe('Lax');
    expect(Number(theirs.attributes.get('max-age'))).toBe(14 * 86_400 - 60);
    expect(Date.parse(ours.attributes.get('expires')!) - Date.now()).toBeGreaterThan(14 * 86_400_000 - 120_000);
  });

  it('logging out on either side ends the session on both', async () => {
    const browser = new Browser();
    await browser.visit(iron, '/login?name=ada');
    expect((await browser.visit(sessionkit, '/logout')).reply.setCookie[0]).toMatch(new RegExp(`^${COOKIE}=; Max-Age=0;`));
    expect(browser.jar.has(COOKIE)).toBe(false);
    expect((await browser.visit(iron, '/read')).data).toEqual({});

    await browser.visit(sessionkit, '/login?name=bob');
    await browser.visit(iron, '/logout');
    expect(browser.jar.has(COOKIE)).toBe(false);
    expect((await browser.visit(sessionkit, '/read')).data).toEqual({});
  });

  it('a value JSON cannot hold fails that request (500, no cookie) and the session stays as it was', async () => {
    const browser = new Browser();
    await browser.visit(sessionkit, '/login?name=ada');
    const before = browser.seal;
    const cookie = `${COOKIE}=${before}`;
    const failed = await get(`${sessionkit.url}/date`, cookie);
    expect(failed.status).toBe(500);
    expect(failed.setCookie).toEqual([]);
    expect(failed.body).toBe('session error');
    expect((await browser.visit(iron, '/read')).data).toEqual({ user: 'ada' });
  });
});

describe('password rotation across the two libraries', () => {
  it('iron-session with the old password → sessionkit with both → iron-session with only the new one', async () => {
    const ironOld = await start(ironApp({ password: { 1: OLD }, cookieName: COOKIE }));
    const rotated = await start(sessionkitApp({ password: { 1: OLD, 2: NEW } }));
    const ironNew = await start(ironApp({ password: { 2: NEW }, cookieName: COOKIE }));
    const browser = new Browser();
    await browser.visit(ironOld, '/login?name=ada');
    expect(browser.seal.split('*')[1]).toBe('1');
    expect((await browser.visit(ironNew, '/read')).data).toEqual({});

    expect((await browser.visit(rotated, '/visit')).data).toEqual({ user: 'ada', visits: 1 });
    expect(browser.seal.split('*')[1]).toBe('2');
    expect((await browser.visit(ironNew, '/visit')).data).toEqual({ user: 'ada', visits: 2 });
    expect((await browser.visit(rotated, '/read')).data).toEqual({ user: 'ada', visits: 2 });
  });

  it('sessionkit with the old password → iron-session with both → sessionkit with only the new one', async () => {
    const ours = await start(sessionkitApp({ password: { 1: OLD } }));
    const ironRotated = await start(ironApp({ password: { 1: OLD, 2: NEW }, cookieName: COOKIE }));
    const oursNew = await start(sessionkitApp({ password: { 2: NEW } }));
    const browser = new Browser();
    await browser.visit(ours, '/login?name=ada');
    expect((await browser.visit(oursNew, '/read')).data).toEqual({});
    expect((await browser.visit(ironRotated, '/visit')).data).toEqual({ user: 'ada', visits: 1 });
    expect((await browser.visit(oursNew, '/visit')).data).toEqual({ user: 'ada', visits: 2 });
  });
});

describe('expiry, with both clocks moved', () => {
  const T = Date.UTC(2031, 6, 1, 10, 0, 0);
  const TTL = 3600;

  it('an iron-session cookie opens in sessionkit until its expiration plus the 60 s skew', async () => {
    let now = T;
    const iron = await start(ironApp({ password: PASSWORD, cookieName: COOKIE, ttl: TTL }));
    const ours = await start(sessionkitApp({ password: PASSWORD, ttl: TTL, clock: () => now }));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T);
    const browser = new Browser();
    await browser.visit(iron, '/login?name=ada');
    const seal = browser.seal;
    expect(Number(seal.split('*')[5])).toBe(T + TTL * 1000);
    now = T + TTL * 1000 + TIMESTAMP_SKEW_MS - 1;
    expect(JSON.parse((await get(`${ours.url}/read`, `${COOKIE}=${seal}`)).body)).toEqual({ user: 'ada' });
    now += 1;
    expect(JSON.parse((await get(`${ours.url}/read`, `${COOKIE}=${seal}`)).body)).toEqual({});
  });

  it('a sessionkit cookie opens in iron-session exactly until the cookie expires, not after', async () => {
    const ours = await start(sessionkitApp({ password: PASSWORD, ttl: TTL, clock: () => T }));
    const iron = await start(ironApp({ password: PASSWORD, cookieName: COOKIE, ttl: TTL }));
    const browser = new Browser();
    const line = (await browser.visit(ours, '/login?name=ada')).reply.setCookie[0]!;
    const cookieEnd = Date.parse(parseSetCookie(line).attributes.get('expires')!);
    expect(cookieEnd).toBe(T + TTL * 1000);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(cookieEnd - 1);
    expect(JSON.parse((await get(`${iron.url}/read`, `${COOKIE}=${browser.seal}`)).body)).toEqual({ user: 'ada' });
    vi.setSystemTime(cookieEnd);
    expect(JSON.parse((await get(`${iron.url}/read`, `${COOKIE}=${browser.seal}`)).body)).toEqual({});
  });

  it("iron-session's default ttl is sessionkit's; a longer iron-session ttl is refused here", async () => {
    const ours = await start(sessionkitApp({ password: PASSWORD }));
    const fourteen = await sealData({ user: 'ada' }, { password: PASSWORD });
    expect(JSON.parse((await get(`${ours.url}/read`, `${COOKIE}=${fourteen}`)).body)).toEqual({ user: 'ada' });
    const thirty = await sealData({ user: 'ada' }, { password: PASSWORD, ttl: 30 * 86_400 });
    expect(JSON.parse((await get(`${ours.url}/read`, `${COOKIE}=${thirty}`)).body)).toEqual({});
    const forever = await sealData({ user: 'ada' }, { password: PASSWORD, ttl: 0 });
    expect(JSON.parse((await get(`${ours.url}/read`, `${COOKIE}=${forever}`)).body)).toEqual({});
  });
});

describe('tampering: a fuzz of the cookie value through the whole interface', () => {
  /** Deterministic PRNG (mulberry32), so a failure is reproducible from its seed. */
  function prng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Up to five random edits of `text` from `alphabet`: replace, delete a run, duplicate a run, flip a bit, swap components. */
  function mutate(text: string, random: () => number, alphabet: readonly string[]): string {
    const pick = (n: number) => Math.floor(random() * n);
    let out = text;
    for (let e = 1 + pick(5); e > 0; e--) {
      const at = pick(out.length + 1);
      switch (pick(5)) {
        case 0:
          out = out.slice(0, at) + alphabet[pick(alphabet.length)]! + out.slice(at + 1);
          break;
        case 1:
          out = out.slice(0, at) + out.slice(at + 1 + pick(8));
          break;
        case 2:
          out = out.slice(0, at) + out.slice(at, at + 1 + pick(20)) + out.slice(at);
          break;
        case 3: {
          const flipped = (out.charCodeAt(at) || 65) ^ (1 << pick(7));
          out = out.slice(0, at) + String.fromCharCode(flipped) + out.slice(at + 1);
          break;
        }
        default: {
          const parts = out.split('*');
          const i = pick(parts.length);
          const j = pick(parts.length);
          [parts[i], parts[j]] = [parts[j]!, parts[i]!];
          out = parts.join('*');
        }
      }
    }
    return out;
  }

  const DATA = { user: 'admin', role: 'root' };

  async function originals(): Promise<string[]> {
    const ours = new SealedCookieSessionInterface({ password: PASSWORD, cookieName: COOKIE }).encode(DATA);
    return [ours, await sealData(DATA, { password: PASSWORD })];
  }

  it('4,000 mutations through open, read and save: no exception, no data, no cookie (seed 7331)', async () => {
    const iface = new SealedCookieSessionInterface<Body>({ password: PASSWORD, cookieName: COOKIE });
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_*~.=;, %"\\é\u0000🔑'];
    const random = prng(7331);
    const seals = await originals();
    let tried = 0;
    for (let round = 0; round < 4000; round++) {
      const original = seals[round % seals.length]!;
      const value = mutate(original, random, alphabet);
      const header = `other=1; ${COOKIE}=${value}`;
      // A mutation the cookie parser undoes (a trailing "; x", spaces, quotes, %-escapes) is no tampering.
      if (parseCookies(header)[COOKIE] === original) continue;
      const session = iface.open(header);
      expect(session.get('user'), value).toBeUndefined();
      expect(session.size, value).toBe(0);
      expect(await iface.save(session), value).toEqual({ setCookie: [], vary: true });
      tried++;
    }
    expect(tried).toBeGreaterThan(3800);
    expect(iface.open(`${COOKIE}=${seals[0]}`).toObject()).toEqual(DATA);
    expect(iface.open(`${COOKIE}=${seals[1]}`).toObject()).toEqual({ ...DATA, _permanent: true });
  });

  it('300 mutations sent to a sessionkit server: every answer 200 with an empty session (seed 9001)', async () => {
    const server = await start(sessionkitApp({ password: PASSWORD }));
    // What an HTTP client can put in a header: printable ASCII.
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_*~.=;, %"\\!#$&\'()+/:<>?@[]^`{|}'];
    const random = prng(9001);
    const seals = await originals();
    for (let round = 0; round < 300; round++) {
      const original = seals[round % seals.length]!;
      const value = mutate(original, random, alphabet).replace(/[^\x20-\x7e]/g, 'A');
      if (parseCookies(`${COOKIE}=${value}`)[COOKIE] === original) continue;
      const reply = await get(`${server.url}/read`, `${COOKIE}=${value}`);
      expect(reply.status, value).toBe(200);
      expect(JSON.parse(reply.body), value).toEqual({});
      expect(reply.setCookie, value).toEqual([]);
    }
    expect(JSON.parse((await get(`${server.url}/read`, `${COOKIE}=${seals[1]}`)).body)).toEqual(DATA);
  });
});
