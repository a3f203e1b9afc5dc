import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, StoreError } from '../../src/errors.js';
import { MemcachedStore } from '../../src/stores/memcached/index.js';
import { describeStoreConformance } from './conformance.js';
import { WORKER_STORE_TIMEOUT_MS } from './support/session-requests.js';
import { memcachedVersion, startMemcached } from './support/memcached.js';
import { useStoreWithout } from './support/hidden-packages.js';
import type { ChildServer } from './support/processes.js';
import { TIMEOUT_SLACK_MS } from './support/timing.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array): string => new TextDecoder().decode(value);
const quiet = { log: () => undefined };

let single: ChildServer;
let left: ChildServer;
let right: ChildServer;
const address = (server: ChildServer): string => `127.0.0.1:${server.port}`;
/** How worker processes of the session tests reach these servers. */
const workerUrl = (...servers: ChildServer[]): string => `memcached://${servers.map(address).join(',')}?timeoutMs=${WORKER_STORE_TIMEOUT_MS}`;

beforeAll(async () => {
  [single, left, right] = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  console.info(`memcached ${await memcachedVersion(single.port)}`);
});
afterAll(async () => {
  await Promise.all([single, left, right].map((server) => server?.stop()));
});

// The expiry kept in each item follows the store's clock, which the suite moves.
describeStoreConformance(
  'MemcachedStore, one server',
  async ({ clock }) => {
    const store = new MemcachedStore({ servers: address(single), clock });
    return { store, cleanup: () => store.close() };
  },
  { time: 'clock', childStore: () => ({ url: workerUrl(single) }) },
);

describeStoreConformance(
  'MemcachedStore, two servers',
  async ({ clock }) => {
    const store = new MemcachedStore({ servers: `${address(left)},${address(right)}`, clock });
    return { store, cleanup: () => store.close() };
  },
  { time: 'clock', childStore: () => ({ url: workerUrl(left, right) }) },
);

describeStoreConformance(
  'MemcachedStore, memjs client passed in',
  async ({ clock }) => {
    const client = memjs.Client.create(address(single), { logger: quiet });
    const store = new MemcachedStore({ client, clock });
    return {
      store,
      cleanup: async () => {
        await store.close();
        client.close();
      },
    };
  },
  // The workers of the one-server suite already ran on this server.
  { time: 'clock', sessionWorkers: false },
);

describeStoreConformance(
  'MemcachedStore, Flask-Session layout',
  async () => {
    const store = new MemcachedStore({ servers: address(single), layout: 'flask-session' });
    return { store, cleanup: () => store.close() };
  },
  // memcached's own expiry, by its own clock, counts whole seconds and cannot be read back
  {
    time: 'real',
    shortTtlMs: 1000,
    reportsExpiry: false,
    childStore: () => ({ url: workerUrl(single), layout: 'flask-session' }),
    sessionFormat: 'msgpack',
  },
);

/** A raw memjs client, to look at what memcached itself holds. */
function rawClient(server: ChildServer): memjs.Client {
  return memjs.Client.create(address(server), { logger: quiet, retries: 1 });
}

const unique = (label: string): string => `session:memcached-test-${label}-${Math.random().toString(36).slice(2)}`;

