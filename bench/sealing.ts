/**
 * Micro-benchmark of iron sealing: IronSealer (synchronous node:crypto, reused salt pair, cached
 * derived keys) against iron-session's own `sealData` / `unsealData` (WebCrypto, async), one
 * operation at a time, on the same small session in the same process.
 *
 *   npx tsx bench/sealing.ts
 *   ROUNDS=3 SECONDS=1 npx tsx bench/sealing.ts
 */
import os from 'node:os';
import { sealData, unsealData } from 'iron-session';
import { IronSealer, UNSEAL_KEY_CACHE_ENTRIES } from '../src/sealing/index.js';

const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECONDS ?? 2);

const password = 'a benchmark password of at least 32 characters';
const session = { user_id: 42, username: 'alice', cart: [1, 2, 3], csrf: 'f3a9c1d2e4b5' };
const sealer = new IronSealer({ password });
const ourSeal = sealer.seal(session);
const ironSeal = await sealData(session, { password });

/**
 * Seals iron-session made, each with its own salts, more of them than the unseal cache holds:
 * reading them in turn measures unsealing with key derivation (a cookie not seen before).
 */
const freshSeals = await Promise.all(Array.from({ length: UNSEAL_KEY_CACHE_ENTRIES * 4 }, (_, n) => sealData({ ...session, n }, { password })));

function check(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.keys(value).length === 0) throw new Error('unseal failed');
}

interface Case {
  name: string;
  batch: (n: number) => void | Promise<void>;
}

const BATCH = 200;
const cases: Case[] = [
  { name: 'sessionkit seal', batch: () => { for (let i = 0; i < BATCH; i++) sealer.seal(session); } },
  { name: 'iron-session sealData', batch: async () => { for (let i = 0; i < BATCH; i++) await sealData(session, { password }); } },
  { name: 'sessionkit unseal (cookie seen before)', batch: () => { for (let i = 0; i < BATCH; i++) check(sealer.unseal(ourSeal)); } },
  {
    name: 'sessionkit unseal (new cookie: derives keys)',
    batch: (n) => { for (let i = 0; i < BATCH; i++) check(sealer.unseal(freshSeals[(n + i) % freshSeals.length]!)); },
  },
  { name: 'iron-session unsealData', batch: async () => { for (let i = 0; i < BATCH; i++) check(await unsealData(ironSeal, { password })); } },
];

async function measure(c: Case): Promise<number[]> {
  let done = 0;
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) await c.batch((done += BATCH));
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      await c.batch((done += BATCH));
      ops += BATCH;
    }
    perOp.push(((performance.now() - start) * 1000) / ops);
  }
  return perOp.sort((a, b) => a - b);
}

console.log(`iron sealing, a ${JSON.stringify(session).length}-byte JSON session → ${ourSeal.length}-character seal`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}`);
console.log(`${rounds} rounds of ${seconds} s each; median µs per operation (min–max of rounds)\n`);
const results: { name: string; median: number }[] = [];
for (const c of cases) {
  const perOp = await measure(c);
  const median = perOp[Math.floor(perOp.length / 2)]!;
  results.push({ name: c.name, median });
  console.log(`${c.name.padEnd(46)} ${median.toFixed(2).padStart(8)} µs  (${perOp[0]!.toFixed(2)}–${perOp.at(-1)!.toFixed(2)})  ${Math.round(1e6 / median).toLocaleString('en-US').padStart(9)} ops/s`);
}
const byName = (name: string) => results.find((r) => r.name === name)!.median;
console.log(`\nseal:   ${(byName('iron-session sealData') / byName('sessionkit seal')).toFixed(1)}× faster than iron-session`);
console.log(`unseal: ${(byName('iron-session unsealData') / byName('sessionkit unseal (cookie seen before)')).toFixed(1)}× faster (cookie seen before), ${(byName('iron-session unsealData') / byName('sessionkit unseal (new cookie: derives keys)')).toFixed(1)}× (new cookie)`);
