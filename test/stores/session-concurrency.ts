/**
 * Part of the store conformance suite (conformance.ts): ONE session and many concurrent requests
 * through `ServerSessionInterface` on the store under test, so every backend shows that no
 * write is lost — a cart pushed onto in place, `update()` of a counter, flashes sent and
 * consumed, adds and deletes inside one object, a destroy racing saves — first within this
 * process (several interfaces: saves queued behind each other and conflicting at the store),
 * then spread over worker processes on the same backend.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { FlaskSessionFormat, ServerSessionInterface, Store } from '../../src/index.js';
import { track } from './support/processes.js';
import {
  consumeFlashes,
  cookieFrom,
  flashMessage,
  flashOne,
  increment,
  interfaceOn,
  itemName,
  pushItem,
  request,
  type ChildStore,
  type InterfaceSettings,
  type SharedData,
  type WorkerConfig,
  type WorkerReport,
} from './support/session-requests.js';

/** Concurrent operations on the one session of each case. */
const OPERATIONS = 50;
/** Interfaces of the in-process cases: each queues its own saves, so they conflict at the store. */
const INTERFACES = 3;
/** Worker processes of the multi-process case. */
const WORKERS = 4;
/**
 * Flash-consuming requests sent one after another (by one worker) while the flashes are sent.
 * Never several at once: two requests that load the same flashes at the same time both show them.
 */
const CONSUME_ROUNDS = 8;
/**
 * Retries a save may need: each conflict of a save is another write of the same session that
 * succeeded after the version that save last saw, so a save of a session written W times meets
 * at most W − 1 conflicts. The busiest session here is written OPERATIONS + CONSUME_ROUNDS times.
 */
const MAX_RETRIES = OPERATIONS + CONSUME_ROUNDS;
/** Generous bound of the multi-process test (spawning through tsx on a loaded 2-core machine). */
const WORKERS_TIMEOUT_MS = 180_000;
/** Saves that race the destroy in the destroy case. */
const DESTROY_RACERS = 20;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/session-worker.ts', import.meta.url));

/** What the conformance suite gives these tests. */
export interface SessionConcurrencyContext {
  /** The store of the current test. */
  store(): Store;
  /** The store's clock in the current test. */
  clock(): number;
  /** A key prefix unique to the current call. */
  freshPrefix(label: string): string;
  /** Record format of the interfaces: a Flask-Session format for stores in the Flask-Session layout. */
  sessionFormat: FlaskSessionFormat | undefined;
  /** How a worker process opens a store on the same backend; `undefined`: records are not shared between processes. */
  childStore: (() => ChildStore) | undefined;
}

