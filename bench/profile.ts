/**
 * CPU profile of one HTTP contender under load (default: sessionkit cookie sessions on
 * node:http): the server child runs with `node --cpu-prof`, autocannon loads it as in
 * `run.ts`, and the top self-time functions are printed and written to `bench/PROFILE.md`.
 *
 *   npx tsx bench/profile.ts [contender-id]
 *
 * Settings: `BENCH_PROFILE_SECONDS` of load (15), `BENCH_CONNECTIONS` (10), `BENCH_PROFILE_TOP`
 * rows (30), `BENCH_RUNNER=tsx|bundle`, `BENCH_PROFILE_OUT` (the Markdown file; `-` for none),
 * `BENCH_PROFILE_KEEP=1` keeps the `.cpuprofile` (path printed) for Chrome DevTools.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envNumber, startChild } from './child.js';
import { contenderById, type ChildMessage, type ParentMessage } from './contenders.js';
import { cookieHeaderFrom, probe, runLoad } from './load.js';
import { prepareRuntime, type PreparedRuntime } from './runtime.js';
import { REDIS_PREFIX, deleteRedisKeys } from './stores.js';

/** A node of a V8 `.cpuprofile`. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

/** A V8 `.cpuprofile`. */
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the profile. */
export interface ProfileRow {
  name: string;
  location: string;
  area: string;
  selfMs: number;
  selfShare: number;
  totalMs: number;
  totalShare: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Which part of the process a function belongs to (`toSource` maps compiled files back). */
function areaOf(url: string, name: string, path: string): string {
  if (SPECIAL.has(name)) return name;
  if (url === '') return '(native / builtin)';
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/node_modules/')) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    return match ? `package ${match[1]}` : 'packages';
  }
  const rel = relative(ROOT, path);
  if (rel.startsWith('src/adapters/')) return 'sessionkit adapters';
  if (rel.startsWith('src/')) return 'sessionkit core';
  if (rel.startsWith('bench/')) return 'benchmark';
  return 'other';
}

function locationOf(url: string, path: string, line: number): string {
  if (url === '') return '';
  const shown = path.startsWith(ROOT) ? relative(ROOT, path) : path.replace(/^.*\/node_modules\//, '');
  return `${shown}:${line + 1}`;
}

/** Self and total (inclusive) time per function, busiest first by self time. */
export function analyze(profile: CpuProfile, locate: PreparedRuntime['locate'] = (path, line) => ({ path, line })): { rows: ProfileRow[]; areas: Map<string, number>; busyMs: number; idleMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node: ProfileNode): string => `${node.callFrame.functionName || '(anonymous)'}\u0000${node.callFrame.url}\u0000${node.callFrame.lineNumber}`;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const info = new Map<string, ProfileNode>();
  let idle = 0;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(profile.samples[i]!)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += delta;
      continue;
    }
    busy += delta;
    const key = keyOf(node);
    info.set(key, node);
    self.set(key, (self.get(key) ?? 0) + delta);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!;
      const frameKey = keyOf(frame);
      if (frame.callFrame.functionName === '(root)' || seen.has(frameKey)) continue;
      seen.add(frameKey);
      info.set(frameKey, frame);
      total.set(frameKey, (total.get(frameKey) ?? 0) + delta);
    }
  }
  const rows: ProfileRow[] = [...total.keys()].map((key) => {
    const { callFrame } = info.get(key)!;
    const name = callFrame.functionName || '(anonymous)';
    const file = callFrame.url.startsWith('file://') ? fileURLToPath(callFrame.url) : callFrame.url;
    const position = file.startsWith('/') ? locate(file, callFrame.lineNumber, callFrame.columnNumber) : { path: file, line: callFrame.lineNumber };
    const selfMs = self.get(key) ?? 0;
    const totalMs = total.get(key)!;
    return {
      name,
      location: locationOf(callFrame.url, position.path, position.line),
      area: areaOf(callFrame.url, name, position.path),
      selfMs,
      selfShare: selfMs / busy,
      totalMs,
      totalShare: totalMs / busy,
    };
  });
  rows.sort((a, b) => b.selfMs - a.selfMs);
  const areas = new Map<string, number>();
  for (const row of rows) areas.set(row.area, (areas.get(row.area) ?? 0) + row.selfMs);
  return { rows, areas, busyMs: busy, idleMs: idle };
}

