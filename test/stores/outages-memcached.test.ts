/**
 * MemcachedStore through memcached crashes (SIGKILL under load, then a restart on the same
 * port: memcached keeps nothing, so the sessions are gone, and none may read as present) and
 * freezes (SIGSTOP); and a refused connection, reported at once with its reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { openStore } from '../../src/stores/from-url.js';
import { MemcachedStore } from '../../src/stores/memcached/index.js';
import { startMemcached, startMemcachedOn } from './support/memcached.js';
import { crashUnderLoad, freeze, logReport, type OutageServer } from './support/outage.js';
import { freePort, killProcessTree, type ChildServer } from './support/processes.js';

const timeoutMs = 2000;
/** Far beyond a refused connection: failing before it shows the reason was seen, not waited out. */
const LONG_TIMEOUT_MS = 60_000;

let server: ChildServer;
let outage: OutageServer;

beforeAll(async () => {
  server = await startMemcached();
  const port = server.port;
  outage = {
    kill: () => killProcessTree(server.process.pid!),
    restart: async () => {
      server = await startMemcachedOn(port);
    },
    pause: () => server.pause(),
    resume: () => server.resume(),
  };
});
afterAll(async () => {
  await server?.stop();
});

describe('MemcachedStore during memcached outages', () => {
  it('a crash under load fails calls with StoreError, no call succeeds on the dead server, and the store recovers', async () => {
    const store = new MemcachedStore({ servers: `127.0.0.1:${server.port}`, timeoutMs });
    try {
      await store.ready();
      logReport('memcached, SIGKILL', await crashUnderLoad(store, outage, { timeoutMs, persistent: false }));
    } finally {
      await store.close();
    }
  });

  it('a frozen server fails every call with StoreError within timeoutMs, and the store recovers', async () => {
    const store = new MemcachedStore({ servers: `127.0.0.1:${server.port}`, timeoutMs });
    try {
      logReport('memcached, SIGSTOP', await freeze(store, outage, { timeoutMs }));
    } finally {
      await store.close();
    }
  });

  it('reports a refused connection with its reason, well before the timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = await openStore(`memcached://127.0.0.1:${server.port},127.0.0.1:${port}?timeoutMs=${LONG_TIMEOUT_MS}`).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(LONG_TIMEOUT_MS);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(`memcached at 127.0.0.1:${port}: connect ECONNREFUSED`);
  });
});
