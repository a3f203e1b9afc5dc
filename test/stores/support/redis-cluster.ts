/**
 * A real Redis Cluster for the tests: three masters (no replicas) as redis-server child
 * processes on free loopback ports, joined with `redis-cli --cluster create`, torn down after.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startServer, waitUntil, type ChildServer } from './processes.js';

const run = promisify(execFile);

/** Runs `redis-cli -p port args…` and returns its output. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
  return stdout.trim();
}

/** A running cluster. */
export interface RedisCluster {
  /** The master nodes. */
  readonly nodes: readonly ChildServer[];
  /** The redis-server version ("7.0.15"). */
  readonly version: string;
  /** The node id of each master, by port. */
  nodeId(port: number): Promise<string>;
  /** The port of the master serving `key`'s slot. */
  ownerOf(key: string): Promise<number>;
  /** Hash slot of `key`. */
  slotOf(key: string): Promise<number>;
  /** Moves one slot (and its keys) from its master to the master on `toPort`, like a resharding. */
  moveSlot(slot: number, toPort: number): Promise<void>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts three masters and creates the cluster. `cluster-require-full-coverage no` keeps the
 * live masters serving their slots while another is down, as a production cluster with that
 * setting would.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'sessionkit-redis-cluster-'));
  const nodes: ChildServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const bus = await freePort();
      nodes.push(
        await startServer('redis-server (cluster node)', 'redis-server', (port) => [
          '--port', String(port),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-port', String(bus),
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout', '3000',
          '--cluster-require-full-coverage', 'no',
          '--dir', dir,
          '--save', '',
          '--appendonly', 'no',
          '--daemonize', 'no',
        ]),
      );
    }
    await run('redis-cli', [
      '--cluster', 'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas', '0',
      '--cluster-yes',
    ]);
    for (const node of nodes) {
      await waitUntil(`cluster_state:ok on ${node.port}`, async () => {
        const info = await redisCli(node.port, 'cluster', 'info');
        return /cluster_state:ok/.test(info) && /cluster_known_nodes:3/.test(info) && /cluster_slots_ok:16384/.test(info);
      });
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const version = /redis_version:(\S+)/.exec(await redisCli(nodes[0]!.port, 'info', 'server'))?.[1] ?? 'unknown';
  const nodeId = (port: number): Promise<string> => redisCli(port, 'cluster', 'myid');
  const slotOf = async (key: string): Promise<number> => Number(await redisCli(nodes[0]!.port, 'cluster', 'keyslot', key));
  const ownerOfSlot = async (slot: number): Promise<number> => {
    const slots = JSON.parse(await redisCliJson(nodes[0]!.port)) as [number, number, [string, number, string]][];
    for (const [from, to, [, port]] of slots) if (slot >= from && slot <= to) return port;
    throw new Error(`no master serves slot ${slot}`);
  };
  return {
    nodes,
    version,
    nodeId,
    slotOf,
    ownerOf: async (key) => ownerOfSlot(await slotOf(key)),
    async moveSlot(slot, toPort) {
      const fromPort = await ownerOfSlot(slot);
      if (fromPort === toPort) return;
      const [fromId, toId] = await Promise.all([nodeId(fromPort), nodeId(toPort)]);
      await redisCli(toPort, 'cluster', 'setslot', String(slot), 'importing', fromId);
      await redisCli(fromPort, 'cluster', 'setslot', String(slot), 'migrating', toId);
      for (;;) {
        const keys = (await redisCli(fromPort, 'cluster', 'getkeysinslot', String(slot), '100')).split('\n').filter(Boolean);
        if (keys.length === 0) break;
        await redisCli(fromPort, 'migrate', '127.0.0.1', String(toPort), '', '0', '5000', 'keys', ...keys);
      }
      for (const node of nodes) await redisCli(node.port, 'cluster', 'setslot', String(slot), 'node', toId);
      await waitUntil(`slot ${slot} on ${toPort} everywhere`, async () => {
        for (const node of nodes) {
          const slots = JSON.parse(await redisCliJson(node.port)) as [number, number, [string, number, string]][];
          const owner = slots.find(([from, to]) => slot >= from && slot <= to);
          if (owner?.[2][1] !== toPort) return false;
        }
        return true;
      });
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.stop()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `CLUSTER SLOTS` as JSON: [[from, to, [host, port, id]], …]. */
async function redisCliJson(port: number): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--json', 'cluster', 'slots']);
  return stdout;
}
