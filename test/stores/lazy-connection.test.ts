import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { LazyConnection } from '../../src/stores/internal/lazy-connection.js';

/** A connection that counts its opens and releases, and can be told to fail or to wait. */
function counted() {
  const counts = { opens: 0, releases: 0 };
  let failNext = false;
  let gate: Promise<void> | undefined;
  const connection = new LazyConnection(
    'test',
    async (operation: string) => {
      const n = ++counts.opens;
      await gate;
      if (failNext) {
        failNext = false;
        throw new Error(`open ${n} for ${operation} failed`);
      }
      return { n };
    },
    () => {
      counts.releases++;
    },
  );
  return {
    connection,
    counts,
    failNextOpen: () => void (failNext = true),
    holdOpens(): () => void {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    },
  };
}

describe('LazyConnection', () => {
  it('opens on first use, once, and shares an open in progress', async () => {
    const { connection, counts, holdOpens } = counted();
    expect(counts.opens).toBe(0);
    const release = holdOpens();
    const pending = [connection.get('load'), connection.get('create'), connection.get('update')];
    release();
    const opened = await Promise.all(pending);
    expect(counts.opens).toBe(1);
    expect(new Set(opened).size).toBe(1);
    expect(await connection.get('touch')).toBe(opened[0]);
    expect(counts.opens).toBe(1);
  });

  it('never keeps a failed open: the next call opens again', async () => {
    const { connection, counts, failNextOpen } = counted();
    failNextOpen();
    await expect(connection.get('load')).rejects.toThrow('open 1 for load failed');
    expect(await connection.get('create')).toEqual({ n: 2 });
    expect(await connection.get('update')).toEqual({ n: 2 });
    expect(counts.opens).toBe(2);
  });

  it('releases what it opened on close, once, and refuses every later call with StoreError', async () => {
    const { connection, counts } = counted();
    await connection.get('load');
    await connection.close();
    await connection.close();
    expect(counts.releases).toBe(1);
    const error = await connection.get('load').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain('the store is closed');
    expect((error as StoreError).operation).toBe('load');
    expect(counts.opens).toBe(1);
  });

  it('releases a connection still opening when closed, and nothing when never opened or failed', async () => {
    const opening = counted();
    const release = opening.holdOpens();
    const pending = opening.connection.get('load');
    const closing = opening.connection.close();
    release();
    await pending;
    await closing;
    expect(opening.counts.releases).toBe(1);

    const never = counted();
    await never.connection.close();
    expect(never.counts).toEqual({ opens: 0, releases: 0 });

    const failed = counted();
    failed.failNextOpen();
    await expect(failed.connection.get('load')).rejects.toThrow('failed');
    await failed.connection.close();
    expect(failed.counts.releases).toBe(0);
  });
});
