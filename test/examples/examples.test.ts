import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../adapters/support/http.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Resolves `sessionkit/*` to src/ (see tsconfig.json here), so no build is needed. */
const TSCONFIG = 'test/examples/tsconfig.json';
const EXAMPLES = ['node', 'express', 'fastify', 'koa', 'hono', 'fetch', 'sealed'];

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts `examples/<name>.ts` as its own process and waits until it listens. */
async function startExample(name: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), TSX_TSCONFIG_PATH: TSCONFIG, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`examples/${name}.ts did not start in time:\n${output}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`examples/${name}.ts exited with ${code}:\n${output}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

for (const name of EXAMPLES) {
  describe(`examples/${name}.ts`, () => {
    let example: { url: string; child: ChildProcess };
    beforeAll(async () => {
      example = await startExample(name);
    });
    afterAll(async () => {
      if (example.child.exitCode === null) {
        const exited = once(example.child, 'exit');
        example.child.kill('SIGTERM');
        await exited;
      }
    });

    it('counts visits, logs in through a redirect and logs out', async () => {
      const browser = new Browser(example.url);
      const first = await browser.text('/');
      expect(first.body).toBe('visit 1\n');
      expect(first.response.headers.getSetCookie()).toHaveLength(1);
      expect(first.response.headers.get('vary')).toMatch(/Cookie/);
      expect((await browser.text('/')).body).toBe('visit 2\n');

      const login = await browser.request('/login?name=grace');
      expect(login.status).toBe(302);
      expect(new URL(login.headers.get('location')!, example.url).pathname).toBe('/');
      expect(login.headers.getSetCookie()).toHaveLength(1);
      expect((await browser.text('/')).body).toBe('visit 3 as grace\n');

      expect((await new Browser(example.url).text('/')).body).toBe('visit 1\n');

      expect((await browser.request('/logout')).status).toBe(302);
      expect((await browser.text('/')).body).toBe('visit 1\n');
    });
  });
}
