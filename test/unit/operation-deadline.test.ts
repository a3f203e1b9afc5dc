import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { ConfigError, SessionKitError, StoreError } from '../../src/errors.js';
import { DEADLINE_SLACK_MS, DEFAULT_OPERATION_TIMEOUT_MS, operationDeadlineMs, withinDeadline } from '../../src/interfaces/server/deadline.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { SaveQueue, type SaveTurn } from '../../src/interfaces/server/save-queue.js';
import { OperationTimeoutError } from '../../src/stores/internal/deadline.js';
import { MemcachedStore } from '../../src/stores/memcached/index.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { MongoStore } from '../../src/stores/mongodb/index.js';
import { RedisStore, type RedisClientLike } from '../../src/stores/redis/index.js';
import { SqlStore } from '../../src/stores/sql/index.js';
import type { Store } from '../../src/stores/store.js';

describe('the deadline of a load or save', () => {
  it("is operationTimeout when given, else the store's timeoutMs plus the slack, else the default", () => {
    expect(operationDeadlineMs(500, 2000)).toBe(500);
    expect(operationDeadlineMs(undefined, 2000)).toBe(2000 + DEADLINE_SLACK_MS);
    expect(operationDeadlineMs(undefined, undefined)).toBe(DEFAULT_OPERATION_TIMEOUT_MS);
    const memory: Store = new MemoryStore();
    expect(operationDeadlineMs(undefined, memory.timeoutMs)).toBe(DEFAULT_OPERATION_TIMEOUT_MS);
  });

  it('reads timeoutMs from every store that has the option, without connecting', async () => {
    const stores: Store[] = [
      new RedisStore({ client: createClient() as RedisClientLike, timeoutMs: 1234 }),
      new MemcachedStore({ servers: '127.0.0.1:1', timeoutMs: 1234 }),
      new MongoStore({ url: 'mongodb://127.0.0.1:1/', timeoutMs: 1234 }),
      new SqlStore({ dialect: 'postgres', connection: 'postgres://127.0.0.1:1/x', timeoutMs: 1234 }),
    ];
    expect(stores.map((store) => store.timeoutMs)).toEqual([1234, 1234, 1234, 1234]);
    expect(new RedisStore({ client: createClient() as RedisClientLike }).timeoutMs).toBe(2000);
    await Promise.all(stores.map((store) => store.close?.()));
  });

  it('validates operationTimeout as seconds', () => {
    for (const bad of [0, -1, '2', Number.NaN, 2_000_000_000]) {
      const error = (() => {
        try {
          return new ServerSessionInterface({ store: new MemoryStore(), operationTimeout: bad as number });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).option).toBe('operationTimeout');
    }
    expect(() => new ServerSessionInterface({ store: new MemoryStore(), operationTimeout: 0.5 })).not.toThrow();
  });

  it('passes results and failures through unchanged when in time', async () => {
    expect(await withinDeadline(10_000, () => 'memory', 'load', async () => 42)).toBe(42);
    const own = new SessionKitError('not a store failure');
    await expect(withinDeadline(10_000, () => 'memory', 'save', async () => Promise.reject(own))).rejects.toBe(own);
  });

  it('rejects at the deadline with a StoreError and aborts the signal with it', async () => {
    let seen: AbortSignal | undefined;
    const error = (await withinDeadline(5, () => 'memory', 'save', (signal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    }).catch((e: unknown) => e)) as StoreError;
    expect(error).toBeInstanceOf(StoreError);
    expect([error.store, error.operation]).toEqual(['memory', 'save']);
    expect(error.cause).toBeInstanceOf(OperationTimeoutError);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
  });
});

describe('SaveQueue', () => {
  /** A save that runs until `finish` is called; `ran` tells whether it started. */
  function heldSave() {
    let finish!: (error?: unknown) => void;
    const state = { ran: false };
    const save = (_turn: SaveTurn): Promise<string> => {
      state.ran = true;
      return new Promise((resolve, reject) => {
        finish = (error) => (error === undefined ? resolve('saved') : reject(error));
      });
    };
    return { save, state, finish: (error?: unknown) => finish(error) };
  }
  const never = new AbortController().signal;
  const settle = <T>(promise: Promise<T>) => promise.then((value) => ({ value }), (error: unknown) => ({ error }));
  /** Lets every pending promise callback run (the queue hands turns over in microtasks). */
  const drain = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('fails the saves waiting behind one that failed with a StoreError, with its error and without running them', async () => {
    const queue = new SaveQueue();
    const first = heldSave();
    const running = settle(queue.run('k', never, first.save));
    const waiting = [heldSave(), heldSave()];
    const queued = waiting.map((held) => settle(queue.run('k', never, held.save)));
    await drain();
    const failure = new StoreError('redis', 'update', new Error('no answer'));
    first.finish(failure);
    expect(await running).toEqual({ error: failure });
    for (const outcome of await Promise.all(queued)) expect(outcome).toEqual({ error: failure });
    expect(waiting.map((held) => held.state.ran)).toEqual([false, false]);

    // A save queued after the failure runs as usual.
    const later = heldSave();
    const next = settle(queue.run('k', never, later.save));
    await drain();
    expect(later.state.ran).toBe(true);
    later.finish();
    expect(await next).toEqual({ value: 'saved' });
  });

  it('runs the next save as usual after a failure that is not the store’s', async () => {
    const queue = new SaveQueue();
    const first = heldSave();
    const running = settle(queue.run('k', never, first.save));
    const second = heldSave();
    const queued = settle(queue.run('k', never, second.save));
    await drain();
    first.finish(new SessionKitError('gave up after conflicts'));
    await running;
    await drain();
    expect(second.state.ran).toBe(true);
    second.finish();
    expect(await queued).toEqual({ value: 'saved' });
  });

  it('drops a waiting save whose signal aborts, and fails the waiters when a running save reaches its deadline', async () => {
    const queue = new SaveQueue();
    const first = heldSave();
    const firstDeadline = new AbortController();
    const running = settle(queue.run('k', firstDeadline.signal, first.save));
    const dropped = heldSave();
    const ownDeadline = new AbortController();
    const droppedOutcome = settle(queue.run('k', ownDeadline.signal, dropped.save));
    const behind = heldSave();
    const behindOutcome = settle(queue.run('k', never, behind.save));
    await drain();

    const own = new StoreError('redis', 'save', new OperationTimeoutError(5));
    ownDeadline.abort(own);
    expect(await droppedOutcome).toEqual({ error: own });

    const deadline = new StoreError('redis', 'save', new OperationTimeoutError(10));
    firstDeadline.abort(deadline);
    expect(await behindOutcome).toEqual({ error: deadline });
    expect([dropped.state.ran, behind.state.ran]).toEqual([false, false]);
    // The running save itself ends when its store call does.
    first.finish();
    expect(await running).toEqual({ value: 'saved' });
  });
});