const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;

async function main(): Promise<void> {
  const id = process.argv[2] ?? 'sk-node-cookie';
  const contender = contenderById(id);
  const seconds = envNumber('BENCH_PROFILE_SECONDS', 15);
  const connections = Math.round(envNumber('BENCH_CONNECTIONS', 10));
  const top = Math.round(envNumber('BENCH_PROFILE_TOP', 30));
  const prepared = await prepareRuntime();
  const dir = mkdtempSync(join(os.tmpdir(), 'skbench-prof-'));
  const child = startChild(prepared.runtime, 'server.ts', [id], ['--cpu-prof', `--cpu-prof-dir=${dir}`], { BENCH_REDIS_PREFIX: REDIS_PREFIX });
  let rps = 0;
  let failures = 0;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.on('message', (message: ChildMessage) => message.type === 'ready' && resolve(message.port));
      child.on('exit', () => reject(new Error('server exited')));
    });
    const url = `http://127.0.0.1:${port}/`;
    const cookie = cookieHeaderFrom((await probe(url)).setCookie);
    const result = await runLoad({ url, connections, seconds, headers: cookie ? { cookie } : {} });
    rps = result.rps;
    failures = result.errors + result.non2xx;
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.connected) child.send({ type: 'stop' } satisfies ParentMessage);
    await exited;
    if (contender.redis) await deleteRedisKeys(REDIS_PREFIX);
  }
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const { rows, areas, busyMs, idleMs } = analyze(profile, prepared.locate);
  prepared.dispose();
  if (process.env.BENCH_PROFILE_KEEP === '1') console.error(`profile kept: ${join(dir, file)}`);
  else rmSync(dir, { recursive: true, force: true });

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `# CPU profile: ${contender.label}`,
    '',
    `\`npx tsx bench/profile.ts ${id}\` on ${new Date().toISOString()}: ${cpu}, ${os.cpus().length} cores, Node ${process.version}, load average at end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(', ')}. Server child run as ${prepared.description} with \`--cpu-prof\`; ${seconds} s of autocannon (${connections} connections, a returning user's cookie) at ${Math.round(rps).toLocaleString('en-US')} req/s (slower than unprofiled)${failures > 0 ? `; **${failures} errors or non-2xx responses**` : ''}.`,
    `Busy ${(busyMs / 1000).toFixed(1)} s, idle ${(idleMs / 1000).toFixed(1)} s; shares below are of busy time (startup included).`,
    '',
    '## By area (self time)',
    '',
    '| area | self | share |',
    '| --- | ---: | ---: |',
    ...[...areas.entries()]
      .filter(([, ms]) => ms / busyMs >= 0.001)
      .sort((a, b) => b[1] - a[1])
      .map(([area, ms]) => `| ${area} | ${ms.toFixed(0)} ms | ${pct(ms / busyMs)} |`),
    '',
    `## Top ${top} functions by self time`,
    '',
    '| # | function | location | area | self | total (inclusive) |',
    '| ---: | --- | --- | --- | ---: | ---: |',
    ...rows.slice(0, top).map((r, i) => `| ${i + 1} | \`${r.name}\` | ${r.location || '–'} | ${r.area} | ${pct(r.selfShare)} | ${pct(r.totalShare)} |`),
    '',
    '## sessionkit functions by inclusive time',
    '',
    '| function | location | total (inclusive) | self |',
    '| --- | --- | ---: | ---: |',
    ...rows
      .filter((r) => r.area.startsWith('sessionkit'))
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, top)
      .map((r) => `| \`${r.name}\` | ${r.location} | ${pct(r.totalShare)} | ${pct(r.selfShare)} |`),
    '',
  ];
  const markdown = lines.join('\n');
  console.log(markdown);
  const out = process.env.BENCH_PROFILE_OUT ?? fileURLToPath(new URL('./PROFILE.md', import.meta.url));
  if (out !== '-') writeFileSync(out, markdown);
}

await main();
