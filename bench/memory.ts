/**
 * Memory growth of `MemoryStore` (default `maxEntries`, 10,000) while `BENCH_SESSIONS` distinct
 * sessions (default one million) are created through `ServerSessionInterface`, in-process, no
 * HTTP. Needs `--expose-gc`; `run.ts` starts it so:
 *
 *   node --expose-gc --import tsx bench/memory.ts
 */
import { ServerSessionInterface } from '../src/index.js';
import { MemoryStore } from '../src/stores/memory/index.js';
import { envNumber, sendResult } from './child.js';

/** The heap at one point of the run. */
export interface MemoryCheckpoint {
  /** Sessions created so far. */
  sessions: number;
  /** `heapUsed` after a full GC, in bytes. */
  heapUsed: number;
  /** Records the store holds. */
  entries: number;
}

/** What the memory section reports. */
export interface MemoryResult {
  sessions: number;
  maxEntries: number;
  /** Before the first session, then at a few points, the last one after all sessions. */
  checkpoints: MemoryCheckpoint[];
  /** Highest `heapUsed` seen between checkpoints (without forcing a GC), in bytes. */
  peakHeapUsed: number;
  /** Resident set size at the end, in bytes. */
  rss: number;
  seconds: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function collect(): number {
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const total = Math.round(envNumber('BENCH_SESSIONS', 1_000_000));
  const store = new MemoryStore();
  const iface = new ServerSessionInterface<{ user?: number; n?: number }>({ store });
  const marks = new Set([Math.round(total / 10), Math.round(total / 4), Math.round(total / 2), total]);

  const checkpoints: MemoryCheckpoint[] = [{ sessions: 0, heapUsed: collect(), entries: store.size }];
  let peak = checkpoints[0]!.heapUsed;
  const started = process.hrtime.bigint();
  for (let i = 1; i <= total; i++) {
    const session = iface.open(undefined);
    session.set('user', i);
    session.set('n', 1);
    const result = await iface.save(session);
    if (result.setCookie.length !== 1) throw new Error('a new session must send its cookie');
    if (i % 10_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    if (marks.has(i)) checkpoints.push({ sessions: i, heapUsed: collect(), entries: store.size });
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: MemoryResult = {
    sessions: total,
    maxEntries: 10_000,
    checkpoints,
    peakHeapUsed: peak,
    rss: process.memoryUsage().rss,
    seconds,
  };
  await sendResult(result);
}

await main();
