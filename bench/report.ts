/**
 * The shape of a benchmark run's results and their rendering as `bench/RESULTS.md`.
 */
import type { CallCounts } from './counting-store.js';
import type { Contender } from './contenders.js';
import type { LoadResult } from './load.js';
import type { MemoryResult } from './memory.js';
import type { StoreCallsResult } from './store-calls.js';
import type { StoreLatencyResult } from './store-latency.js';

/** The machine and settings of a run. */
export interface RunInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1, 5 and 15-minute load averages when the run started, and when it ended. */
  loadAtStart: number[];
  loadAtEnd: number[];
  command: string;
  startedAt: string;
  totalSeconds: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  rounds: number;
  /** How the children ran the TypeScript sources. */
  runtime: string;
  /** Each connection had a session of its own (instead of all sharing one). */
  sessionsPerConnection: boolean;
  /** Earlier attempts that found the machine too busy, as `load1` values. */
  busyChecks: number[];
  /** The contenders' rounds alternated (`BENCH_INTERLEAVE=1`) instead of running one contender after the other. */
  interleaved?: boolean;
}

/** What one HTTP contender measured. */
export interface ContenderResult {
  contender: Contender;
  /** Why the contender counts as failed, if it does. */
  failure?: string;
  warmup?: LoadResult;
  rounds: LoadResult[];
  /** Bytes of the Set-Cookie values of a measured-route response (a returning user's request). */
  setCookieBytes?: number;
  /** Bytes of the Cookie header sent with every request. */
  cookieBytes?: number;
  /** Responses received in all (cookie request, warm-up, rounds, final check). */
  responses?: number;
  /** The session counter after the run (server-side contenders). */
  finalCounter?: number;
  /** Store calls the server made in all (sessionkit server-side contenders). */
  storeCalls?: CallCounts | null;
}

/** Median req/s and latencies of a contender's rounds. */
export interface Summary {
  rps: number;
  p50Us: number;
  p99Us: number;
  errors: number;
  /** Median server CPU µs per response, when every round measured it. */
  serverCpuUs?: number;
}

/** req/s of a few contenders under each way of running the sources. */
export interface RuntimeComparison {
  warmupSeconds: number;
  durationSeconds: number;
  /** Runtime names, the first one being the one the run used. */
  runtimes: string[];
  rows: { label: string; rps: Record<string, number> }[];
}

/** The whole run. */
export interface BenchResults {
  info: RunInfo;
  http: ContenderResult[];
  runtimes?: RuntimeComparison | { error: string };
  memory?: MemoryResult | { error: string };
  latency?: StoreLatencyResult | { error: string };
  calls?: StoreCallsResult | { error: string };
}

/** A target of the benchmark and whether this run met it. */
export interface TargetOutcome {
  target: string;
  measured: string;
  met: boolean | undefined;
}

/** The median of numbers (the lower middle one for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Median figures of a contender's rounds, and all its errors and non-2xx responses. */
export function summarize(result: ContenderResult): Summary | undefined {
  if (result.rounds.length === 0) return undefined;
  const all = [...result.rounds, ...(result.warmup ? [result.warmup] : [])];
  return {
    rps: median(result.rounds.map((r) => r.rps)),
    p50Us: median(result.rounds.map((r) => r.p50Us)),
    p99Us: median(result.rounds.map((r) => r.p99Us)),
    errors: all.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
    serverCpuUs: result.rounds.every((r) => r.serverCpuUs !== undefined) ? median(result.rounds.map((r) => r.serverCpuUs!)) : undefined,
  };
}

