/**
 * Outage scenarios run against a store on a private server the test can crash (SIGKILL),
 * freeze (SIGSTOP) and restart on the same port:
 *
 * - `crashUnderLoad`: 20 concurrent writers read-modify-write one shared session and sessions
 *   of their own through the Store API; the server is killed mid-load; writers go on calling
 *   until each has seen its calls fail; the server restarts; the next save must succeed.
 *   Every call is timed and every write goes into a ledger, checked after the restart.
 * - `freeze`: with the server stopped, every kind of call fails with `StoreError` within
 *   `timeoutMs` (plus slack); after it thaws, the next save succeeds.
 *
 * Both watch the process for uncaught exceptions and unhandled rejections (a driver `'error'`
 * event nobody listens to stops a real application) and report what they measured.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { StoreError } from '../../../src/errors.js';
import type { Store } from '../../../src/stores/store.js';
import { TIMEOUT_SLACK_MS } from './timing.js';

/** A server that can be crashed, frozen and brought back on the same port and data. */
export interface OutageServer {
  /** SIGKILL, resolving once the server is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port, resolving once it accepts connections. */
  restart(): Promise<void>;
  /** SIGSTOP, resolving once /proc shows it stopped. */
  pause(): Promise<void>;
  /** SIGCONT, resolving once it runs again. */
  resume(): Promise<void>;
}

/** What a scenario measured. */
export interface OutageReport {
  /** From the outage (kill or freeze) to the first call failing with `StoreError`, in ms. */
  firstErrorMs: number;
  /** The longest call among those the outage affected, in ms. */
  longestCallMs: number;
  /** Uncaught exceptions and unhandled rejections while it ran. */
  crashes: number;
  /** Acknowledged writes missing after the restart (`undefined` when the backend keeps nothing). */
  lostWrites: number | undefined;
  /** From the server being back (restarted and accepting connections, or thawed) to the first successful save, in ms. */
  recoveryMs: number;
  /** Calls that succeeded and failed. */
  calls: { ok: number; failed: number };
}

/** Writers running at once. */
const WRITERS = 20;
/** Acknowledged writes before the server is killed, so it dies mid-load. */
const ACKS_BEFORE_KILL = 100;
/** Calls each writer makes at most, so the load is bounded whatever happens. */
const MAX_CALLS_PER_WRITER = 400;
/** Failures each writer sees after the server died before the writers stop. */
const FAILURES_AFTER_DEATH = 3;
/** Pause of a writer after a failed call, so a failing store is not called in a tight loop. */
const PAUSE_AFTER_FAILURE_MS = 10;
/** Longest wait for the first successful save after a restart (the client reconnecting included). */
const RECOVERY_LIMIT_MS = 15_000;
const TTL_MS = 3_600_000;

/** A session value of the scenario: which write made it, and the version it was based on. */
interface Written {
  token: string;
  basedOn: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (written: Written): Uint8Array => encoder.encode(JSON.stringify(written));
const decode = (value: Uint8Array): Written => JSON.parse(decoder.decode(value)) as Written;
/** `basedOn` of a record's first write. */
const CREATED = 'created';

/**
 * Every write of the scenario and every version it saw, per key. After the restart, the stored
 * record must descend from every acknowledged write: following `basedOn` back from it (through
 * versions learnt from loads and acknowledgements) must meet each of them. A write that failed
 * may or may not have happened (the server can commit and die before answering), so it may sit
 * on that chain too, but an acknowledged write off the chain was lost.
 */
class Ledger {
  readonly #acked = new Map<string, Set<string>>();
  readonly #written = new Map<string, Map<string, Written>>();
  readonly #versions = new Map<string, Map<string, string>>();

  /** A write about to be sent. */
  attempt(key: string, written: Written): void {
    this.#of(this.#written, key, () => new Map<string, Written>()).set(written.token, written);
  }

  /** A write the store acknowledged with `version`. */
  acknowledge(key: string, token: string, version: string): void {
    this.#of(this.#acked, key, () => new Set<string>()).add(token);
    this.saw(key, version, token);
  }

  /** A version of `key` seen holding the write `token`. */
  saw(key: string, version: string, token: string): void {
    this.#of(this.#versions, key, () => new Map<string, string>()).set(version, token);
  }

