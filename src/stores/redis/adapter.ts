import { ConfigError } from '../../errors.js';
import { absorbErrorEvents } from '../internal/error-events.js';
import { failingFast, watchIoRedis, watchNodeRedis, type ConnectionWatch } from './connection-watch.js';

/**
 * One interface over the four kinds of Redis client a `RedisStore` accepts: node-redis v5
 * (`createClient()`, `createCluster()`) and ioredis (`new Redis()`, `new Redis.Cluster()`),
 * told apart by duck typing so that neither package is imported here.
 *
 * Every command carries an `AbortSignal`. Neither client may hold a command for later:
 * - node-redis queues commands while disconnected; the signal removes a queued command, so a
 *   command that timed out is never sent after a reconnect.
 * - ioredis cannot remove a queued command, so commands are only handed to it once the
 *   connection is ready (waiting for readiness is what the signal bounds). On an ioredis
 *   cluster this is the cluster's readiness: a command for one master that is down can still be
 *   held by ioredis for that master.
 * A command already sent cannot be recalled: it may still run on the server after a timeout.
 *
 * On a single-node client the adapter also watches the connection (`connection-watch.ts`):
 * while the client reports it down, commands fail at once with the client's reason (connection
 * refused, password refused…) instead of waiting for the timeout. Every client, cluster or not,
 * gets an `'error'` listener of the store's, so a connection failure never stops the process.
 */
export interface RedisAdapter {
  /** Which client library, for messages. */
  readonly driver: 'node-redis' | 'ioredis';
  /** Whether the client is a cluster client. */
  readonly cluster: boolean;
  /**
   * Sends one command about `key` (routed to its node on a cluster). Bulk-string replies come
   * back as `Buffer`s, integers as numbers, nil as `null`.
   */
  command(key: string, args: readonly RedisArgument[], signal: AbortSignal): Promise<unknown>;
  /** One command runner per master node, for node-local commands such as SCAN. */
  masters(signal: AbortSignal): Promise<((args: readonly RedisArgument[], signal: AbortSignal) => Promise<unknown>)[]>;
}

/** A command argument: text or bytes. */
export type RedisArgument = string | Buffer;

// The minimal shapes used at runtime, checked by duck typing.
interface NodeRedisCommandOptions {
  abortSignal: AbortSignal;
  typeMapping: Record<number, unknown>;
}
interface NodeRedisClient {
  isOpen: boolean;
  isReady: boolean;
  on(event: 'error' | 'ready', listener: (error?: unknown) => void): unknown;
  sendCommand(args: readonly RedisArgument[], options: NodeRedisCommandOptions): Promise<unknown>;
}
interface NodeRedisCluster {
  isOpen: boolean;
  masters: unknown[];
  nodeClient(node: unknown): Promise<NodeRedisClient> | NodeRedisClient;
  sendCommand(
    firstKey: RedisArgument,
    isReadonly: boolean,
    args: readonly RedisArgument[],
    options: NodeRedisCommandOptions,
  ): Promise<unknown>;
}
interface IoRedisClient {
  status: string;
  callBuffer(command: string, args: RedisArgument[]): Promise<unknown>;
  connect(): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  isCluster?: boolean;
  nodes?(role: 'master'): IoRedisClient[];
}

/** RESP type code of bulk strings ("$"): node-redis decodes them as Buffers under this mapping. */
const BLOB_STRING = 36;
const BINARY: Record<number, unknown> = { [BLOB_STRING]: Buffer };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Builds the adapter for a user's client; a `ConfigError` if it is none of the four kinds. */
export function adaptRedisClient(client: unknown): RedisAdapter {
  if (isObject(client) && typeof client.callBuffer === 'function' && typeof client.status === 'string') {
    return ioredisAdapter(client as unknown as IoRedisClient);
  }
  if (isObject(client) && typeof client.sendCommand === 'function' && 'isOpen' in client) {
    if (typeof client.nodeClient === 'function' && 'masters' in client) {
      return nodeRedisClusterAdapter(client as unknown as NodeRedisCluster);
    }
    return nodeRedisAdapter(client as unknown as NodeRedisClient);
  }
  throw new ConfigError(
    'client',
    'expected a node-redis v5 client (createClient() or createCluster()) or an ioredis client (new Redis() or new Redis.Cluster())',
  );
}

function nodeRedisAdapter(client: NodeRedisClient): RedisAdapter {
  const watch = watchNodeRedis(client);
  const send = (args: readonly RedisArgument[], signal: AbortSignal): Promise<unknown> =>
    failingFast(watch, signal, (abortSignal) => client.sendCommand(args, { abortSignal, typeMapping: BINARY }));
  return {
    driver: 'node-redis',
    cluster: false,
    command: (_key, args, signal) => send(args, signal),
    masters: async () => [send],
  };
}

function nodeRedisClusterAdapter(cluster: NodeRedisCluster): RedisAdapter {
  // The cluster re-emits the errors of its nodes' connections.
  absorbErrorEvents(cluster);
  return {
    driver: 'node-redis',
    cluster: true,
    command: (key, args, signal) => cluster.sendCommand(key, false, args, { abortSignal: signal, typeMapping: BINARY }),
    masters: async () => {
      const clients = await Promise.all(cluster.masters.map((master) => cluster.nodeClient(master)));
      return clients.map(
        (client) => (args: readonly RedisArgument[], signal: AbortSignal) =>
          client.sendCommand(args, { abortSignal: signal, typeMapping: BINARY }),
      );
    },
  };
}

function ioredisAdapter(client: IoRedisClient): RedisAdapter {
  const cluster = client.isCluster === true;
  // ioredis prints errors nobody listens to; a cluster's nodes are watched by the cluster itself.
  const watch = cluster ? undefined : watchIoRedis(client);
  if (cluster) absorbErrorEvents(client);
  const runner =
    (node: IoRedisClient, nodeWatch: ConnectionWatch | undefined) =>
    async (args: readonly RedisArgument[], signal: AbortSignal): Promise<unknown> => {
      const send = async (sendSignal: AbortSignal): Promise<unknown> => {
        await whenReady(node, sendSignal);
        const [command, ...rest] = args;
        return node.callBuffer(String(command), rest);
      };
      return nodeWatch ? failingFast(nodeWatch, signal, send) : send(signal);
    };
  const send = runner(client, watch);
  return {
    driver: 'ioredis',
    cluster,
    command: (_key, args, signal) => send(args, signal),
    masters: async (signal) => {
      if (!cluster || typeof client.nodes !== 'function') return [send];
      await whenReady(client, signal);
      return client.nodes('master').map((node) => runner(node, undefined));
    },
  };
}

/**
 * Resolves once an ioredis client is ready to send, so nothing lands in its offline queue.
 * Rejects when `signal` aborts first (with its reason when it has one), or at once for a client
 * that was closed for good.
 */
function whenReady(client: IoRedisClient, signal: AbortSignal): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(new Error('the ioredis client is closed'));
  // A lazyConnect client connects on first use, as ioredis itself would.
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      client.off('ready', onReady);
      client.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error('the ioredis client was closed'));
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal.reason instanceof Error ? signal.reason : new Error('the ioredis client is not connected'));
    };
    if (signal.aborted) return onAbort();
    client.once('ready', onReady);
    client.once('end', onEnd);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
