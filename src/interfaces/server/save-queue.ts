/**
 * Saves of one session in this process run one after another, each building on what the save
 * before it wrote: concurrent requests of one session then conflict at most once each (with a
 * write from another process), instead of racing each other's retries.
 */
import { KeyedMutex } from '../../internal/keyed-mutex.js';
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

/** The saves of one key (and what the last of them wrote) while any are queued. */
interface Queue {
  waiting: number;
  written: Written | undefined;
}

/** The per-key save queue of one `ServerSessionInterface`. Keys with no queued save hold no memory. */
export class SaveQueue {
  readonly #mutex = new KeyedMutex();
  readonly #queues = new Map<string, Queue>();

  /** Runs `save` once every save queued before it for `key` has settled; returns what it returns. */
  async run<R>(key: string, save: (turn: SaveTurn) => Promise<R>): Promise<R> {
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = { waiting: 0, written: undefined };
      this.#queues.set(key, queue);
    }
    queue.waiting++;
    const current = queue;
    try {
      return await this.#mutex.run(key, () =>
        save({
          previous: current.written,
          wrote: (written) => {
            current.written = written;
          },
        }),
      );
    } finally {
      if (--current.waiting === 0) this.#queues.delete(key);
    }
  }
}
