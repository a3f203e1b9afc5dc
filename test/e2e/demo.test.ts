/**
 * The demo behind `npm start`, driven in headless Chromium: the real server on a free port with
 * a temporary data folder, real cookies, real forms, no mocks.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { chromium, type Browser, type BrowserContext, type Cookie, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { startDemo, type RunningDemo } from '../../demo/app.js';
import { availableSessionTypes } from '../../demo/session-backend.js';

const CHROMIUM = '/usr/bin/chromium';
const LAUNCH_OPTIONS = {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};
const LIFETIME_SECONDS = 600;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Session types the main flow runs on: signed cookies and SQLite, plus memory and files when this checkout has those stores. */
const FLOW_TYPES = ['cookie', 'sqlite', 'memory', 'filesystem'].filter((type) => availableSessionTypes().includes(type));
/** Types also checked for permanence and a browser restart: one client-side, one server-side. */
const DEEP_TYPES = ['cookie', 'sqlite'];

/** Browser scenarios run concurrently, this many at a time (each in its own context). */
const PARALLEL_SCENARIOS = 3;
/** Per test, time spent waiting for a slot included; a single browser action times out much sooner. */
const SCENARIO_TIMEOUT_MS = 120_000;
const ACTION_TIMEOUT_MS = 15_000;

let browser: Browser;
const cleanups: Array<() => Promise<void>> = [];

let running = 0;
const waiting: Array<() => void> = [];

/** Runs `body` once one of the `PARALLEL_SCENARIOS` slots is free. */
async function inSlot<T>(body: () => Promise<T>): Promise<T> {
  if (running < PARALLEL_SCENARIOS) running++;
  // Otherwise wait for a finishing scenario to hand its slot over.
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await body();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** A test that drives the browser; `expect` is the test's own (tests run concurrently). */
function scenario(name: string, body: (expect: ExpectStatic) => Promise<void>): void {
  it(name, ({ expect }) => inSlot(() => body(expect)), SCENARIO_TIMEOUT_MS);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: these browser tests need it. Run \`apt-get install chromium\`.`);
  }
  browser = await chromium.launch(LAUNCH_OPTIONS);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser?.close();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the demo in this process on a free port with its own data folder. */
async function launchDemo(sessionType: string): Promise<RunningDemo> {
  const demo = await startDemo({ port: 0, sessionType, dataDir: await tempDir(`demo-${sessionType}-`) });
  cleanups.push(() => demo.close());
  return demo;
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  cleanups.push(() => context.close());
  return { context, page: await context.newPage() };
}

/** Clicks a submit button and waits for the page the POST redirects to. */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

function byTestId(page: Page, id: string): Promise<string> {
  return page.locator(`[data-testid="${id}"]`).innerText();
}

async function cookieNamed(context: BrowserContext, name: string): Promise<Cookie | undefined> {
  return (await context.cookies()).find((cookie) => cookie.name === name);
}

async function flashes(page: Page): Promise<string> {
  const list = page.locator('.flashes');
  return (await list.count()) === 0 ? '' : list.innerText();
}

async function addToCart(page: Page, site: string, productId: string): Promise<void> {
  if (page.url() !== `${site}/cart`) await page.goto(`${site}/cart`);
  await submit(page, `[data-testid="add-${productId}"]`);
}

