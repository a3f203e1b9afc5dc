/**
 * Saves of one session in this process run one after another, each building on what the save
 * before it wrote: concurrent requests of one session then conflict at most once each (with a
 * write from another process), instead of racing each other's retries.
 *
 * A store failure ends the queue's wait: when a save fails with a `StoreError` (or reaches its
 * deadline while running), the saves waiting behind it fail at once with that same error instead
 * of each sending its own call to a store that just did not answer.
 */
import { StoreError } from '../../errors.js';
import type { StoreRecord } from '../../stores/store.js';

/** What a save wrote: the record as stored, and the data in it. */
export interface Written {
  readonly record: StoreRecord;
  readonly data: Record<string, unknown>;
}

/** One save's turn in the queue. */
export interface SaveTurn {
  /** What the previous save of this queue wrote, if it wrote anything. */
  readonly previous: Written | undefined;
  /** Tells the queue what this save wrote, for the save after it. */
  wrote(written: Written): void;
}

/** The saves of one key while any are queued. */
interface Queue {
  /** Settles once every save queued so far has settled. */
  tail: Promise<void>;
  /** Saves queued and not settled yet. */
  waiting: number;
  /** What the last save of the queue wrote. */
  written: Written | undefined;
  /** The saves still waiting for their turn, told when the save ahead of them fails. */
  readonly waiters: Set<(error: StoreError) => void>;
}

/** The per-key save queue of one `ServerSessionInterface`. Keys with no queued save hold no memory. */
export class SaveQueue {
  readonly #queues = new Map<string, Queue>();

  /**
   * Runs `save` once every save queued before it for `key` has settled, and returns what it
   * returns. Rejects without running it when `signal` aborts first (with the signal's reason), or
   * when a save ahead of it fails with a `StoreError` (with that error).
   */
  async run<R>(key: string, signal: AbortSignal, save: (turn: SaveTurn) => Promise<R>): Promise<R> {
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = { tail: Promise.resolve(), waiting: 0, written: undefined, waiters: new Set() };
      this.#queues.set(key, queue);
    }
    const current = queue;
    current.waiting++;
    const previous = current.tail;
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    current.tail = previous.then(() => done);
    try {
      await waitForTurn(current, previous, signal);
      const failOnDeadline = (): void => {
        if (signal.reason instanceof StoreError) failWaiters(current, signal.reason);
      };
      signal.addEventListener('abort', failOnDeadline, { once: true });
      try {
        return await save({
          previous: current.written,
          wrote: (written) => {
            current.written = written;
          },
        });
      } catch (error) {
        if (error instanceof StoreError) failWaiters(current, error);
        throw error;
      } finally {
        signal.removeEventListener('abort', failOnDeadline);
      }
    } finally {
      release();
      if (--current.waiting === 0 && this.#queues.get(key) === current) this.#queues.delete(key);
    }
  }
}

/** Resolves when `previous` settled; rejects first if a save ahead fails or `signal` aborts. */
function waitForTurn(queue: Queue, previous: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onFailure = (error: StoreError): void => {
      stopWaiting();
      reject(error);
    };
    const onAbort = (): void => {
      stopWaiting();
      reject(signal.reason);
    };
    const stopWaiting = (): void => {
      queue.waiters.delete(onFailure);
      signal.removeEventListener('abort', onAbort);
    };
    queue.waiters.add(onFailure);
    signal.addEventListener('abort', onAbort, { once: true });
    void previous.then(() => {
      stopWaiting();
      resolve();
    });
  });
}

/** Fails every save waiting in `queue` with `error`; saves queued later wait as usual. */
function failWaiters(queue: Queue, error: StoreError): void {
  const waiting = [...queue.waiters];
  queue.waiters.clear();
  for (const fail of waiting) fail(error);
}
