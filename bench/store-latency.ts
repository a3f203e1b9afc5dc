/**
 * Latency of each store, in-process, one operation at a time: `load`, a save (`update` of the
 * record with its current version) and the full round trip of a returning user's request
 * through `ServerSessionInterface` (open, load, change a key, save). `BENCH_STORE_OPS`
 * operations of each kind (default 2,000) after a tenth as many unmeasured ones.
 *
 *   node --import tsx bench/store-latency.ts
 */
import { ServerSessionInterface } from '../src/index.js';
import { envNumber, sendResult } from './child.js';
import { openStore, type StoreKind } from './stores.js';

/** Median and 99th percentile of one operation, in microseconds. */
export interface LatencyFigures {
  p50Us: number;
  p99Us: number;
}

/** The latencies of one store. */
export interface StoreLatency {
  store: StoreKind;
  load: LatencyFigures;
  save: LatencyFigures;
  roundTrip: LatencyFigures;
}

/** What the store-latency section reports. */
export interface StoreLatencyResult {
  operations: number;
  valueBytes: number;
  stores: StoreLatency[];
}

const STORES: readonly StoreKind[] = ['memory', 'filesystem', 'sqlite', 'redis'];
const TTL_MS = 3_600_000;

function figures(samplesNs: number[]): LatencyFigures {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! / 1000;
  return { p50Us: at(50), p99Us: at(99) };
}

/** Times `operation` `count` times after `warmup` untimed calls; returns nanoseconds per call. */
async function time(count: number, warmup: number, operation: (i: number) => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await operation(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await operation(i);
    samples.push(Number(process.hrtime.bigint() - start));
  }
  return samples;
}

async function measure(kind: StoreKind, count: number): Promise<StoreLatency> {
  const opened = await openStore(kind, `latency-${kind}`);
  const { store, keyPrefix } = opened;
  let key: string | undefined;
  try {
    const iface = new ServerSessionInterface<{ user?: number; n?: number }>({ store, keyPrefix });
    // A session as a request creates it: its record is what load and update move below.
    const first = iface.open(undefined);
    first.set('user', 42);
    first.set('n', 0);
    const cookie = (await iface.save(first)).setCookie[0]!.split(';')[0]!;
    key = keyPrefix + first.id!;
    const record = await store.load(key);
    if (!record) throw new Error(`${kind}: the record just saved is missing`);
    const warmup = Math.max(1, Math.round(count / 10));

    const recordKey = key;
    const load = await time(count, warmup, async () => {
      if (!(await store.load(recordKey))) throw new Error(`${kind}: load found nothing`);
    });
    let version = record.version;
    const save = await time(count, warmup, async () => {
      const result = await store.update(recordKey, record.value, version, TTL_MS);
      if (!result.ok) throw new Error(`${kind}: update failed (${result.reason})`);
      version = result.version;
    });
    const roundTrip = await time(count, warmup, async (i) => {
      const session = await iface.open(cookie).load();
      session.set('n', i);
      const result = await iface.save(session);
      if (result.setCookie.length !== 1 || session.isNew) throw new Error(`${kind}: the returning session was not saved`);
    });
    return { store: kind, load: figures(load), save: figures(save), roundTrip: figures(roundTrip) };
  } finally {
    if (key) await store.destroy(key);
    await opened.close();
  }
}

async function main(): Promise<void> {
  const count = Math.round(envNumber('BENCH_STORE_OPS', 2000));
  const stores: StoreLatency[] = [];
  for (const kind of STORES) stores.push(await measure(kind, count));
  // The size of the records timed above (tagged JSON of {user, n} plus metadata).
  const probe = await openStore('memory', 'size');
  const iface = new ServerSessionInterface<{ user?: number; n?: number }>({ store: probe.store });
  const session = iface.open(undefined);
  session.set('user', 42);
  session.set('n', 0);
  await iface.save(session);
  const valueBytes = (await probe.store.load(`session:${session.id!}`))?.value.length ?? 0;
  await sendResult({ operations: count, valueBytes, stores } satisfies StoreLatencyResult);
}

await main();