  /** The keys written. */
  keys(): string[] {
    return [...this.#acked.keys()];
  }

  /** How many acknowledged writes of `key` the stored record does not descend from. */
  lost(key: string, stored: Written | null): number {
    const acked = this.#acked.get(key) ?? new Set<string>();
    const written = this.#written.get(key) ?? new Map<string, Written>();
    if (!stored || !written.has(stored.token)) return acked.size; // gone, or a value nobody wrote
    const versions = this.#versions.get(key) ?? new Map<string, string>();
    const chain = new Set<string>();
    let current: Written | undefined = stored;
    while (current && !chain.has(current.token)) {
      chain.add(current.token);
      if (current.basedOn === CREATED) break;
      const previous = versions.get(current.basedOn);
      current = previous === undefined ? undefined : written.get(previous);
    }
    return [...acked].filter((token) => !chain.has(token)).length;
  }

  #of<V>(map: Map<string, V>, key: string, make: () => V): V {
    let value = map.get(key);
    if (value === undefined) {
      value = make();
      map.set(key, value);
    }
    return value;
  }
}

/** One store call as the scenario saw it. */
interface Call {
  startedAt: number;
  endedAt: number;
  error?: unknown;
}

/** Counts uncaught exceptions and unhandled rejections until `stop()`. */
function watchCrashes(): { count(): number; stop(): void } {
  let crashes = 0;
  const onCrash = (error: unknown): void => {
    crashes++;
    console.error('crash during the outage scenario:', error);
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  return {
    count: () => crashes,
    stop: () => {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    },
  };
}

/** Times `fn` into `calls`; resolves with its result, or `undefined` after a failure (kept in the call). */
async function timed<T>(calls: Call[], fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  const call: Call = { startedAt: Date.now(), endedAt: 0 };
  calls.push(call);
  try {
    const value = await fn();
    call.endedAt = Date.now();
    return { ok: true, value };
  } catch (error) {
    call.endedAt = Date.now();
    call.error = error;
    return { ok: false };
  }
}

/** Saves `key` (creating it, or updating what is there) until one save succeeds; the time it took. */
async function timeToSave(store: Store, key: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      const value = encode({ token: randomUUID(), basedOn: CREATED });
      const current = await store.load(key);
      if (current ? (await store.update(key, value, current.version, TTL_MS)).ok : (await store.create(key, value, TTL_MS)) !== null) {
        return Date.now() - started;
      }
    } catch (error) {
      expect(error).toBeInstanceOf(StoreError);
      if (Date.now() - started > RECOVERY_LIMIT_MS) throw error;
      await sleep(PAUSE_AFTER_FAILURE_MS);
    }
  }
}

/**
 * Kills the server under load and restarts it (see the file comment). `persistent`: whether the
 * backend keeps acknowledged writes over a crash (Redis with an fsync'ed append-only file,
 * PostgreSQL, MariaDB); for one that keeps nothing (memcached), the restarted server must hold
 * nothing, and no call may have succeeded once the server was dead.
 */
