/**
 * The MongoDB server for the tests: the one at MONGODB_URL when set, else a wire-protocol peer
 * (test/stores/py/mongo_peer.py: MockupDB serving mongomock) started as a child process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { setStopped, track } from './processes.js';

/** A MongoDB server to test against. */
export interface MongoServer {
  /** Connection string. */
  readonly url: string;
  /** Whether this is the wire-protocol peer rather than a real server. */
  readonly isPeer: boolean;
  /** Stops the peer (nothing for a real server). */
  stop(): Promise<void>;
  /** Freezes the peer (SIGSTOP), resolving once it is stopped: connections stay open, nothing answers. Peer only. */
  pause?(): Promise<void>;
  /** Thaws a paused peer, resolving once it runs again. */
  resume?(): Promise<void>;
  /** After `stop()`: how many times the peer answered each command. Peer only. */
  commands?(): Record<string, number>;
}

const PEER_SCRIPT = fileURLToPath(new URL('../py/mongo_peer.py', import.meta.url));
/** Debian's interpreter, which has python3-mockupdb and python3-mongomock. */
const PYTHON = process.env.MONGO_PEER_PYTHON ?? '/usr/bin/python3';

/** The server at MONGODB_URL, or a fresh peer (TTL monitor every `ttlMonitorSeconds`, as mongod's 60 s). */
export async function startMongo(options: { ttlMonitorSeconds?: number } = {}): Promise<MongoServer> {
  const given = process.env.MONGODB_URL;
  if (given) return { url: given, isPeer: false, stop: async () => {} };
  return startMongoPeer(options.ttlMonitorSeconds ?? 60);
}

/** Starts the wire-protocol peer and waits for the port it prints. */
export async function startMongoPeer(ttlMonitorSeconds = 60): Promise<MongoServer> {
  const child = spawn(PYTHON, [PEER_SCRIPT, '--ttl-monitor-seconds', String(ttlMonitorSeconds)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  let commands: Record<string, number> = {};
  lines.on('line', (line) => {
    if (line.startsWith('COMMANDS ')) commands = JSON.parse(line.slice('COMMANDS '.length)) as Record<string, number>;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the MongoDB peer did not start: ${stderr}`)), 15_000);
    lines.on('line', (line) => {
      const match = /^PORT (\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the MongoDB peer exited (${String(code)}): ${stderr}`));
    });
  });
  return {
    url: `mongodb://127.0.0.1:${port}/`,
    isPeer: true,
    commands: () => commands,
    pause: () => setStopped(child, true),
    resume: () => (child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : setStopped(child, false)),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
      await new Promise((resolve) => setImmediate(resolve)); // the last lines of output
      // Problems the peer reported while answering (its own bugs, mongomock gaps).
      if (/Traceback/.test(stderr)) console.warn(`MongoDB peer stderr:\n${stderr}`);
    },
  };
}
