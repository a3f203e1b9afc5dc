/**
 * `npm run bench`: HTTP throughput of sessionkit against bare servers and peer libraries, then
 * MemoryStore memory growth, store latencies and store calls per request; writes
 * `bench/RESULTS.md`.
 *
 * Each HTTP contender runs alone in its own child process (`server.ts`) while autocannon loads it
 * from this process. Settings (environment variables):
 *
 * - `BENCH_DURATION` seconds per round (10), `BENCH_WARMUP` seconds of warm-up (3),
 *   `BENCH_ROUNDS` rounds (3), `BENCH_CONNECTIONS` (10);
 * - `BENCH_ONLY=node,sk-node-cookie` to run some contenders only (ids in `contenders.ts`);
 * - `BENCH_SECTIONS=http,memory,latency,calls,runtime` to run some sections only (`runtime`:
 *   bare node:http and sessionkit cookie sessions run compiled and through tsx, back to back);
 * - `BENCH_SESSIONS` sessions of the memory section (1,000,000), `BENCH_STORE_OPS` operations
 *   per store and kind in the latency section (2,000);
 * - `BENCH_RUNNER=compiled|tsx` how children run the sources (see `runtime.ts`);
 * - `BENCH_SESSIONS_PER=shared|connection`: every connection sends the one returning user's
 *   cookie (`shared`, default), or each connection has a session of its own (`connection`: no
 *   two concurrent requests on one session);
 * - `BENCH_INTERLEAVE=1`: the HTTP contenders' rounds alternate (round 1 of each, then round 2…)
 *   instead of one contender after the other, so a change of the machine's load hits all alike;
 * - `BENCH_MAX_LOAD` (1.5): above this 1-minute load average the run waits (up to
 *   `BENCH_LOAD_WAIT` checks, 30 s apart, default 6) before starting anyway;
 * - `BENCH_OUT` the results file (`bench/RESULTS.md`; the raw figures go next to it, `.json`).
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { envNumber, runSection, startChild, TSX_RUNTIME, type ChildRuntime } from './child.js';
import { CONTENDERS, type ChildMessage, type Contender, type ParentMessage } from './contenders.js';
import type { CallCounts } from './counting-store.js';
import { cookieHeaderFrom, probe, runLoad, setCookieBytes, type LoadResult } from './load.js';
import type { MemoryResult } from './memory.js';
import { renderResults, summarize, targets, type BenchResults, type ContenderResult, type RunInfo, type RuntimeComparison } from './report.js';
import { prepareRuntime, type PreparedRuntime } from './runtime.js';
import type { StoreCallsResult } from './store-calls.js';
import type { StoreLatencyResult } from './store-latency.js';
import { deleteRedisKeys, REDIS_PREFIX } from './stores.js';

const settings = {
  duration: envNumber('BENCH_DURATION', 10),
  warmup: envNumber('BENCH_WARMUP', 3),
  rounds: Math.round(envNumber('BENCH_ROUNDS', 3)),
  connections: Math.round(envNumber('BENCH_CONNECTIONS', 10)),
  maxLoad: envNumber('BENCH_MAX_LOAD', 1.5),
  sessionsPer: process.env.BENCH_SESSIONS_PER ?? 'shared',
  interleave: process.env.BENCH_INTERLEAVE === '1',
  loadChecks: Math.round(envNumber('BENCH_LOAD_WAIT', 6)),
  only: process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined,
  sections: new Set((process.env.BENCH_SECTIONS ?? 'http,memory,latency,calls,runtime').split(',').map((s) => s.trim())),
  out: process.env.BENCH_OUT ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url)),
};

/** The command line that reproduces this run, with the settings that differ from the defaults. */
function commandLine(): string {
  const names = [
    'BENCH_DURATION', 'BENCH_WARMUP', 'BENCH_ROUNDS', 'BENCH_CONNECTIONS', 'BENCH_ONLY', 'BENCH_SECTIONS',
    'BENCH_SESSIONS', 'BENCH_STORE_OPS', 'BENCH_RUNNER', 'BENCH_SESSIONS_PER', 'BENCH_INTERLEAVE',
  ];
  const env = names.filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`);
  return [...env, 'npm run bench'].join(' ');
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Waits for a message of the given type from a child, or fails when it exits first. */
function nextMessage<T extends ChildMessage['type']>(child: ChildProcess, type: T, timeoutMs: number): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${type} message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (message: ChildMessage): void => {
      if (message.type === type) done(undefined, message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null, signal: string | null): void => done(new Error(`server exited (${signal ?? `code ${String(code)}`})`));
    function done(error: Error | undefined, message?: Extract<ChildMessage, { type: T }>): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Stops a server child and waits for it to exit (killing it if it does not within 5 s). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.send({ type: 'stop' } satisfies ParentMessage);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Warm-up, round length and rounds of one contender's measurement. */
interface Timing {
  warmup: number;
  duration: number;
  rounds: number;
}

/**
 * One HTTP contender's server child and its measurements, in phases: `start` (the child, the
 * returning users' cookies), `warmup`, `round` (as many as wanted), `finish` (checks, store
 * calls, stop). Any failure is recorded in the result and ends the contender.
 */
class ContenderRun {
  readonly result: ContenderResult;
  #child: ChildProcess | undefined;
  #url = '';
  #cookies: string[] = [];

  constructor(
    readonly contender: Contender,
    readonly timing: Timing,
  ) {
    this.result = { contender, rounds: [] };
  }

  /** Starts the child and takes the cookie of one returning user (or, with BENCH_SESSIONS_PER=connection, one per connection). */
  async start(runtime: ChildRuntime): Promise<void> {
    await this.#step(async () => {
      this.#child = startChild(runtime, 'server.ts', [this.contender.id], [], { BENCH_REDIS_PREFIX: REDIS_PREFIX });
      const { port } = await nextMessage(this.#child, 'ready', 60_000);
      this.#url = `http://127.0.0.1:${port}/`;
      // Baselines too, so that every contender sees the same load generator.
      const users = settings.sessionsPer === 'connection' ? settings.connections : 1;
      for (let i = 0; i < users; i++) {
        const first = await probe(this.#url);
        if (first.status !== 200) throw new Error(`first request answered ${first.status}`);
        this.#cookies.push(cookieHeaderFrom(first.setCookie));
      }
      if (this.contender.session !== 'none' && this.#cookies.some((c) => !c)) throw new Error('the first request set no session cookie');
      this.result.cookieBytes = Buffer.byteLength(this.#cookies[0]!);
    });
  }

  async warmup(): Promise<void> {
    await this.#step(async () => {
      this.result.warmup = await this.#load(this.timing.warmup);
    });
  }

  async round(): Promise<void> {
    await this.#step(async () => {
      const cpuBefore = await this.#serverCpu();
      const measured = await this.#load(this.timing.duration);
      if (measured.responses > 0) measured.serverCpuUs = ((await this.#serverCpu()) - cpuBefore) / measured.responses;
      this.result.rounds.push(measured);
      log(
        `  ${this.contender.id} round ${this.result.rounds.length}: ${Math.round(measured.rps)} req/s, p50 ${measured.p50Us} µs, ` +
          `p99 ${measured.p99Us} µs, server CPU ${measured.serverCpuUs?.toFixed(1) ?? '?'} µs/req, errors ${measured.errors}, non-2xx ${measured.non2xx}`,
      );
    });
  }

  /** CPU time the server child used so far, in µs. */
  async #serverCpu(): Promise<number> {
    const child = this.#child!;
    child.send({ type: 'cpu' } satisfies ParentMessage);
    return (await nextMessage(child, 'cpu', 10_000)).micros;
  }

  /** Checks the session after the load, reads the store calls and stops the child. */
  async finish(): Promise<ContenderResult> {
    const { result, contender } = this;
    try {
      await this.#step(async () => {
        const child = this.#child!;
        const finals = [];
        for (const c of this.#cookies) finals.push(await probe(this.#url, c || undefined));
        result.responses = 2 * this.#cookies.length + (result.warmup?.responses ?? 0) + result.rounds.reduce((sum, r) => sum + r.responses, 0);
        const bad = finals.find((f) => f.status !== 200);
        if (bad) throw new Error(`a request after the run answered ${bad.status}`);
        if (contender.session !== 'none') {
          result.setCookieBytes = setCookieBytes(finals[0]!.setCookie);
          // A cookie session is read from the unchanged cookie (counter 1), a server one from the store.
          if (contender.session === 'cookie' && finals.some((f) => f.body !== '2')) throw new Error(`the session was not read: counter ${finals[0]!.body}, expected 2`);
          if (contender.session === 'server') result.finalCounter = finals.reduce((sum, f) => sum + Number(f.body), 0);
        }
        child.send({ type: 'stats' } satisfies ParentMessage);
        result.storeCalls = (await nextMessage(child, 'stats', 10_000)).storeCalls as CallCounts | null;
        const summary = summarize(result);
        if (summary && summary.errors > 0) result.failure = `${summary.errors} errors or non-2xx responses`;
      });
    } finally {
      if (this.#child) await stopChild(this.#child);
    }
    return result;
  }

  #load(seconds: number): Promise<LoadResult> {
    const headersOf = (c: string): Record<string, string> => (c ? { cookie: c } : {});
    const perConnection = this.#cookies.length > 1 ? this.#cookies.map(headersOf) : undefined;
    return runLoad({ url: this.#url, connections: settings.connections, seconds, headers: headersOf(this.#cookies[0]!), perConnection });
  }

  /** Runs a phase unless the contender already failed; a failure is recorded, not thrown. */
  async #step(phase: () => Promise<void>): Promise<void> {
    if (this.result.failure) return;
    try {
      await phase();
    } catch (error) {
      this.result.failure = error instanceof Error ? error.message : String(error);
    }
  }
}