/** The bare baseline of a contender's framework in the same run, if it was measured and passed. */
export function baselineOf(results: readonly ContenderResult[], result: ContenderResult): Summary | undefined {
  const baseline = results.find((r) => r.contender.role === 'baseline' && r.contender.framework === result.contender.framework);
  return baseline && !baseline.failure ? summarize(baseline) : undefined;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (value: number | undefined, base: number | undefined): string =>
  value === undefined || base === undefined || !(base > 0) ? '–' : `${(value / base).toFixed(2)}×`;
const us = (n: number): string => (n >= 100 ? int(n) : n.toFixed(n >= 10 ? 1 : 2));
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const NUMERIC = /^(–|n\/a|[-+]?[\d,.]+(×|%| MiB)?)$/;

/** A Markdown table; columns whose cells are all numbers are right-aligned. */
function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  const align = header.map((_, i) => (rows.length > 0 && rows.every((row) => NUMERIC.test(row[i] ?? '')) ? '---:' : '---'));
  return [line(header), line(align), ...rows.map(line)].join('\n');
}

/** How many times iron-session's req/s the sealed interface should serve on node:http, same cookie format. */
const SEALED_OVER_IRON_SESSION = 10;

/** Whether each target of the benchmark was met. */
export function targets(results: BenchResults): TargetOutcome[] {
  const byId = (id: string): ContenderResult | undefined => results.http.find((r) => r.contender.id === id);
  const throughputTarget = (id: string, name: string, minimum: number): TargetOutcome => {
    const result = byId(id);
    const summary = result ? summarize(result) : undefined;
    const base = result ? baselineOf(results.http, result) : undefined;
    if (!result) return { target: `${name} ≥ ${minimum.toFixed(2)}× bare`, measured: 'not run', met: undefined };
    if (result.failure || !summary || !base) {
      const measured = summary && base ? `; ${(summary.rps / base.rps).toFixed(2)}× (${int(summary.rps)} vs ${int(base.rps)} req/s)` : '';
      return { target: `${name} ≥ ${minimum.toFixed(2)}× bare`, measured: `failed: ${result.failure ?? 'no baseline'}${measured}`, met: false };
    }
    const r = summary.rps / base.rps;
    return { target: `${name} ≥ ${minimum.toFixed(2)}× bare`, measured: `${r.toFixed(2)}× (${int(summary.rps)} vs ${int(base.rps)} req/s)`, met: r >= minimum };
  };
  /** A contender's req/s against a peer library's, both measured in this run. */
  const peerTarget = (id: string, peerId: string, name: string, minimum: number): TargetOutcome => {
    const target = `${name} ≥ ${minimum}× ${peerId}`;
    const result = byId(id);
    const peer = byId(peerId);
    if (!result || !peer) return { target, measured: 'not run', met: undefined };
    const ours = summarize(result);
    const theirs = summarize(peer);
    if (result.failure || peer.failure || !ours || !theirs) return { target, measured: `failed: ${result.failure ?? peer.failure ?? 'no rounds'}`, met: false };
    const times = ours.rps / theirs.rps;
    const cpu =
      ours.serverCpuUs !== undefined && theirs.serverCpuUs !== undefined && ours.serverCpuUs > 0
        ? `; server CPU per request ${(theirs.serverCpuUs / ours.serverCpuUs).toFixed(1)}× less (${us(ours.serverCpuUs)} vs ${us(theirs.serverCpuUs)} µs)`
        : '';
    return { target, measured: `${times.toFixed(1)}× (${int(ours.rps)} vs ${int(theirs.rps)} req/s)${cpu}`, met: times >= minimum };
  };
  const outcomes = [
    throughputTarget('sk-node-cookie', 'sessionkit cookie sessions on node:http', 0.75),
    throughputTarget('sk-express-cookie', 'sessionkit cookie sessions on Express', 0.9),
    throughputTarget('sk-express-redis', 'sessionkit RedisStore on Express', 0.8),
    peerTarget('sk-node-sealed', 'iron-session', 'sessionkit sealed cookie sessions on node:http', SEALED_OVER_IRON_SESSION),
  ];
  const calls = results.calls;
  if (!calls) {
    outcomes.push({ target: 'no store call for an untouched request; at most one touch for an unchanged one', measured: 'not run', met: undefined });
  } else if ('error' in calls) {
    outcomes.push({ target: 'no store call for an untouched request; at most one touch for an unchanged one', measured: calls.error, met: false });
  } else {
    const untouched = calls.rows.filter((r) => r.scenario.includes('untouched') && !r.scenario.includes('eager, returning'));
    const unchanged = calls.rows.filter((r) => !untouched.includes(r) && !r.scenario.includes('changed (for reference)'));
    const zero = untouched.every((r) => r.met);
    const touches = unchanged.every((r) => r.met);
    outcomes.push({
      target: 'no store call for an untouched request (lazy; or no cookie)',
      measured: `${untouched.filter((r) => r.met).length}/${untouched.length} scenario×store rows with 0 calls`,
      met: zero,
    });
    outcomes.push({
      target: 'at most one touch for an unchanged session (no write)',
      measured: `${unchanged.filter((r) => r.met).length}/${unchanged.length} rows: 1 load per request, ≤ 1 touch per touch interval, 0 writes`,
      met: touches,
    });
  }
  return outcomes;
}

