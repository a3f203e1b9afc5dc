/**
 * What merging costs a save, without HTTP or network noise: concurrent request loops through one
 * `ServerSessionInterface` on a `MemoryStore`, each request opening, loading, changing and saving
 * a typical session (a user record, a 20-item cart, scalars). When the loops share one session,
 * every save is queued behind another that wrote after it loaded, so it merges onto that write:
 * three-way for a key changed with `set` (a fresh decode of the loaded record is its base), a
 * re-run of the function for a key changed with `update()`. One session per loop merges nothing.
 *
 *   npx tsx bench/queued-saves.ts            # default: 5 rounds of 2 s per case, 10 loops
 *   ROUNDS=3 SECONDS=1 LOOPS=10 npx tsx bench/queued-saves.ts
 */
import os from 'node:os';
import { ServerSessionInterface, type Session } from '../src/index.js';
import { MemoryStore } from '../src/stores/memory/index.js';

const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECONDS ?? 2);
/** Concurrent request loops, like the connections of `npm run bench`. */
const loops = Number(process.env.LOOPS ?? 10);

interface Data {
  n?: number;
  cart?: Record<string, unknown>[];
  [key: string]: unknown;
}

const cartItem = (i: number): Record<string, unknown> => ({ sku: `sku-${i}`, qty: 1 + (i % 3), price: 100 + i });

/** A session of 7 keys: a user record, a 20-item cart and scalars. */
function typicalSession(): Data {
  return {
    _user_id: '42',
    csrf_token: 'f3a9c1d2e4b5a6978877665544332211',
    user: { id: 42, name: 'alice', roles: ['member'] },
    cart: Array.from({ length: 20 }, (_, i) => cartItem(i)),
    page: 3,
    locale: 'en_GB',
    n: 0,
  };
}

interface Case {
  readonly name: string;
  /** Whether all loops share one session (else one session per loop). */
  readonly shared: boolean;
  /** The request's change. */
  change(session: Session<Data>, i: number): void;
  /** What the final session shows of the requests (for the "kept" column), if anything. */
  kept?(data: Data, requests: number): number;
}

const CASES: readonly Case[] = [
  { name: 'one session per loop, set(n, n + 1) (nothing to merge)', shared: false, change: (s) => void s.set('n', (s.get('n') ?? 0) + 1) },
  {
    name: 'one shared session, set(n, n + 1) (three-way merge)',
    shared: true,
    change: (s) => void s.set('n', (s.get('n') ?? 0) + 1),
    kept: (data, requests) => data.n! / requests,
  },
  {
    name: "one shared session, update('n', n => n + 1) (re-run)",
    shared: true,
    change: (s) => void s.update('n', (n = 0) => n + 1),
    kept: (data, requests) => data.n! / requests,
  },
  { name: 'one session per loop, cart item pushed in place (nothing to merge)', shared: false, change: pushCartItem },
  { name: 'one shared session, cart item pushed in place (list merge)', shared: true, change: pushCartItem },
];

/** Puts an item in the loaded cart in place, dropping the oldest 20 beyond 40 (a steady size). */
function pushCartItem(session: Session<Data>, i: number): void {
  const cart = session.get('cart')!;
  cart.push(cartItem(1000 + i));
  if (cart.length > 40) cart.splice(0, 20);
}

/** Runs `loops` concurrent request loops for `seconds`; requests per second, CPU µs per request and the share kept. */
async function measure(entry: Case): Promise<{ rps: number; cpuUs: number; kept: number | undefined }> {
  const iface = new ServerSessionInterface<Data>({ store: new MemoryStore() });
  const start = async (): Promise<string> => {
    const session = iface.open(undefined);
    session.update(typicalSession());
    const header = (await iface.save(session)).setCookie[0]!;
    return header.slice(0, header.indexOf(';'));
  };
  const shared = await start();
  const cookies = await Promise.all(Array.from({ length: loops }, () => (entry.shared ? shared : start())));
  let requests = 0;
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const cpuBefore = process.cpuUsage();
  const began = process.hrtime.bigint();
  await Promise.all(
    cookies.map(async (cookie) => {
      while (process.hrtime.bigint() < end) {
        const session = iface.open(cookie);
        await session.load();
        entry.change(session, requests++);
        await iface.save(session);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - began) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const final = iface.open(shared);
  await final.load();
  return {
    rps: requests / elapsed,
    cpuUs: (cpu.user + cpu.system) / requests,
    kept: entry.kept?.(final.toObject() as Data, requests),
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`queued saves: ${loops} concurrent request loops, MemoryStore, in-process; ${rounds} rounds of ${seconds} s per case (medians)`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('');
console.log('| case | requests/s | CPU µs per request | counter kept |');
console.log('| --- | ---: | ---: | ---: |');
for (const entry of CASES) await measure(entry); // warm-up
for (const entry of CASES) {
  const results = [];
  for (let r = 0; r < rounds; r++) results.push(await measure(entry));
  const kept = results[0]!.kept === undefined ? '–' : `${(100 * median(results.map((x) => x.kept!))).toFixed(1)}%`;
  console.log(`| ${entry.name} | ${Math.round(median(results.map((x) => x.rps))).toLocaleString('en-US')} | ${median(results.map((x) => x.cpuUs)).toFixed(1)} | ${kept} |`);
}
console.log('');
console.log(`load at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