/** Runs one HTTP contender from start to stop. */
async function measureContender(runtime: ChildRuntime, contender: Contender, timing: Timing = settings): Promise<ContenderResult> {
  const run = new ContenderRun(contender, timing);
  await run.start(runtime);
  await run.warmup();
  for (let round = 0; round < timing.rounds; round++) await run.round();
  return run.finish();
}

/**
 * Runs HTTP contenders with their rounds interleaved (`BENCH_INTERLEAVE=1`): every child is
 * started and warmed up, then round 1 of each contender, round 2 of each, and so on, so that on
 * a shared machine a change of load falls on every contender alike. Only one is loaded at a time.
 */
async function measureInterleaved(runtime: ChildRuntime, contenders: readonly Contender[]): Promise<ContenderResult[]> {
  const runs = contenders.map((contender) => new ContenderRun(contender, settings));
  try {
    for (const run of runs) await run.start(runtime);
    for (const run of runs) await run.warmup();
    for (let round = 0; round < settings.rounds; round++) {
      log(`round ${round + 1} of ${settings.rounds}`);
      for (const run of runs) await run.round();
    }
  } finally {
    for (const run of runs) await run.finish();
  }
  return runs.map((run) => run.result);
}

/**
 * Whether running the sources through tsx costs anything: bare node:http and sessionkit cookie
 * sessions on node:http, each run compiled and through tsx, back to back (short rounds).
 */
