/**
 * The HTTP contenders of `npm run bench`: what each one is, described without loading any
 * framework (the runner reads this list; `server.ts` starts one of them in a child process).
 */

/** Frameworks that have a bare baseline. */
export type Framework = 'node' | 'express' | 'fastify' | 'hono';

/** Where the session data lives. */
export type SessionKind = 'none' | 'cookie' | 'server';

/** Server-side stores benchmarked over HTTP. */
export type HttpStore = 'memory' | 'sqlite' | 'redis';

/** One server the benchmark runs. */
export interface Contender {
  /** Short id, used on the command line of `server.ts` and in `BENCH_ONLY`. */
  readonly id: string;
  /** Name in the results. */
  readonly label: string;
  /** Framework whose bare baseline the ratios refer to. */
  readonly framework: Framework;
  /** Role in the comparison. */
  readonly role: 'baseline' | 'sessionkit' | 'peer';
  /** Where the session lives. */
  readonly session: SessionKind;
  /** Store of a server-side contender. */
  readonly store?: HttpStore;
  /** Whether the contender talks to Redis. */
  readonly redis?: boolean;
  /**
   * How a sessionkit handler increments the counter: `'set'` (default), `set('n', get('n') + 1)`;
   * `'update'`, `update('n', (n = 0) => n + 1)`, re-run on the stored value after a conflict.
   */
  readonly increment?: 'set' | 'update';
}

/** Every contender, in run order: each framework's baseline first, then what is compared to it. */
export const CONTENDERS: readonly Contender[] = [
  { id: 'node', label: 'bare node:http', framework: 'node', role: 'baseline', session: 'none' },
  { id: 'sk-node-cookie', label: 'sessionkit cookie, node:http', framework: 'node', role: 'sessionkit', session: 'cookie' },
  { id: 'sk-node-memory', label: 'sessionkit MemoryStore, node:http', framework: 'node', role: 'sessionkit', session: 'server', store: 'memory' },
  { id: 'sk-node-sqlite', label: 'sessionkit SqliteStore, node:http', framework: 'node', role: 'sessionkit', session: 'server', store: 'sqlite' },
  { id: 'sk-node-redis', label: 'sessionkit RedisStore, node:http', framework: 'node', role: 'sessionkit', session: 'server', store: 'redis', redis: true },
  { id: 'sk-node-sealed', label: 'sessionkit sealed cookie, node:http', framework: 'node', role: 'sessionkit', session: 'cookie' },
  {
    id: 'sk-node-redis-update',
    label: 'sessionkit RedisStore, node:http, update()',
    framework: 'node',
    role: 'sessionkit',
    session: 'server',
    store: 'redis',
    redis: true,
    increment: 'update',
  },
  { id: 'iron-session', label: 'iron-session, node:http', framework: 'node', role: 'peer', session: 'cookie' },
  { id: 'express', label: 'bare Express', framework: 'express', role: 'baseline', session: 'none' },
  { id: 'sk-express-cookie', label: 'sessionkit cookie, Express', framework: 'express', role: 'sessionkit', session: 'cookie' },
  { id: 'sk-express-memory', label: 'sessionkit MemoryStore, Express', framework: 'express', role: 'sessionkit', session: 'server', store: 'memory' },
  { id: 'sk-express-sqlite', label: 'sessionkit SqliteStore, Express', framework: 'express', role: 'sessionkit', session: 'server', store: 'sqlite' },
  { id: 'sk-express-redis', label: 'sessionkit RedisStore, Express', framework: 'express', role: 'sessionkit', session: 'server', store: 'redis', redis: true },
  { id: 'cookie-session', label: 'cookie-session, Express', framework: 'express', role: 'peer', session: 'cookie' },
  { id: 'express-session-memory', label: 'express-session MemoryStore, Express', framework: 'express', role: 'peer', session: 'server', store: 'memory' },
  { id: 'express-session-redis', label: 'express-session + connect-redis, Express', framework: 'express', role: 'peer', session: 'server', store: 'redis', redis: true },
  { id: 'fastify', label: 'bare Fastify', framework: 'fastify', role: 'baseline', session: 'none' },
  { id: 'sk-fastify-cookie', label: 'sessionkit cookie, Fastify', framework: 'fastify', role: 'sessionkit', session: 'cookie' },
  { id: 'hono', label: 'bare Hono (@hono/node-server)', framework: 'hono', role: 'baseline', session: 'none' },
  { id: 'sk-hono-cookie', label: 'sessionkit cookie, Hono', framework: 'hono', role: 'sessionkit', session: 'cookie' },
];

/** The contender with this id; throws on an unknown id. */
export function contenderById(id: string): Contender {
  const found = CONTENDERS.find((c) => c.id === id);
  if (!found) throw new Error(`unknown contender ${id}; known: ${CONTENDERS.map((c) => c.id).join(', ')}`);
  return found;
}

/** Messages a server child sends to the runner over IPC. */
export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'stats'; storeCalls: Record<string, number> | null }
  | { type: 'cpu'; micros: number };

/** Messages the runner sends to a server child. */
export type ParentMessage = { type: 'stats' } | { type: 'cpu' } | { type: 'stop' };