function httpSection(results: BenchResults): string {
  const { info } = results;
  const rows = results.http.map((result) => {
    const s = summarize(result);
    const base = baselineOf(results.http, result);
    const status = result.failure ? `**failed**: ${result.failure}` : 'ok';
    if (!s) return [result.contender.label, '–', '–', '–', '–', '–', '–', '–', '–', '–', '–', status];
    const isBase = result.contender.role === 'baseline';
    return [
      isBase ? `**${result.contender.label}**` : result.contender.label,
      int(s.rps),
      isBase ? '1.00×' : ratio(s.rps, base?.rps),
      us(s.p50Us),
      isBase ? '1.00×' : ratio(s.p50Us, base?.p50Us),
      us(s.p99Us),
      isBase ? '1.00×' : ratio(s.p99Us, base?.p99Us),
      s.serverCpuUs === undefined ? '–' : us(s.serverCpuUs),
      result.setCookieBytes === undefined ? '–' : String(result.setCookieBytes),
      String(s.errors),
      result.rounds.map((r) => int(r.rps)).join(' / '),
      status,
    ];
  });
  const header = ['Contender', 'req/s (median)', '× bare', 'p50 µs', '× bare', 'p99 µs', '× bare', 'server CPU µs/req', 'Set-Cookie bytes', 'errors + non-2xx', 'rounds req/s', 'status'];
  const server = results.http.filter((r) => r.contender.session === 'server' && r.responses !== undefined);
  const serverRows = server.map((r) => {
    const calls = r.storeCalls;
    const per = (n: number): string => (r.responses ? (n / r.responses).toFixed(2) : '–');
    return [
      r.failure ? `${r.contender.label} (**failed**)` : r.contender.label,
      int(r.responses!),
      r.finalCounter === undefined ? '–' : int(r.finalCounter),
      r.finalCounter === undefined ? '–' : `${((100 * r.finalCounter) / r.responses!).toFixed(1)}%`,
      calls ? per(calls.load) : 'n/a',
      calls ? per(calls.update) : 'n/a',
      calls ? per(calls.create + calls.touch + calls.destroy) : 'n/a',
    ];
  });
  return [
    '## HTTP throughput',
    '',
    `autocannon in the runner process, ${info.connections} connections, ${info.warmupSeconds} s warm-up then ${info.rounds} rounds of ${info.durationSeconds} s per contender; each server alone, in its own child process.` +
      (info.interleaved
        ? ' Rounds were interleaved (round 1 of every contender, then round 2, …; the idle servers waited meanwhile), so a change of the machine\'s load falls on all of them alike.'
        : ''),
    info.sessionsPerConnection
      ? `**Sessions per connection**: each of the ${info.connections} connections is its own returning user (one autocannon instance per connection, for every contender), so no two concurrent requests share a session. \`GET /\` increments a counter in the session, so each request verifies, changes and re-signs or saves it.`
      : 'Every request carries the cookie of one returning user (taken from one request before measuring) and `GET /` increments a counter in the session, so each request verifies, changes and re-signs or saves it.',
    'Baselines answer with a counter kept in a variable. Ratios are to the bare server of the same framework measured in this run (`× bare` of a latency: above 1 is slower).',
    'req/s and latencies are medians over the rounds; latencies are measured per response at 1 µs resolution. Server CPU: CPU time of the server process (all its threads, the libuv pool included) per response, median over the rounds; it depends far less on the machine\'s other load than req/s. Set-Cookie bytes: all Set-Cookie values of one measured response.',
    '',
    table(header, rows),
    '',
    '### Server-side contenders: counter and store calls',
    '',
    info.sessionsPerConnection
      ? 'Each connection has its own session. "Counter kept" is the sum of the session counters at the end divided by the responses received (slightly above 100%: requests still in flight when a round stopped). Store calls are counted by a pass-through wrapper around the real store (sessionkit only).'
      : `All ${info.connections} connections share the one session, so concurrent requests read and write the same record. "Counter kept" is the session counter at the end divided by the responses received: below 100% means concurrent increments of the same key collapsed (two requests that read the same value and \`set\` the next one write the same value: sessionkit merges such a save into the stored data and the later write wins, express-session overwrites the whole session; only the \`update()\` row, whose handler calls \`session.update('n', (n = 0) => n + 1)\`, has its increment re-run on the stored value); slightly above, requests still in flight when a round stopped. Store calls are counted by a pass-through wrapper around the real store (sessionkit only): above 1 per request means a conditional write conflicted and was retried.`,
    '',
    table(['Contender', 'responses', 'final counter', 'counter kept', 'load calls/req', 'update calls/req', 'other calls/req'], serverRows),
  ].join('\n');
}