export async function crashUnderLoad(
  store: Store,
  server: OutageServer,
  { timeoutMs, persistent }: { timeoutMs: number; persistent: boolean },
): Promise<OutageReport> {
  const crashes = watchCrashes();
  try {
    const run = randomUUID().slice(0, 8);
    const shared = `session:outage-${run}-shared`;
    const own = Array.from({ length: WRITERS }, (_, i) => `session:outage-${run}-writer-${i}`);
    const ledger = new Ledger();
    for (const key of [shared, ...own]) {
      const written = { token: randomUUID(), basedOn: CREATED };
      ledger.attempt(key, written);
      const version = await store.create(key, encode(written), TTL_MS);
      expect(version).not.toBeNull();
      ledger.acknowledge(key, written.token, version!);
    }

    const calls: Call[] = [];
    let acks = 0;
    /** When the server was dead (set once `kill()` resolved). */
    const death: { at?: number } = {};
    let killed!: () => void;
    const killTime = new Promise<void>((resolve) => (killed = resolve));
    const writer = async (index: number): Promise<void> => {
      let failuresAfterDeath = 0;
      for (let call = 0; call < MAX_CALLS_PER_WRITER && failuresAfterDeath < FAILURES_AFTER_DEATH; call++) {
        const key = call % 2 === 0 ? shared : own[index]!;
        const loaded = await timed(calls, () => store.load(key));
        let ok = loaded.ok;
        if (loaded.ok && loaded.value) {
          const current = loaded.value;
          ledger.saw(key, current.version, decode(current.value).token);
          const written = { token: randomUUID(), basedOn: current.version };
          ledger.attempt(key, written);
          const updated = await timed(calls, () => store.update(key, encode(written), current.version, TTL_MS));
          ok = updated.ok;
          if (updated.ok && updated.value.ok) {
            ledger.acknowledge(key, written.token, updated.value.version);
            if (++acks === ACKS_BEFORE_KILL) killed();
          }
        }
        if (!ok) {
          if (death.at !== undefined) failuresAfterDeath++;
          await sleep(PAUSE_AFTER_FAILURE_MS);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, index) => writer(index));
    await Promise.race([killTime, Promise.all(writers)]);
    expect(acks).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
    const killAt = Date.now();
    await server.kill();
    const deadAt = Date.now();
    death.at = deadAt;
    await Promise.all(writers);

    // Every failure is a StoreError, no call outlived its bound, none succeeded on a dead server.
    const affected = calls.filter((call) => call.endedAt >= killAt);
    const failures = calls.filter((call) => call.error !== undefined);
    for (const call of failures) expect(call.error).toBeInstanceOf(StoreError);
    for (const call of affected) expect(call.endedAt - call.startedAt).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
    const afterDeath = calls.filter((call) => call.startedAt >= deadAt);
    expect(afterDeath.length).toBeGreaterThan(0);
    for (const call of afterDeath) expect(call.error).toBeInstanceOf(StoreError);
    const firstError = Math.min(...failures.map((call) => call.endedAt).filter((at) => at >= killAt));

    await server.restart();
    const recoveryMs = await timeToSave(store, `session:outage-${run}-after`);

    let lostWrites: number | undefined;
    if (persistent) {
      lostWrites = 0;
      for (const key of ledger.keys()) {
        const record = await store.load(key);
        lostWrites += ledger.lost(key, record ? decode(record.value) : null);
      }
      expect(lostWrites).toBe(0);
    } else {
      for (const key of ledger.keys()) expect(await store.load(key)).toBeNull();
    }
    expect(crashes.count()).toBe(0);
    return {
      firstErrorMs: firstError - killAt,
      longestCallMs: Math.max(...affected.map((call) => call.endedAt - call.startedAt)),
      crashes: crashes.count(),
      lostWrites,
      recoveryMs,
      calls: { ok: calls.length - failures.length, failed: failures.length },
    };
  } finally {
    crashes.stop();
  }
}

/** Freezes the server and checks that every kind of call fails in bounded time, then thaws it (see the file comment). */
export async function freeze(store: Store, server: OutageServer, { timeoutMs }: { timeoutMs: number }): Promise<OutageReport> {
  const crashes = watchCrashes();
  try {
    const key = `session:freeze-${randomUUID().slice(0, 8)}`;
    const version = (await store.create(key, encode({ token: 'before', basedOn: CREATED }), TTL_MS))!;
    await server.pause();
    const pausedAt = Date.now();
    const calls: Call[] = [];
    try {
      const attempts: (() => Promise<unknown>)[] = [
        () => store.load(key),
        () => store.create(`${key}-new`, encode({ token: 'new', basedOn: CREATED }), TTL_MS),
        () => store.update(key, encode({ token: 'during', basedOn: version }), version, TTL_MS),
        () => store.touch(key, TTL_MS),
        () => store.destroy(`${key}-other`),
      ];
      await Promise.all(attempts.map((call) => timed(calls, call)));
    } finally {
      await server.resume();
    }
    for (const call of calls) {
      expect(call.error).toBeInstanceOf(StoreError);
      expect(call.endedAt - call.startedAt).toBeLessThan(timeoutMs + TIMEOUT_SLACK_MS);
    }
    const recoveryMs = await timeToSave(store, key);
    expect(crashes.count()).toBe(0);
    return {
      firstErrorMs: Math.min(...calls.map((call) => call.endedAt)) - pausedAt,
      longestCallMs: Math.max(...calls.map((call) => call.endedAt - call.startedAt)),
      crashes: crashes.count(),
      lostWrites: undefined,
      recoveryMs,
      calls: { ok: 0, failed: calls.length },
    };
  } finally {
    crashes.stop();
  }
}

/** Prints a report line for the record. */
export function logReport(label: string, report: OutageReport): void {
  console.info(
    `${label}: first StoreError after ${report.firstErrorMs} ms, longest call ${report.longestCallMs} ms, ` +
      `crashes ${report.crashes}, acknowledged writes lost ${report.lostWrites ?? 'n/a (nothing kept)'}, ` +
      `first save ${report.recoveryMs} ms after the server was back (calls: ${report.calls.ok} ok, ${report.calls.failed} failed)`,
  );
}