async function logIn(page: Page, site: string, username: string, password: string): Promise<void> {
  await page.goto(`${site}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await submit(page, 'form.card button[type="submit"]');
}

/** Seconds from now until a cookie's expiry. */
function secondsLeft(cookie: Cookie): number {
  return cookie.expires - Date.now() / 1000;
}

describe.concurrent.each(FLOW_TYPES)('SESSION_TYPE=%s', (sessionType) => {
  let demo: RunningDemo;

  beforeAll(async () => {
    demo = await launchDemo(sessionType);
  });

  scenario('keeps the cart through log-in, shows the profile, and logout ends it all', async (expect) => {
    const { context, page } = await newPage();
    await addToCart(page, demo.url, 'tea');
    await addToCart(page, demo.url, 'tea');
    await addToCart(page, demo.url, 'hat');
    expect(await flashes(page)).toContain('Added Top hat (1 in your cart)');
    expect(await byTestId(page, 'cart-count')).toBe('3');

    const anonymous = await cookieNamed(context, 'session');
    expect(anonymous).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/', expires: -1 });

    await logIn(page, demo.url, 'alice', 'wonderland');
    expect(new URL(page.url()).pathname).toBe('/profile');
    expect(await byTestId(page, 'profile-user')).toBe('alice');
    expect(await flashes(page)).toContain('Welcome, alice!');
    const loggedIn = await cookieNamed(context, 'session');
    expect(loggedIn?.value).toBeTruthy();
    expect(loggedIn?.value).not.toBe(anonymous?.value);
    expect(loggedIn).toMatchObject({ httpOnly: true, sameSite: 'Lax', expires: -1 });

    await page.reload();
    expect(await byTestId(page, 'profile-user')).toBe('alice');
    expect(await flashes(page)).toBe('');
    await page.goto(`${demo.url}/cart`);
    expect(await byTestId(page, 'qty-tea')).toBe('2');
    expect(await byTestId(page, 'qty-hat')).toBe('1');
    await page.goto(`${demo.url}/`);
    expect(await byTestId(page, 'whoami')).toContain('logged in as alice');

    // The cookie from before log-in does not carry the log-in.
    const { context: other, page: otherPage } = await newPage();
    await other.addCookies([{ name: 'session', value: anonymous!.value, url: demo.url }]);
    await otherPage.goto(`${demo.url}/profile`);
    expect(new URL(otherPage.url()).pathname).toBe('/login');

    await submit(page, 'header form[action="/logout"] button');
    expect(await flashes(page)).toContain('You have been logged out.');
    expect(await byTestId(page, 'whoami')).toContain('not logged in');
    expect(await byTestId(page, 'cart-count')).toBe('0');
    expect(await cookieNamed(context, 'session')).toBeUndefined();

    await page.goto(`${demo.url}/profile`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await flashes(page)).toContain('Please log in to see your profile.');
    await page.goto(`${demo.url}/cart`);
    expect(await page.locator('[data-testid="cart-empty"]').count()).toBe(1);
  });

  if (DEEP_TYPES.includes(sessionType)) {
    scenario('makes /set_session permanent for 10 minutes, while a cart-only session ends with the browser', async (expect) => {
      const { context, page } = await newPage();
      await addToCart(page, demo.url, 'tarts');
      expect((await cookieNamed(context, 'session'))?.expires).toBe(-1);

      await page.goto(`${demo.url}/set_session`);
      await page.fill('#username', 'mad hatter');
      await page.fill('#email', 'hatter@example.org');
      await submit(page, 'form.card button[type="submit"]');
      expect(new URL(page.url()).pathname).toBe('/get_session');
      expect(await byTestId(page, 'session-username')).toBe('mad hatter');
      expect(await byTestId(page, 'session-email')).toBe('hatter@example.org');
      expect(await byTestId(page, 'session-visits')).toBe('1');
      const permanent = await cookieNamed(context, 'session');
      expect(permanent).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      expect(Math.abs(secondsLeft(permanent!) - LIFETIME_SECONDS)).toBeLessThan(60);

      // The nested dict changed in place is saved too.
      await page.reload();
      expect(await byTestId(page, 'session-visits')).toBe('2');

      await page.goto(`${demo.url}/inspect`);
      expect(await byTestId(page, 'inspect-type')).toBe(sessionType);
      expect(await byTestId(page, 'inspect-permanent')).toBe('yes');
      expect(await byTestId(page, 'inspect-httponly')).toMatch(/^yes/);
      expect(await byTestId(page, 'inspect-samesite')).toBe('Lax');
      expect(await byTestId(page, 'inspect-expires')).toMatch(/GMT \(in (9|10) min/);
      const data = JSON.parse(await byTestId(page, 'inspect-data')) as Record<string, unknown>;
      expect(data).toMatchObject({ username: 'mad hatter', info: { email: 'hatter@example.org', visits: 2 }, cart: { tarts: 1 }, _permanent: true });

      await page.goto(`${demo.url}/del_session`);
      await submit(page, 'form.card button[type="submit"]');
      expect(await page.locator('[data-testid="session-empty"]').count()).toBe(1);
      expect((await cookieNamed(context, 'session'))?.expires).toBe(-1);
    });

    /**
     * One browser profile, two sites of the same server: `localhost` gets a permanent session,
     * `127.0.0.1` (a different cookie host) a browser-session one. The browser is then closed for
     * real and started again on the same profile, and decides itself which cookies survive.
     */
    scenario('keeps the permanent session and the 30-second cookie, loses the browser-session ones', async (expect) => {
      const permanentSite = demo.url;
      const browserSessionSite = demo.url.replace('//localhost:', '//127.0.0.1:');
      const profile = await tempDir('demo-profile-');
      const open = async (): Promise<{ context: BrowserContext; page: Page }> => {
        const context = await chromium.launchPersistentContext(profile, LAUNCH_OPTIONS);
        context.setDefaultTimeout(ACTION_TIMEOUT_MS);
        return { context, page: context.pages()[0] ?? (await context.newPage()) };
      };

      const first = await open();
      try {
        const { page } = first;
        await page.goto(`${permanentSite}/set_session`);
        await submit(page, 'form.card button[type="submit"]');
        await page.goto(`${permanentSite}/set_cookie`);
        await submit(page, 'form.card button[type="submit"]');
        await addToCart(page, browserSessionSite, 'hat');
        await logIn(page, browserSessionSite, 'alice', 'wonderland');
        expect(await byTestId(page, 'profile-user')).toBe('alice');
      } finally {
        await first.context.close();
      }

      const second = await open();
      try {
        const { context, page } = second;
        const kept = (await context.cookies()).map((cookie) => `${cookie.domain} ${cookie.name}`).sort();
        expect(kept).toEqual(['localhost session', 'localhost short_lived']);
        await page.goto(`${permanentSite}/get_session`);
        expect(await byTestId(page, 'session-username')).toBe('hatter');
        await page.goto(`${browserSessionSite}/profile`);
        expect(new URL(page.url()).pathname).toBe('/login');
        expect(await byTestId(page, 'cart-count')).toBe('0');
      } finally {
        await second.context.close();
      }
    });
  }
});

describe.concurrent('SESSION_TYPE=sqlite in depth', () => {
  let demo: RunningDemo;

  beforeAll(async () => {
    demo = await launchDemo('sqlite');
  });

  scenario('shows in the inspector the id of the record kept in the SQLite file', async (expect) => {
    const { context, page } = await newPage();
    await page.goto(`${demo.url}/inspect`);
    expect(await byTestId(page, 'inspect-new')).toMatch(/^yes/);
    expect(await byTestId(page, 'inspect-expires')).toContain('no session cookie yet');

    await addToCart(page, demo.url, 'watch');
    await page.goto(`${demo.url}/inspect`);
    const id = await byTestId(page, 'inspect-id');
    const cookie = await cookieNamed(context, 'session');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie?.value).toBe(id);
    expect(await byTestId(page, 'inspect-new')).toBe('no');
    expect(await byTestId(page, 'inspect-record-key')).toBe(`session:${id}`);
    expect(await byTestId(page, 'inspect-expires')).toContain('browser session');

    const db = new Database(join(demo.dataDir, 'sessions.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT value, expires_at FROM sessions WHERE key = ?').get(`session:${id}`) as { value: Buffer; expires_at: number } | undefined;
      expect(row).toBeDefined();
      const stored = JSON.parse(row!.value.toString('utf8')) as { d: Record<string, unknown> };
      expect(stored.d).toMatchObject({ cart: { watch: 1 } });
      expect(JSON.parse(await byTestId(page, 'inspect-data'))).toEqual(stored.d);

      // Log-in moves the data to a new id and removes the old record.
      await logIn(page, demo.url, 'alice', 'wonderland');
      const newId = (await cookieNamed(context, 'session'))?.value;
      expect(newId).toBeTruthy();
      expect(newId).not.toBe(id);
      expect(db.prepare('SELECT 1 FROM sessions WHERE key = ?').get(`session:${id}`)).toBeUndefined();
      const moved = db.prepare('SELECT value FROM sessions WHERE key = ?').get(`session:${newId}`) as { value: Buffer } | undefined;
      expect(JSON.parse(moved!.value.toString('utf8'))).toMatchObject({ d: { cart: { watch: 1 }, user: 'alice' } });

      await page.goto(`${demo.url}/inspect`);
      expect(await byTestId(page, 'inspect-id')).toBe(newId);

      // Logging out removes the record.
      await submit(page, 'header form[action="/logout"] button');
      expect(db.prepare('SELECT 1 FROM sessions WHERE key = ?').get(`session:${newId}`)).toBeUndefined();
    } finally {
      db.close();
    }
  });

  scenario('sets, shows and deletes plain cookies, one of them for 30 seconds', async (expect) => {
    const { context, page } = await newPage();
    await page.goto(`${demo.url}/set_cookie`);
    expect(await page.locator('main').innerText()).toContain('30 seconds');
    await page.fill('#color', '<b>"red" & blue</b>');
    await submit(page, 'form.card button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/get_cookie');
    expect(await page.locator('[data-testid="cookie-favorite_color"] code').innerText()).toBe('<b>"red" & blue</b>');
    expect(await page.locator('main b').count()).toBe(0);
    expect(await byTestId(page, 'cookie-short_lived')).toMatch(/^\d{4}-\d\d-\d\dT/);

    const favorite = await cookieNamed(context, 'favorite_color');
    const shortLived = await cookieNamed(context, 'short_lived');
    expect(favorite).toMatchObject({ expires: -1, httpOnly: true, sameSite: 'Lax' });
    expect(Math.abs(secondsLeft(shortLived!) - 30)).toBeLessThan(5);

    await page.goto(`${demo.url}/del_cookie`);
    await submit(page, 'form.card button[type="submit"]');
    expect(await byTestId(page, 'cookie-favorite_color')).toContain('not set');
    expect(await byTestId(page, 'cookie-short_lived')).toContain('not set');
    expect(await cookieNamed(context, 'favorite_color')).toBeUndefined();
    expect(await cookieNamed(context, 'short_lived')).toBeUndefined();
  });

  scenario('shows a username like <script> as text, never running it', async (expect) => {
    const { page } = await newPage();
    const name = '<script>window.__pwned=1</script>';
    await page.goto(`${demo.url}/register`);
    await page.fill('#username', name);
    await page.fill('#password', 'correct horse');
    await submit(page, 'form.card button[type="submit"]');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await flashes(page)).toContain(`Account ${name} created.`);

    await logIn(page, demo.url, name, 'correct horse');
    expect(new URL(page.url()).pathname).toBe('/profile');
    expect(await byTestId(page, 'profile-user')).toBe(name);
    expect(await page.locator('header .who').innerText()).toBe(name);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.evaluate(() => document.scripts.length)).toBe(0);
    await page.goto(`${demo.url}/`);
    expect(await byTestId(page, 'whoami')).toBe(`You are logged in as ${name}.`);
  });

  scenario('refuses a form without its CSRF token', async (expect) => {
    const { context, page } = await newPage();
    await addToCart(page, demo.url, 'tea');
    const response = await context.request.post(`${demo.url}/cart/add`, { form: { product: 'tea' }, maxRedirects: 0 });
    expect(response.status()).toBe(403);
    await page.goto(`${demo.url}/cart`);
    expect(await byTestId(page, 'qty-tea')).toBe('1');
  });
});

describe.concurrent('startup', () => {
  it('names the available session types when SESSION_TYPE is unknown', async ({ expect }) => {
    const attempt = startDemo({ port: 0, sessionType: 'carrier-pigeon', dataDir: await tempDir('demo-bad-') });
    await expect(attempt).rejects.toThrow(/Unknown SESSION_TYPE "carrier-pigeon"\. Available: cookie, memory, .*sqlite/);
  });

  scenario('starts from the command line as `npm start` does (tsx demo/server.ts), printing its URL and session type', async (expect) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'demo/server.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', SESSION_TYPE: 'memory', DEMO_DATA_DIR: await tempDir('demo-cli-') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      let output = '';
      child.stdout.setEncoding('utf8');
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed; output so far: ${output}`)), 20_000);
        child.stdout.on('data', (chunk: string) => {
          output += chunk;
          const found = /sessionkit demo on (http:\/\/localhost:\d+)/.exec(output);
          if (found?.[1] && output.includes('SESSION_TYPE=memory')) {
            clearTimeout(timer);
            resolve(found[1]);
          }
        });
      });
      const { page } = await newPage();
      await page.goto(url);
      expect(await byTestId(page, 'session-type')).toBe('memory');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
