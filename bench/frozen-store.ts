/**
 * What a caller waits for when Redis freezes (SIGSTOP: connections stay open, nothing answers):
 * ten concurrent saves of one session through `ServerSessionInterface`, then one load, with the
 * store's `timeoutMs` (default 2,000 ms, `BENCH_TIMEOUT_MS`). Prints when each save failed.
 *
 *   npx tsx bench/frozen-store.ts
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { ServerSessionInterface } from '../src/index.js';
import { RedisStore, type RedisClientLike } from '../src/stores/redis/index.js';

const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 2000);
const SAVES = 10;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** The state letter of a process in /proc (`T` once SIGSTOP took effect). */
async function state(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const end = stat.lastIndexOf(')');
  return stat.slice(end + 2, end + 3);
}

const port = await freePort();
const redis = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: () => 100 } });
client.on('error', () => undefined);
for (let attempt = 0; ; attempt++) {
  try {
    await client.connect();
    break;
  } catch (error) {
    if (attempt > 100) throw error;
    await sleep(50);
  }
}
try {
  const iface = new ServerSessionInterface<Record<string, number>>({ store: new RedisStore({ client: client as RedisClientLike, timeoutMs: TIMEOUT_MS }) });
  const first = iface.open(undefined);
  await first.load();
  first.set('n', 0);
  const cookie = (await iface.save(first)).setCookie[0]!.split(';')[0]!;
  const sessions = await Promise.all(
    Array.from({ length: SAVES }, async (_, i) => {
      const session = iface.open(cookie);
      await session.load();
      session.set(`k${i}`, i);
      return session;
    }),
  );

  redis.kill('SIGSTOP');
  while ((await state(redis.pid!)) !== 'T') await sleep(5);

  const started = performance.now();
  const failedAfter = await Promise.all(
    sessions.map((session) =>
      iface.save(session).then(
        () => 'saved',
        (error: unknown) => `${Math.round(performance.now() - started)} ms (${(error as Error).name})`,
      ),
    ),
  );
  console.log(`timeoutMs ${TIMEOUT_MS}, ${SAVES} concurrent saves of one session on a frozen Redis:`);
  failedAfter.forEach((outcome, i) => console.log(`  save ${i + 1}: ${outcome}`));

  const loadStarted = performance.now();
  const load = await iface
    .open(cookie)
    .load()
    .then(
      () => 'loaded',
      (error: unknown) => `${Math.round(performance.now() - loadStarted)} ms (${(error as Error).name})`,
    );
  console.log(`  load: ${load}`);
} finally {
  redis.kill('SIGKILL');
  client.destroy();
}