describe('MemcachedStore on memcached', () => {
  it('keeps a 40-day session (sent to memcached as an absolute Unix time)', async () => {
    const store = new MemcachedStore({ servers: address(single) });
    const raw = rawClient(single);
    try {
      for (const days of [29, 30, 31, 40, 365]) {
        const key = unique(`days-${days}`);
        const before = Date.now();
        const version = await store.create(key, bytes(`${days}`), days * DAY);
        expect(version).not.toBeNull();
        const loaded = await store.load(key);
        expect(loaded && text(loaded.value)).toBe(`${days}`);
        expect(loaded!.expiresAt).toBeGreaterThanOrEqual(before + days * DAY);
        // memcached itself still holds it (a relative 40 days would be a 1970 date: expired at once).
        expect((await raw.get(key)).value).not.toBeNull();
        expect(await store.touch(key, days * DAY)).toBe(true);
        expect((await raw.get(key)).value).not.toBeNull();
        const updated = await store.update(key, bytes('again'), version!, days * DAY);
        expect(updated.ok).toBe(true);
        expect((await raw.get(key)).value).not.toBeNull();
      }
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('lets memcached itself drop the item soon after it expires', async () => {
    let time = Date.now();
    const store = new MemcachedStore({ servers: address(single), clock: () => time });
    const raw = rawClient(single);
    try {
      const key = unique('native-expiry');
      await store.create(key, bytes('x'), 300);
      expect((await raw.get(key)).value).not.toBeNull();
      time += 600;
      expect(await store.load(key)).toBeNull(); // expired for the store at once…
      // memcached counts whole seconds on its own clock: wait for it (bounded, generously).
      const deadline = Date.now() + 10_000;
      while ((await raw.get(key)).value !== null && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect((await raw.get(key)).value).toBeNull(); // …and gone from memcached soon after (~2 s).
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('does not mistake an item written by something else for a session', async () => {
    const store = new MemcachedStore({ servers: address(single) });
    const raw = rawClient(single);
    try {
      const key = unique('foreign');
      await raw.set(key, 'not a session', { expires: 60 });
      await expect(store.load(key)).rejects.toBeInstanceOf(StoreError);
      await expect(store.update(key, bytes('x'), 'v', HOUR)).rejects.toBeInstanceOf(StoreError);
      await store.destroy(key);
      expect(await store.load(key)).toBeNull();
    } finally {
      raw.close();
      await store.close();
    }
  });

  it('fails a value larger than memcached takes with StoreError, and stays usable', async () => {
    const store = new MemcachedStore({ servers: address(single) });
    try {
      const key = unique('too-large');
      const error = await store.create(key, new Uint8Array(2 * 1024 * 1024), HOUR).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/too large/);
      expect(await store.create(key, bytes('small'), HOUR)).not.toBeNull();
    } finally {
      await store.close();
    }
  });

  it('checks keys and options', async () => {
    const store = new MemcachedStore({ servers: address(single) });
    await expect(store.load('k'.repeat(251))).rejects.toBeInstanceOf(RangeError);
    await expect(store.load('')).rejects.toBeInstanceOf(RangeError);
    await expect(store.create('k', bytes('x'), 0)).rejects.toBeInstanceOf(RangeError);
    await store.close();
    await expect(store.load('k')).rejects.toBeInstanceOf(StoreError);
    expect(() => new MemcachedStore({ timeoutMs: 0 })).toThrow(ConfigError);
    expect(() => new MemcachedStore({ servers: ' ' })).toThrow(ConfigError);
    expect(() => new MemcachedStore({ server: '127.0.0.1:11211' } as never)).toThrow(/option server is invalid: unknown option of MemcachedStore/);
    const failover = memjs.Client.create(address(single), { failover: true, logger: quiet });
    expect(() => new MemcachedStore({ client: failover })).toThrow(ConfigError);
    failover.close();
  });

  it('never closes a client passed in', async () => {
    const client = memjs.Client.create(address(single), { logger: quiet });
    try {
      const store = new MemcachedStore({ client });
      const key = unique('own-client');
      await store.create(key, bytes('x'), HOUR);
      await store.close();
      expect((await client.get(key)).value).not.toBeNull();
    } finally {
      client.close();
    }
  });
});

describe('MemcachedStore during outages', () => {
  it('fails with StoreError at once when nothing listens', async () => {
    const server = await startMemcached();
    const port = server.port;
    await server.stop();
    const timeoutMs = 1000;
    const store = new MemcachedStore({ servers: `127.0.0.1:${port}`, timeoutMs });
    try {
      for (const call of [
        () => store.load('session:x'),
        () => store.create('session:x', bytes('x'), HOUR),
        () => store.update('session:x', bytes('x'), 'v', HOUR),
        () => store.touch('session:x', HOUR),
        () => store.destroy('session:x'),
      ]) {
        const started = Date.now();
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
      }
    } finally {
      await store.close();
    }
  });

  it('fails with StoreError within timeoutMs when the server hangs, and recovers after', async () => {
    const server = await startMemcached();
    const timeoutMs = 500;
    const store = new MemcachedStore({ servers: address(server), timeoutMs });
    try {
      const key = unique('hang');
      const version = (await store.create(key, bytes('before'), HOUR))!;
      await server.pause();
      for (const call of [
        () => store.load(key),
        () => store.update(key, bytes('during'), version, HOUR),
        () => store.touch(key, HOUR),
      ]) {
        const started = Date.now();
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
        expect(elapsed).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
      }
      await server.resume();
      // The update may or may not have reached the server before it froze; whichever it was,
      // the record is one of the two writes, never lost or mixed.
      let loaded = null;
      for (let i = 0; i < 20 && loaded === null; i++) loaded = await store.load(key).catch(() => null);
      expect(['before', 'during']).toContain(text(loaded!.value));
    } finally {
      await server.resume();
      await store.close();
      await server.stop();
    }
  });

  it('with two servers, an outage of one fails its keys with StoreError and leaves the other’s intact', async () => {
    const a = await startMemcached();
    const b = await startMemcached();
    const servers = `${address(a)},${address(b)}`;
    const timeoutMs = 1000;
    const store = new MemcachedStore({ servers, timeoutMs });
    const rawA = rawClient(a);
    try {
      const keys = Array.from({ length: 20 }, (_, i) => unique(`spread-${i}`));
      const versions = new Map<string, string>();
      for (const key of keys) versions.set(key, (await store.create(key, bytes(key), HOUR))!);
      // memjs' hash put keys on both servers.
      const onA = new Set<string>();
      for (const key of keys) if ((await rawA.get(key)).value !== null) onA.add(key);
      expect(onA.size).toBeGreaterThan(0);
      expect(onA.size).toBeLessThan(keys.length);

      await b.stop();
      for (const key of keys) {
        if (onA.has(key)) {
          const loaded = await store.load(key);
          expect(text(loaded!.value)).toBe(key);
          expect(loaded!.version).toBe(versions.get(key));
          const updated = await store.update(key, bytes(`${key}!`), versions.get(key)!, HOUR);
          expect(updated.ok).toBe(true);
        } else {
          for (const call of [
            () => store.load(key),
            () => store.create(key, bytes('other'), HOUR),
            () => store.update(key, bytes('other'), versions.get(key)!, HOUR),
            () => store.touch(key, HOUR),
            () => store.destroy(key),
          ]) {
            const started = Date.now();
            await expect(call()).rejects.toBeInstanceOf(StoreError);
            expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
          }
        }
      }
      // Nothing of b's moved to a.
      for (const key of keys) if (!onA.has(key)) expect((await rawA.get(key)).value).toBeNull();
    } finally {
      rawA.close();
      await store.close();
      await a.stop();
      await b.stop();
    }
  });
});

describe('MemcachedStore without memjs installed', () => {
  it('loads, and names the package to install when used', async () => {
    const report = await useStoreWithout('memcached', ['memjs']);
    expect(report.moduleLoaded).toBe(true);
    expect(report.error).toMatchObject({ name: 'DriverMissingError', installCommand: 'npm install memjs@1', isStoreError: true });
  });
});