function memorySection(memory: BenchResults['memory']): string {
  if (!memory) return '';
  if ('error' in memory) return `## MemoryStore memory growth\n\n**failed**: ${memory.error}\n`;
  const first = memory.checkpoints[0]!;
  const last = memory.checkpoints.at(-1)!;
  const rows = memory.checkpoints.map((c) => [int(c.sessions), mib(c.heapUsed), `${c.heapUsed >= first.heapUsed ? '+' : ''}${mib(c.heapUsed - first.heapUsed)}`, int(c.entries)]);
  return [
    '## MemoryStore memory growth',
    '',
    `${int(memory.sessions)} distinct sessions created through \`ServerSessionInterface\` on a \`MemoryStore\` with the default \`maxEntries\` (${int(memory.maxEntries)}), in-process, no HTTP (\`node --expose-gc\`; heap used after \`global.gc()\`).`,
    `Took ${memory.seconds.toFixed(1)} s (${int(memory.sessions / memory.seconds)} sessions/s). Heap before: ${mib(first.heapUsed)}, after: ${mib(last.heapUsed)} (growth ${mib(last.heapUsed - first.heapUsed)}); entries held at the end: ${int(last.entries)}. Peak heap used between collections: ${mib(memory.peakHeapUsed)}; RSS at the end: ${mib(memory.rss)}.`,
    '',
    table(['sessions created', 'heap used after GC', 'growth', 'entries held'], rows),
  ].join('\n');
}

function latencySection(latency: BenchResults['latency']): string {
  if (!latency) return '';
  if ('error' in latency) return `## Store latency\n\n**failed**: ${latency.error}\n`;
  const rows = latency.stores.map((s) => [s.store, us(s.load.p50Us), us(s.load.p99Us), us(s.save.p50Us), us(s.save.p99Us), us(s.roundTrip.p50Us), us(s.roundTrip.p99Us)]);
  return [
    '## Store latency',
    '',
    `In-process, one operation at a time, ${int(latency.operations)} timed operations of each kind after ${int(latency.operations / 10)} untimed ones. load: \`store.load\`; save: \`store.update\` with the current version (a ${latency.valueBytes}-byte record); round trip: a returning user's request through \`ServerSessionInterface\` without HTTP (open, \`await load()\`, change a key, \`save\`). Filesystem: a temp folder; SQLite: a temp file (WAL); Redis: the shared local server through node-redis.`,
    '',
    table(['store', 'load p50 µs', 'load p99 µs', 'save p50 µs', 'save p99 µs', 'round trip p50 µs', 'round trip p99 µs'], rows),
  ].join('\n');
}

