/**
 * One deadline per load and save as the caller sees it, against real servers frozen with SIGSTOP
 * (connections stay open, nothing answers): ten concurrent saves of one session all fail within
 * the store's timeout plus slack — not after 1×, 2×, … 10× the timeout, as they would if each
 * waited in line for the one before it to time out — and a load does too.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import type { Session } from '../../src/session.js';
import { OperationTimeoutError } from '../../src/stores/internal/deadline.js';
import { MemcachedStore } from '../../src/stores/memcached/index.js';
import { RedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import type { Store } from '../../src/stores/store.js';
import { startMemcached } from './support/memcached.js';
import { startServer, type ChildServer } from './support/processes.js';
import { TIMEOUT_SLACK_MS } from './support/timing.js';

type Data = Record<string, number>;

/** Concurrent saves of one session. */
const SAVES = 10;

/** A backend server of our own, and a store on it with the given timeout. */
interface Backend {
  readonly server: ChildServer;
  store(timeoutMs: number): Store;
  close(): Promise<void>;
}

const BACKENDS: Record<string, () => Promise<Backend>> = {
  redis: async () => {
    const server = await startServer('redis-server', '/usr/bin/redis-server', (port) => [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    ]);
    const client = createClient({ url: `redis://127.0.0.1:${server.port}`, socket: { reconnectStrategy: () => 100 } });
    client.on('error', () => undefined); // failures are asserted through the store
    await client.connect();
    return {
      server,
      store: (timeoutMs) => new RedisStore({ client: client as RedisClientLike, timeoutMs }),
      async close() {
        await server.resume();
        client.destroy();
        await server.stop();
      },
    };
  },
  memcached: async () => {
    const server = await startMemcached();
    const stores: MemcachedStore[] = [];
    return {
      server,
      store: (timeoutMs) => {
        const store = new MemcachedStore({ servers: `127.0.0.1:${server.port}`, timeoutMs });
        stores.push(store);
        return store;
      },
      async close() {
        await server.resume();
        await Promise.all(stores.map((store) => store.close()));
        await server.stop();
      },
    };
  },
};

/** `count` sessions opened from one session cookie, loaded, each with a key of its own changed. */
async function concurrentRequests(iface: ServerSessionInterface<Data>, count: number): Promise<{ cookie: string; sessions: Session<Data>[] }> {
  const first = iface.open(undefined);
  await first.load();
  first.set('start', 0);
  const cookie = (await iface.save(first)).setCookie[0]!.split(';')[0]!;
  const sessions = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const session = iface.open(cookie);
      await session.load();
      session.set(`request${i}`, i);
      return session;
    }),
  );
  return { cookie, sessions };
}

/** When each save failed (ms after the start) and with what; a save that succeeded fails the test. */
async function saveAll(iface: ServerSessionInterface<Data>, sessions: Session<Data>[]): Promise<Array<{ error: unknown; afterMs: number }>> {
  const started = Date.now();
  return Promise.all(
    sessions.map((session) =>
      iface.save(session).then(
        () => ({ error: undefined, afterMs: Date.now() - started }),
        (error: unknown) => ({ error, afterMs: Date.now() - started }),
      ),
    ),
  );
}

for (const [name, open] of Object.entries(BACKENDS)) {
  describe(`ServerSessionInterface on a frozen ${name}`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await open();
    });
    afterAll(() => backend.close());

    it(`fails ${SAVES} concurrent saves of one session within one timeout, the queued ones with the first one's error`, async () => {
      // Long enough that ten timeouts in a row (10 s) could not pass for one plus the slack.
      const timeoutMs = 1000;
      const iface = new ServerSessionInterface<Data>({ store: backend.store(timeoutMs) });
      const { cookie, sessions } = await concurrentRequests(iface, SAVES);
      await backend.server.pause();
      try {
        const outcomes = await saveAll(iface, sessions);
        const times = outcomes.map((outcome) => outcome.afterMs);
        for (const { error, afterMs } of outcomes) {
          expect(error).toBeInstanceOf(StoreError);
          expect(afterMs).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
        }
        // The last is not one timeout per save behind the first.
        expect(Math.max(...times) - Math.min(...times)).toBeLessThan(TIMEOUT_SLACK_MS);
        // Only the first save sent a write; those queued behind it took its failure.
        const first = outcomes[0]!.error as StoreError;
        expect(first.operation).toBe('update');
        expect(first.cause).toBeInstanceOf(OperationTimeoutError);
        for (const { error } of outcomes.slice(1)) expect(error).toBe(first);

        // A load is bounded the same way.
        const started = Date.now();
        const loadError = await iface.open(cookie).load().catch((e: unknown) => e);
        expect(loadError).toBeInstanceOf(StoreError);
        expect(Date.now() - started).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
      } finally {
        await backend.server.resume();
      }

      // Once the server answers again, so do the saves.
      const { sessions: after } = await concurrentRequests(iface, 2);
      const saved = await saveAll(iface, after);
      expect(saved.map((outcome) => outcome.error)).toEqual([undefined, undefined]);
    });

    it('ends a load or save at operationTimeout, however long the store would wait', async () => {
      const operationTimeout = 0.3;
      // A store timeout far beyond the slack: failing before it means the deadline ended the call.
      const iface = new ServerSessionInterface<Data>({ store: backend.store(60_000), operationTimeout });
      const { cookie, sessions } = await concurrentRequests(iface, 3);
      await backend.server.pause();
      try {
        for (const { error, afterMs } of await saveAll(iface, sessions)) {
          expect(error).toBeInstanceOf(StoreError);
          expect((error as StoreError).operation).toBe('save');
          expect((error as StoreError).cause).toBeInstanceOf(OperationTimeoutError);
          expect(afterMs).toBeLessThan(operationTimeout * 1000 + TIMEOUT_SLACK_MS);
        }
        const started = Date.now();
        const loadError = (await iface.open(cookie).load().catch((e: unknown) => e)) as StoreError;
        expect(loadError).toBeInstanceOf(StoreError);
        expect(loadError.operation).toBe('load');
        expect(Date.now() - started).toBeLessThan(operationTimeout * 1000 + TIMEOUT_SLACK_MS);
      } finally {
        await backend.server.resume();
      }
    });
  });
}