async function compareRuntimes(prepared: PreparedRuntime): Promise<RuntimeComparison> {
  const timing: Timing = { warmup: Math.min(settings.warmup, 2), duration: Math.min(settings.duration, 3), rounds: 1 };
  const runtimes = [
    { name: prepared.name, runtime: prepared.runtime },
    { name: 'tsx', runtime: TSX_RUNTIME },
  ];
  if (prepared.name === 'tsx') runtimes.pop();
  const rows: RuntimeComparison['rows'] = [];
  for (const id of ['node', 'sk-node-cookie']) {
    const contender = CONTENDERS.find((c) => c.id === id)!;
    const rps: Record<string, number> = {};
    for (const { name, runtime } of runtimes) {
      log(`  ${contender.label}, ${name}`);
      const result = await measureContender(runtime, contender, timing);
      if (result.failure) throw new Error(`${contender.label} (${name}): ${result.failure}`);
      rps[name] = summarize(result)!.rps;
    }
    rows.push({ label: contender.label, rps });
  }
  return { warmupSeconds: timing.warmup, durationSeconds: timing.duration, runtimes: runtimes.map((r) => r.name), rows };
}

/** Waits (a little) for a quiet machine; returns the 1-minute load averages that were too high. */
async function waitForQuietMachine(): Promise<number[]> {
  const busy: number[] = [];
  for (let check = 0; check < settings.loadChecks; check++) {
    const load1 = os.loadavg()[0]!;
    if (load1 < settings.maxLoad) return busy;
    busy.push(load1);
    log(`load average ${load1.toFixed(2)} is above ${settings.maxLoad}; waiting 30 s (${check + 1}/${settings.loadChecks})`);
    await sleep(30_000);
  }
  log('the machine stayed busy; measuring anyway (see the load average in the results)');
  return busy;
}