function callsSection(calls: BenchResults['calls']): string {
  if (!calls) return '';
  if ('error' in calls) return `## Store calls per request\n\n**failed**: ${calls.error}\n`;
  const rows = calls.rows.map((r) => [r.store, r.scenario, String(r.counts.load), String(r.counts.create), String(r.counts.update), String(r.counts.touch), String(r.counts.destroy), r.expectation, r.met ? 'met' : '**not met**']);
  return [
    '## Store calls per request',
    '',
    `Each scenario sends ${calls.requestsPerScenario} requests through the node:http adapter (\`withSession\`, \`load: 'lazy'\` or \`'eager'\`) to a \`ServerSessionInterface\` whose store is a counting wrapper around the real store; the counts are totals over the ${calls.requestsPerScenario} requests. \`touchInterval\` is ${calls.touchIntervalSeconds} s so that "touch due" scenarios can wait one interval out; "untouched" handlers never use the session, "read only" ones read it without changing it.`,
    '',
    table(['store', 'scenario', 'load', 'create', 'update', 'touch', 'destroy', 'expected', 'result'], rows),
  ].join('\n');
}

function runtimeSection(runtimes: BenchResults['runtimes']): string {
  if (!runtimes) return '';
  if ('error' in runtimes) return `## tsx or compiled sources\n\n**failed**: ${runtimes.error}\n`;
  const [used, other] = runtimes.runtimes;
  const rows = runtimes.rows.map((r) => [r.label, ...runtimes.runtimes.map((name) => int(r.rps[name] ?? Number.NaN)), other ? ratio(r.rps[other], r.rps[used!]) : '–']);
  return [
    '## tsx or compiled sources',
    '',
    `The benchmark servers import sessionkit from \`src/\`. Run as \`${used}\` above; here each of these contenders runs both ways back to back (${runtimes.warmupSeconds} s warm-up, one ${runtimes.durationSeconds} s round each). tsx compiles with esbuild's \`keepNames\` (a \`__name()\` call for every function created at run time) and enables source maps; \`compiled\` is what \`dist/\` is: esbuild output run by plain \`node\`.`,
    '',
    table(['contender', ...runtimes.runtimes.map((name) => `${name} req/s`), other ? `${other} / ${used}` : '–'], rows),
  ].join('\n');
}

/** Renders the results as Markdown. */
export function renderResults(results: BenchResults): string {
  const { info } = results;
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(', ');
  const outcomes = targets(results);
  const mark = (met: boolean | undefined): string => (met === undefined ? 'not run' : met ? '**met**' : '**not met**');
  return [
    '# sessionkit benchmark results',
    '',
    `Written by \`npm run bench\` (\`bench/run.ts\`) on ${info.startedAt}; the next run with the same \`BENCH_OUT\` overwrites this file.`,
    '',
    '## Machine and command',
    '',
    `- CPU: ${info.cpu}, ${info.cores} cores; ${info.memoryGiB.toFixed(1)} GiB RAM; ${info.os}`,
    `- Node ${info.node}; TypeScript run as ${info.runtime}`,
    `- Load average (1, 5, 15 min) at start: ${load(info.loadAtStart)}; at end: ${load(info.loadAtEnd)}${info.busyChecks.length > 0 ? ` (waited for the machine first: load1 was ${info.busyChecks.map((x) => x.toFixed(2)).join(', ')})` : ''}. The machine is shared: other processes may have run during the measurements.`,
    `- Command: \`${info.command}\``,
    `- Total time: ${(info.totalSeconds / 60).toFixed(1)} min`,
    '',
    '## Targets',
    '',
    table(['target', 'measured', 'result'], outcomes.map((o) => [o.target, o.measured, mark(o.met)])),
    '',
    ...[
      results.http.length > 0 ? httpSection(results) : '',
      memorySection(results.memory),
      latencySection(results.latency),
      callsSection(results.calls),
      runtimeSection(results.runtimes),
    ]
      .filter((text) => text !== '')
      .flatMap((text) => [text, '']),
  ].join('\n');
}
