/**
 * Micro-benchmark: open + save of a ~100-byte signed-cookie session through
 * CookieSessionInterface (verify, parse, change one key, serialize, sign).
 *
 *   npm run bench:micro            # default: 5 rounds of 2 s
 *   ROUNDS=3 SECONDS=1 npm run bench:micro
 */
import os from 'node:os';
import { CookieSessionInterface } from '../src/index.js';

const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECONDS ?? 2);

const iface = new CookieSessionInterface({ secret: 'a long random secret for benchmarks' });
const seed = iface.open(undefined);
seed.update({ user_id: 42, username: 'alice', cart: [1, 2, 3], _permanent: true, csrf: 'f3a9c1d2e4b5' });
const { setCookie } = iface.saveSync(seed);
const cookieHeader = setCookie[0]!.slice(0, setCookie[0]!.indexOf(';'));
const payloadBytes = cookieHeader.length - 'session='.length;

function roundTrip(counter: number): void {
  const session = iface.open(cookieHeader);
  session.set('n' as never, counter as never);
  const result = iface.saveSync(session);
  if (result.setCookie.length !== 1) throw new Error('expected a Set-Cookie');
}

for (let i = 0; i < 20_000; i++) roundTrip(i); // warm-up

const rates: number[] = [];
for (let r = 0; r < rounds; r++) {
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(seconds * 1e9);
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 1000; i++) roundTrip(n++);
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  rates.push(n / elapsed);
}
rates.sort((a, b) => a - b);
const median = rates[Math.floor(rates.length / 2)]!;
console.log(`cookie session open+save, ${payloadBytes}-byte cookie value`);
console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
console.log(`rounds (ops/s): ${rates.map((x) => Math.round(x)).join(', ')}`);
console.log(`median: ${Math.round(median).toLocaleString('en-US')} round trips/s`);