/** Runs a section, turning a failure into an error entry of the results. */
async function section<T>(name: string, run: () => Promise<T>): Promise<T | { error: string }> {
  log(`section ${name}`);
  try {
    return await run();
  } catch (error) {
    log(`section ${name} failed: ${String(error)}`);
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

async function main(): Promise<void> {
  if (settings.sessionsPer !== 'shared' && settings.sessionsPer !== 'connection') throw new Error('BENCH_SESSIONS_PER must be shared or connection');
  const prepared = await prepareRuntime();
  const busyChecks = await waitForQuietMachine();
  const started = Date.now();
  const cpus = os.cpus();
  const info: RunInfo = {
    cpu: cpus[0]?.model ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    loadAtStart: os.loadavg(),
    loadAtEnd: [],
    command: commandLine(),
    startedAt: new Date(started).toISOString(),
    totalSeconds: 0,
    connections: settings.connections,
    warmupSeconds: settings.warmup,
    durationSeconds: settings.duration,
    rounds: settings.rounds,
    runtime: prepared.description,
    sessionsPerConnection: settings.sessionsPer === 'connection',
    busyChecks,
    interleaved: settings.interleave,
  };
  log(`${info.cpu}, ${info.cores} cores, Node ${info.node}, load ${info.loadAtStart.map((x) => x.toFixed(2)).join(' ')}`);
  const results: BenchResults = { info, http: [] };
  try {
    if (settings.sections.has('http')) {
      const contenders = CONTENDERS.filter((c) => !settings.only || settings.only.has(c.id));
      if (settings.interleave) {
        log(`interleaved rounds: ${contenders.map((c) => c.id).join(', ')}`);
        results.http.push(...(await measureInterleaved(prepared.runtime, contenders)));
        for (const result of results.http) if (result.failure) log(`  ${result.contender.id} failed: ${result.failure}`);
      } else {
        for (const contender of contenders) {
          log(`${contender.label} (${contender.id})`);
          const result = await measureContender(prepared.runtime, contender);
          if (result.failure) log(`  failed: ${result.failure}`);
          results.http.push(result);
        }
      }
    }
    if (settings.sections.has('memory')) {
      results.memory = await section('memory', () => runSection<MemoryResult>(prepared.runtime, 'memory.ts', ['--expose-gc']));
    }
    if (settings.sections.has('latency')) {
      results.latency = await section('latency', () => runSection<StoreLatencyResult>(prepared.runtime, 'store-latency.ts'));
    }
    if (settings.sections.has('calls')) {
      results.calls = await section('calls', () => runSection<StoreCallsResult>(prepared.runtime, 'store-calls.ts'));
    }
    if (settings.sections.has('runtime')) {
      results.runtimes = await section('runtime', () => compareRuntimes(prepared));
    }
  } finally {
    prepared.dispose();
    try {
      const deleted = await deleteRedisKeys(REDIS_PREFIX);
      log(`deleted ${deleted} Redis keys under ${REDIS_PREFIX}`);
    } catch (error) {
      log(`could not delete the Redis keys under ${REDIS_PREFIX}: ${String(error)}`);
    }
  }
  info.loadAtEnd = os.loadavg();
  info.totalSeconds = (Date.now() - started) / 1000;
  writeFileSync(settings.out, renderResults(results));
  // The raw figures next to the Markdown, to re-render or compare runs.
  writeFileSync(settings.out.replace(/\.md$/, '') + '.json', `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${settings.out} (${(info.totalSeconds / 60).toFixed(1)} min)`);
  for (const outcome of targets(results)) {
    log(`${outcome.met === undefined ? 'not run' : outcome.met ? 'met    ' : 'NOT MET'}  ${outcome.target}: ${outcome.measured}`);
  }
}

await main();
