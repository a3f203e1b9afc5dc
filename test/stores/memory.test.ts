import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { describeStoreConformance } from './conformance.js';

describeStoreConformance(
  'MemoryStore',
  async ({ clock }) => ({ store: new MemoryStore({ clock }), cleanup: async () => {} }),
  { time: 'clock', sharedBetweenInstances: false },
);

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A clock the test moves by hand. */
function manualClock(start = 1_700_000_000_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe('MemoryStore', () => {
  it('stays within maxEntries when 200k distinct sessions pass through', async () => {
    const store = new MemoryStore({ maxEntries: 1000 });
    let largest = 0;
    for (let i = 0; i < 200_000; i++) {
      await store.create(`session:${i}`, bytes('x'), 60_000);
      if (store.size > largest) largest = store.size;
    }
    expect(largest).toBe(1000);
    expect(store.size).toBe(1000);
    // The survivors are the most recent ones.
    expect(await store.load('session:199999')).not.toBeNull();
    expect(await store.load('session:0')).toBeNull();
  });

  it('evicts the least recently used record, counting reads as use', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    await store.create('a', bytes('a'), 60_000);
    await store.create('b', bytes('b'), 60_000);
    await store.create('c', bytes('c'), 60_000);
    await store.load('a'); // a is now the most recently used; b the least
    await store.create('d', bytes('d'), 60_000);
    expect(await store.load('b')).toBeNull();
    for (const key of ['a', 'c', 'd']) expect(await store.load(key)).not.toBeNull();
  });

  it('expires by its clock, and sweep drops only expired records', async () => {
    const clock = manualClock();
    const store = new MemoryStore({ clock: clock.now });
    const version = (await store.create('short', bytes('s'), 1000))!;
    await store.create('long', bytes('l'), 10_000);
    expect((await store.load('short'))!.expiresAt).toBe(clock.now() + 1000);

    clock.advance(999);
    expect(await store.load('short')).not.toBeNull();
    clock.advance(1);
    expect(await store.load('short')).toBeNull();
    expect(await store.update('short', bytes('s2'), version, 1000)).toEqual({ ok: false, reason: 'missing' });

    await store.create('short2', bytes('s'), 1000);
    clock.advance(5000);
    expect(store.size).toBe(2);
    expect(await store.sweep()).toBe(1);
    expect(store.size).toBe(1);
    const keys: string[] = [];
    for await (const key of store.keys('')) keys.push(key);
    expect(keys).toEqual(['long']);
  });

  it('prunes expired records lazily on writes', async () => {
    const clock = manualClock();
    const store = new MemoryStore({ clock: clock.now });
    for (let i = 0; i < 100; i++) await store.create(`old:${i}`, bytes('x'), 1000);
    clock.advance(2000);
    for (let i = 0; i < 100; i++) await store.create(`new:${i}`, bytes('x'), 1000);
    expect(store.size).toBe(100);
  });

  it('rejects bad options, a misspelt one and bad TTLs', async () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(ConfigError);
    expect(() => new MemoryStore({ clock: 5 as never })).toThrow(/option clock is invalid: expected a function/);
    expect(() => new MemoryStore({ maxEntrys: 5 } as never)).toThrow(/option maxEntrys is invalid: unknown option of MemoryStore/);
    const store = new MemoryStore();
    await expect(store.create('k', bytes('x'), 0)).rejects.toThrow(RangeError);
    await expect(store.touch('k', Number.NaN)).rejects.toThrow(RangeError);
  });
});
