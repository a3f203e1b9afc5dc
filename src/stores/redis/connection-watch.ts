/**
 * What a store learns about a Redis client's connection from the client's events, so that a
 * command sent while the connection is down fails at once, with the reason the client gave
 * (connection refused, password refused, the server went away), instead of waiting in the
 * client's queue until the store's `timeoutMs` passes. The client keeps reconnecting on its own;
 * once it is ready again, commands go through as before.
 *
 * Watching means listening to the client's `'error'` event, which also keeps an unhandled
 * `'error'` event from stopping the process. The user's own listeners stay as they are.
 */

/** A connection failure the client reported and the watch remembers until the client is ready again. */
export interface ConnectionWatch {
  /** The latest failure since the connection was last ready; `undefined` while it is ready or has not failed yet. */
  readonly failure: Error | undefined;
  /** Calls `listener` at every failure from now on, until the returned function is called. */
  onFailure(listener: (error: Error) => void): () => void;
}

/** The events of a node-redis v5 client the watch uses. */
export interface NodeRedisEvents {
  readonly isReady: boolean;
  on(event: 'error' | 'ready', listener: (error?: unknown) => void): unknown;
}

/** The events of an ioredis client the watch uses. */
export interface IoRedisEvents {
  readonly status: string;
  on(event: 'error' | 'close' | 'ready', listener: (error?: unknown) => void): unknown;
}

class Watch implements ConnectionWatch {
  failure: Error | undefined;
  readonly #listeners = new Set<(error: Error) => void>();

  fail(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    for (const listener of [...this.#listeners]) listener(failure);
  }

  recover(): void {
    this.failure = undefined;
  }

  onFailure(listener: (error: Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** One watch per client, however many stores share it: one listener each. */
const watches = new WeakMap<object, Watch>();

/** The watch of a node-redis client (single node): every `'error'` while it is not ready is a failure. */
export function watchNodeRedis(client: NodeRedisEvents): ConnectionWatch {
  let watch = watches.get(client);
  if (!watch) {
    const created = new Watch();
    watches.set(client, created);
    // node-redis marks the socket not ready before it emits the error that broke it, and emits
    // one for every failed reconnection attempt. An error while ready (a bad reply) is not a
    // connection failure.
    client.on('error', (error) => {
      if (!client.isReady) created.fail(error);
    });
    client.on('ready', () => created.recover());
    watch = created;
  }
  return watch;
}

/** Reason given when ioredis closes a connection without an error (the server closed it). */
const CLOSED = 'the connection to Redis was closed';

/**
 * The watch of an ioredis client (single node): an `'error'` while not ready, or the connection
 * closing, is a failure. A close keeps the more precise reason of an error reported before it.
 */
export function watchIoRedis(client: IoRedisEvents): ConnectionWatch {
  let watch = watches.get(client);
  if (!watch) {
    const created = new Watch();
    watches.set(client, created);
    client.on('error', (error) => {
      if (client.status !== 'ready') created.fail(error);
    });
    client.on('close', () => created.fail(created.failure ?? new Error(CLOSED)));
    client.on('ready', () => created.recover());
    watch = created;
  }
  return watch;
}

/**
 * Runs `send` unless the connection is known to be down, and fails it as soon as the connection
 * fails while it waits: with the failure's error, and by aborting the signal `send` gets (which
 * drops a command still queued in node-redis). A command already written may still run on the
 * server.
 */
export async function failingFast<T>(watch: ConnectionWatch, signal: AbortSignal, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (watch.failure) throw watch.failure;
  const lost = new AbortController();
  let stop = (): void => undefined;
  const failed = new Promise<never>((_, reject) => {
    stop = watch.onFailure((error) => {
      // Rejected before the abort, so the failure wins over the driver's AbortError.
      reject(error);
      lost.abort(error);
    });
  });
  failed.catch(() => undefined);
  try {
    return await Promise.race([send(AbortSignal.any([signal, lost.signal])), failed]);
  } finally {
    stop();
  }
}