/** Registers the session concurrency tests (inside the suite's `describe`). */
export function describeSessionConcurrency(ctx: SessionConcurrencyContext): void {
  const settings = (label: string): InterfaceSettings => ({
    keyPrefix: ctx.freshPrefix(label),
    maxRetries: MAX_RETRIES,
    ...(ctx.sessionFormat ? { sessionFormat: ctx.sessionFormat } : {}),
  });
  /** Interfaces on the test's store, and a stored session holding `data`. */
  const sessionOf = async (label: string, data: SharedData) => {
    const common = settings(label);
    const ifaces = Array.from({ length: INTERFACES }, () => interfaceOn(ctx.store(), common, ctx.clock));
    const cookie = await startSession(ifaces[0]!, data);
    return { ifaces, cookie, read: () => request(ifaces[0]!, cookie, (s) => s.toObject()) };
  };
  const spread = <R>(ifaces: readonly ServerSessionInterface<SharedData>[], count: number, run: (iface: ServerSessionInterface<SharedData>, i: number) => Promise<R>) =>
    Promise.all(Array.from({ length: count }, (_, i) => run(ifaces[i % ifaces.length]!, i)));

  it(`sessions: ${OPERATIONS} concurrent in-place pushes onto one list keep every item once`, async () => {
    const { ifaces, cookie, read } = await sessionOf('cart', { cart: [] });
    await spread(ifaces, OPERATIONS, (iface, i) => pushItem(iface, cookie, i));
    expect([...(await read()).cart!].sort()).toEqual(names(itemName).sort());
  });

  it(`sessions: ${OPERATIONS} concurrent update(n, n + 1) add ${OPERATIONS}`, async () => {
    const { ifaces, cookie, read } = await sessionOf('counter', { n: 0 });
    const returned = await spread(ifaces, OPERATIONS, (iface) => increment(iface, cookie));
    expect((await read()).n).toBe(OPERATIONS);
    expect(returned.every((n) => n >= 1 && n <= OPERATIONS)).toBe(true);
  });

  it(`sessions: ${OPERATIONS} concurrent flashes, consumed meanwhile and after, are each shown exactly once`, async () => {
    const { ifaces, cookie } = await sessionOf('flashes', { n: 0 });
    const consumed: string[] = [];
    await Promise.all([
      spread(ifaces, OPERATIONS, (iface, i) => flashOne(iface, cookie, i)),
      (async () => {
        for (let round = 0; round < CONSUME_ROUNDS; round++) consumed.push(...(await consumeFlashes(ifaces[round % INTERFACES]!, cookie)));
      })(),
    ]);
    consumed.push(...(await consumeFlashes(ifaces[0]!, cookie)));
    expect([...consumed].sort()).toEqual(names(flashMessage).sort());
    expect(await consumeFlashes(ifaces[1]!, cookie)).toEqual([]);
  });

  it('sessions: concurrent adds and deletes inside one object all apply', async () => {
    const half = OPERATIONS / 2;
    const prefs = Object.fromEntries(Array.from({ length: half }, (_, i) => [`old${i}`, true]));
    const { ifaces, cookie, read } = await sessionOf('nested', { prefs });
    await spread(ifaces, OPERATIONS, (iface, i) =>
      request(iface, cookie, (s) => {
        const loaded = s.get('prefs')!;
        if (i < half) delete loaded[`old${i}`];
        else loaded[`new${i}`] = i;
      }),
    );
    const expected = Object.fromEntries(Array.from({ length: half }, (_, i) => [`new${half + i}`, half + i]));
    expect((await read()).prefs).toEqual(expected);
  });

  it('sessions: a destroy racing saves and update() calls is never undone', async () => {
    const { ifaces, cookie } = await sessionOf('destroy', { cart: [], n: 0 });
    // Every racer loads before the destroy; half of them save before it is sent, half after.
    const racers = await spread(ifaces, DESTROY_RACERS, async (iface, i) => {
      const session = iface.open(cookie);
      await session.load();
      if (i % 2) session.update('n', (n = 0) => n + 1);
      else session.get('cart')!.push(itemName(i));
      return () => iface.save(session);
    });
    const half = DESTROY_RACERS / 2;
    const results = await Promise.all([
      ...racers.slice(0, half).map((save) => save()),
      request(ifaces[0]!, cookie, (s) => s.destroy()),
      ...racers.slice(half).map((save) => save()),
    ]);
    expect(results).toHaveLength(DESTROY_RACERS + 1);
    const id = cookie.slice(cookie.indexOf('=') + 1);
    expect(await ctx.store().load(`${ifaces[0]!.keyPrefix}${id}`)).toBeNull();
    const after = ifaces[1]!.open(cookie);
    await after.load();
    expect(after.isNew).toBe(true);
  });

  if (!ctx.childStore) return;
  const childStore = ctx.childStore;
  it(
    `sessions: the same cart, update() and flash cases spread over ${WORKERS} processes on the same backend`,
    async () => {
      const common = settings('processes');
      const iface = interfaceOn(ctx.store(), common, ctx.clock);
      const cookies = {
        cart: await startSession(iface, { cart: [] }),
        counter: await startSession(iface, { n: 0 }),
        flashes: await startSession(iface, { n: 0 }),
      };
      const configs: WorkerConfig[] = Array.from({ length: WORKERS }, (_, worker) => ({
        store: childStore(),
        settings: common,
        cookies,
        operations: Array.from({ length: OPERATIONS }, (_, i) => i).filter((i) => i % WORKERS === worker),
        // One consumer at a time: two requests that load the same flashes at once both show them.
        consumeRounds: worker === 0 ? CONSUME_ROUNDS : 0,
      }));
      const reports = await runWorkers(configs);
      const consumed = [...reports.flatMap((report) => report.consumed), ...(await consumeFlashes(iface, cookies.flashes))];
      expect([...consumed].sort()).toEqual(names(flashMessage).sort());
      expect([...(await request(iface, cookies.cart, (s) => s.get('cart')!))].sort()).toEqual(names(itemName).sort());
      expect(await request(iface, cookies.counter, (s) => s.get('n'))).toBe(OPERATIONS);
    },
    WORKERS_TIMEOUT_MS,
  );
}

/** The names of all operations, made by `name`. */
function names(name: (i: number) => string): string[] {
  return Array.from({ length: OPERATIONS }, (_, i) => name(i));
}

/** Stores a new session holding `data`; resolves to its cookie. */
async function startSession(iface: ServerSessionInterface<SharedData>, data: SharedData): Promise<string> {
  const session = iface.open(undefined);
  session.update(data);
  return cookieFrom((await iface.save(session)).setCookie);
}

/** One running worker process. */
interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: AsyncIterator<string>;
  stderr: string;
}

/**
 * Starts the workers, lets them all go once each one is connected, and resolves to their
 * reports. A worker that fails fails the test with its error output; the others are stopped.
 */
async function runWorkers(configs: readonly WorkerConfig[]): Promise<WorkerReport[]> {
  const workers = configs.map((config): Worker => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(config)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    track(child);
    const worker: Worker = { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator](), stderr: '' };
    child.stderr.setEncoding('utf8').on('data', (text: string) => (worker.stderr += text));
    return worker;
  });
  try {
    const nextLine = async (worker: Worker, what: string): Promise<string> => {
      const { value, done } = await worker.lines.next();
      if (done) {
        if (worker.child.exitCode === null) await once(worker.child, 'exit');
        throw new Error(`a worker exited (code ${String(worker.child.exitCode)}) before sending ${what}:\n${worker.stderr}`);
      }
      return value;
    };
    for (const worker of workers) expect(await nextLine(worker, 'ready')).toBe('ready');
    for (const worker of workers) worker.child.stdin.end('go\n');
    const reports = await Promise.all(workers.map(async (worker) => JSON.parse(await nextLine(worker, 'its report')) as WorkerReport));
    for (const worker of workers) {
      if (worker.child.exitCode === null) await once(worker.child, 'exit');
      expect(worker.child.exitCode, worker.stderr).toBe(0);
    }
    return reports;
  } finally {
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
