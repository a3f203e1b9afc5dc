/**
 * Micro-benchmark of iron sealing: IronSealer (synchronous node:crypto, reused salt pair, cached
 * derived keys, remembered recent seals) against iron-session's own `sealData` / `unsealData`
 * (WebCrypto, async), one operation at a time, on the same small session in the same process;
 * then one request's session work (open, read, change, save) through SealedCookieSessionInterface,
 * CookieSessionInterface and iron-session's unsealData + sealData.
 *
 *   npx tsx bench/sealing.ts
 *   ROUNDS=3 SECONDS=1 npx tsx bench/sealing.ts
 */
import os from 'node:os';
import { sealData, unsealData } from 'iron-session';
import { CookieSessionInterface, SealedCookieSessionInterface } from '../src/index.js';
import { IronSealer, UNSEAL_KEY_CACHE_ENTRIES } from '../src/sealing/index.js';

const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECONDS ?? 2);

const password = 'a benchmark password of at least 32 characters';
const session = { user_id: 42, username: 'alice', cart: [1, 2, 3], csrf: 'f3a9c1d2e4b5' };
const sealer = new IronSealer({ password });
const ironSeal = await sealData(session, { password });
/** A sealer that seals nothing else: its one seal stays among its recent seals. */
const recentSealer = new IronSealer({ password });
const recentSeal = recentSealer.seal(session);

type BenchSession = typeof session & { n?: number };
const sealedInterface = new SealedCookieSessionInterface<BenchSession>({ password });
const signedInterface = new CookieSessionInterface<BenchSession>({ secret: password });
/** The `Cookie` header a returning user sends: the cookie the interface set on an earlier response. */
function cookieOf(iface: SealedCookieSessionInterface<BenchSession> | CookieSessionInterface<BenchSession>): string {
  const first = iface.open(undefined);
  first.update(session);
  const header = iface.saveSync(first).setCookie[0]!;
  return header.slice(0, header.indexOf(';'));
}
const sealedCookie = cookieOf(sealedInterface);
const signedCookie = cookieOf(signedInterface);
/** One request's session work: open the cookie, read a key, change it, save. */
function request(iface: SealedCookieSessionInterface<BenchSession> | CookieSessionInterface<BenchSession>, cookie: string): void {
  const s = iface.open(cookie);
  s.set('n', (s.get('n') ?? 0) + 1);
  if (iface.saveSync(s).setCookie.length !== 1) throw new Error('no cookie set');
}

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
  { name: 'sessionkit unseal (sealed here, recent)', batch: () => { for (let i = 0; i < BATCH; i++) check(recentSealer.unseal(recentSeal)); } },
  { name: 'sessionkit unseal (cookie seen before)', batch: () => { for (let i = 0; i < BATCH; i++) check(sealer.unseal(ironSeal)); } },
  {
    name: 'sessionkit unseal (new cookie: derives keys)',
    batch: (n) => { for (let i = 0; i < BATCH; i++) check(sealer.unseal(freshSeals[(n + i) % freshSeals.length]!)); },
  },
  { name: 'iron-session unsealData', batch: async () => { for (let i = 0; i < BATCH; i++) check(await unsealData(ironSeal, { password })); } },
  { name: 'request: SealedCookieSessionInterface', batch: () => { for (let i = 0; i < BATCH; i++) request(sealedInterface, sealedCookie); } },
  { name: 'request: CookieSessionInterface (signed)', batch: () => { for (let i = 0; i < BATCH; i++) request(signedInterface, signedCookie); } },
  {
    name: 'request: iron-session unsealData + sealData',
    batch: async () => {
      for (let i = 0; i < BATCH; i++) {
        const data = (await unsealData<BenchSession>(ironSeal, { password })) as BenchSession;
        data.n = (data.n ?? 0) + 1;
        await sealData(data, { password });
      }
    },
  },
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

console.log(`iron sealing, a ${JSON.stringify(session).length}-byte JSON session → ${recentSeal.length}-character seal`);
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
const unsealRatio = (name: string) => (byName('iron-session unsealData') / byName(name)).toFixed(1);
console.log(
  `unseal: ${unsealRatio('sessionkit unseal (sealed here, recent)')}× faster (sealed here), ${unsealRatio('sessionkit unseal (cookie seen before)')}× (cookie seen before), ` +
    `${unsealRatio('sessionkit unseal (new cookie: derives keys)')}× (new cookie)`,
);
console.log(`request: ${(byName('request: iron-session unsealData + sealData') / byName('request: SealedCookieSessionInterface')).toFixed(1)}× faster than iron-session`);
