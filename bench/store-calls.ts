/**
 * Store calls per request through the node:http adapter, counted by a wrapper around each real
 * store: none for a request that never touches the session (lazy loading), and for an unchanged
 * session one load and at most one touch per touch interval, never a write.
 *
 *   node --import tsx bench/store-calls.ts
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { withSession, type LoadMode } from '../src/adapters/node.js';
import { ServerSessionInterface } from '../src/index.js';
import { sendResult } from './child.js';
import { CountingStore, type CallCounts } from './counting-store.js';
import { cookieHeaderFrom, probe } from './load.js';
import { openStore, type StoreKind } from './stores.js';

/** One scenario's outcome on one store. */
export interface CallsRow {
  store: StoreKind;
  scenario: string;
  requests: number;
  counts: CallCounts;
  /** What the scenario must show. */
  expectation: string;
  met: boolean;
}

/** What the store-calls section reports. */
export interface StoreCallsResult {
  requestsPerScenario: number;
  touchIntervalSeconds: number;
  rows: CallsRow[];
}

const STORES: readonly StoreKind[] = ['memory', 'filesystem', 'sqlite', 'redis'];
const REQUESTS = 10;
/** Short, so the scenarios can wait one interval out (ten requests take far less). */
const TOUCH_INTERVAL_S = 0.5;

type Action = 'ignore' | 'read' | 'change';

interface Scenario {
  name: string;
  mode: LoadMode;
  action: Action;
  returning: boolean;
  /** Wait one touch interval first, so a touch is due. */
  touchDue: boolean;
  expectation: string;
  check(counts: CallCounts): boolean;
}

const writes = (c: CallCounts): number => c.create + c.update + c.destroy;
const total = (c: CallCounts): number => c.load + writes(c) + c.touch;

const SCENARIOS: readonly Scenario[] = [
  { name: 'lazy, no cookie, session untouched', mode: 'lazy', action: 'ignore', returning: false, touchDue: false, expectation: '0 calls', check: (c) => total(c) === 0 },
  { name: 'lazy, returning user, session untouched', mode: 'lazy', action: 'ignore', returning: true, touchDue: true, expectation: '0 calls', check: (c) => total(c) === 0 },
  { name: 'eager, no cookie, session untouched', mode: 'eager', action: 'ignore', returning: false, touchDue: false, expectation: '0 calls', check: (c) => total(c) === 0 },
  {
    name: 'lazy, returning user, read only, touch due',
    mode: 'lazy', action: 'read', returning: true, touchDue: true,
    expectation: `${REQUESTS} loads, 1 touch, 0 writes`,
    check: (c) => c.load === REQUESTS && c.touch === 1 && writes(c) === 0,
  },
  {
    name: 'lazy, returning user, read only, touch not due (just touched)',
    mode: 'lazy', action: 'read', returning: true, touchDue: false,
    expectation: `${REQUESTS} loads, 0 touches, 0 writes`,
    check: (c) => c.load === REQUESTS && c.touch === 0 && writes(c) === 0,
  },
  {
    name: 'eager, returning user, session untouched, touch due',
    mode: 'eager', action: 'ignore', returning: true, touchDue: true,
    expectation: `${REQUESTS} loads, 1 touch, 0 writes`,
    check: (c) => c.load === REQUESTS && c.touch === 1 && writes(c) === 0,
  },
  {
    name: 'eager, returning user, changed (for reference)',
    mode: 'eager', action: 'change', returning: true, touchDue: false,
    expectation: `${REQUESTS} loads, ${REQUESTS} updates`,
    check: (c) => c.load === REQUESTS && c.update === REQUESTS && c.touch === 0,
  },
];

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A server in the given load mode whose path says what the handler does with the session. */
function sessionServer(sessionInterface: ServerSessionInterface<{ n?: number }>, load: LoadMode): Server {
  return createServer(
    withSession<{ n?: number }>({ sessionInterface, load }, async (req, res) => {
      const action = (req.url ?? '/').slice(1) as Action;
      let body = 'ok';
      if (action !== 'ignore') {
        if (load === 'lazy') await req.session.load();
        const n = req.session.get('n') ?? 0;
        if (action === 'change') req.session.set('n', n + 1);
        body = String(n);
      }
      res.end(body);
    }),
  );
}

async function measure(kind: StoreKind): Promise<CallsRow[]> {
  const opened = await openStore(kind, `calls-${kind}`);
  const store = new CountingStore(opened.store);
  const iface = new ServerSessionInterface<{ n?: number }>({ store, keyPrefix: opened.keyPrefix, touchInterval: TOUCH_INTERVAL_S });
  const servers = { lazy: sessionServer(iface, 'lazy'), eager: sessionServer(iface, 'eager') };
  const urls = { lazy: await listen(servers.lazy), eager: await listen(servers.eager) };
  const rows: CallsRow[] = [];
  let cookie = '';
  try {
    const created = await probe(`${urls.eager}/change`);
    cookie = cookieHeaderFrom(created.setCookie);
    if (!cookie) throw new Error(`${kind}: no session cookie`);
    for (const scenario of SCENARIOS) {
      if (scenario.touchDue) await sleep(TOUCH_INTERVAL_S * 1000 + 100);
      store.reset();
      for (let i = 0; i < REQUESTS; i++) {
        const response = await probe(`${urls[scenario.mode]}/${scenario.action}`, scenario.returning ? cookie : undefined);
        if (response.status !== 200) throw new Error(`${kind}, ${scenario.name}: status ${response.status}`);
      }
      const counts = { ...store.counts };
      rows.push({ store: kind, scenario: scenario.name, requests: REQUESTS, counts, expectation: scenario.expectation, met: scenario.check(counts) });
    }
  } finally {
    await close(servers.lazy);
    await close(servers.eager);
    // Log out the session the scenarios used, so no record is left behind.
    if (cookie) await store.destroy(opened.keyPrefix + cookie.slice(cookie.indexOf('=') + 1));
    await opened.close();
  }
  return rows;
}

async function main(): Promise<void> {
  const rows: CallsRow[] = [];
  for (const kind of STORES) rows.push(...(await measure(kind)));
  await sendResult({ requestsPerScenario: REQUESTS, touchIntervalSeconds: TOUCH_INTERVAL_S, rows } satisfies StoreCallsResult);
}

await main();
