/**
 * Micro-benchmark of the three-way merge a save runs after a concurrent write: µs per merge for
 * typical sessions and for lists at the diff cap.
 *
 *   npx tsx bench/merge.ts                  # default: 5 rounds of 1 s per case
 *   ROUNDS=3 SECONDS=0.5 npx tsx bench/merge.ts
 */
import os from 'node:os';
import { MAX_DIFF_CELLS } from '../src/merge/list-diff.js';
import { merge3, mergeSessionData } from '../src/merge/merge3.js';
import { Tuple } from '../src/serialization/values.js';

const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.SECONDS ?? 1);

interface Case {
  readonly name: string;
  /** One merge; returns something so the work is not optimized away. */
  run(): unknown;
}

const flash = (message: string): Tuple<string> => Tuple.of('message', message);
const cartItem = (i: number): Record<string, unknown> => ({ sku: `sku-${i}`, qty: 1 + (i % 3), price: 100 + i });

/** A session of 10 keys: a 20-item cart, 5 flashes, a user record and scalars. */
function typicalSession(): Record<string, unknown> {
  return {
    _permanent: true,
    _user_id: '42',
    _fresh: true,
    csrf_token: 'f3a9c1d2e4b5a6978877665544332211',
    user: { id: 42, name: 'alice', roles: ['member'] },
    cart: Array.from({ length: 20 }, (_, i) => cartItem(i)),
    _flashes: Array.from({ length: 5 }, (_, i) => flash(`message ${i}`)),
    page: 3,
    locale: 'en_GB',
    last_seen: new Date(1_700_000_000_000),
  };
}

function typicalCases(): Case[] {
  const base = typicalSession();
  // This request: put an item in the cart, consumed the flashes, changed the page.
  const mine = { ...typicalSession(), cart: [...(typicalSession().cart as unknown[]), cartItem(20)], page: 4 };
  delete (mine as Record<string, unknown>)._flashes;
  // Meanwhile: another item, another flash, another page.
  const theirs = {
    ...typicalSession(),
    cart: [...(typicalSession().cart as unknown[]), cartItem(21)],
    _flashes: [...(typicalSession()._flashes as unknown[]), flash('added')],
    page: 5,
    last_seen: new Date(1_700_000_060_000),
  };
  const changed = new Set(['cart', '_flashes', 'page']);
  // An item changed in the middle of the cart on one side, one removed on the other.
  const edited = typicalSession();
  (edited.cart as Record<string, unknown>[])[10] = { ...cartItem(10), qty: 9 };
  const removed = typicalSession();
  (removed.cart as unknown[]).splice(3, 1);
  return [
    { name: 'typical session, mergeSessionData (3 changed keys)', run: () => mergeSessionData(base, mine, theirs, changed) },
    { name: 'typical session, merge3 of the whole data', run: () => merge3(base, mine, theirs) },
    { name: 'typical session, cart item changed vs removed', run: () => mergeSessionData(base, edited, removed, new Set(['cart'])) },
  ];
}

function capCases(): Case[] {
  const side = Math.floor(Math.sqrt(MAX_DIFF_CELLS));
  const numbers = (from: number): number[] => Array.from({ length: side }, (_, i) => from + i);
  const objects = (from: number): Record<string, unknown>[] => numbers(from).map(cartItem);
  // Nothing in common between base and mine: the whole LCS table is filled.
  const [baseNumbers, mineNumbers, theirNumbers] = [numbers(0), numbers(side), [...numbers(0), -1]];
  const [baseObjects, mineObjects, theirObjects] = [objects(0), objects(side), [...objects(0), cartItem(-1)]];
  const cases: Case[] = [
    { name: `list at the cap, ${side}×${side} numbers rewritten`, run: () => merge3(baseNumbers, mineNumbers, theirNumbers) },
    { name: `list at the cap, ${side}×${side} objects rewritten`, run: () => merge3(baseObjects, mineObjects, theirObjects) },
  ];
  const over = side + 1;
  const baseOver = Array.from({ length: over }, (_, i) => i);
  const mineOver = baseOver.map((i) => i + over);
  cases.push({ name: `list over the cap, ${over}×${over} numbers (this request's list wins)`, run: () => merge3(baseOver, mineOver, [...baseOver, -1]) });
  const long = Array.from({ length: 10_000 }, (_, i) => i);
  const mineLong = [...long, 'mine'];
  const theirsLong = [...long.slice(1), 'theirs'];
  cases.push({ name: 'list of 10 000 numbers, appends and a removal (trimmed)', run: () => merge3(long, mineLong, theirsLong) });
  return cases;
}

function measure(c: Case): number[] {
  const warmEnd = process.hrtime.bigint() + BigInt(Math.round(seconds * 0.5e9));
  while (process.hrtime.bigint() < warmEnd) c.run();
  const perMerge: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(seconds * 1e9));
    let now = start;
    while (now < end) {
      c.run();
      n++;
      now = process.hrtime.bigint();
    }
    perMerge.push(Number(now - start) / 1e3 / n);
  }
  return perMerge.sort((a, b) => a - b);
}

console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]!.toFixed(2)}`);
console.log(`MAX_DIFF_CELLS = ${MAX_DIFF_CELLS}; ${rounds} rounds of ${seconds} s; µs per merge, median (min–max)`);
for (const c of [...typicalCases(), ...capCases()]) {
  const us = measure(c);
  const median = us[Math.floor(us.length / 2)]!;
  const format = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString('en-US'));
  console.log(`${c.name}: ${format(median)} µs (${format(us[0]!)}–${format(us[us.length - 1]!)})`);
}
