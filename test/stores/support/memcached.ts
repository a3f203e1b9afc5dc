/** memcached instances for the tests: `memcached` from Debian, one child process each. */
import { connect } from 'node:net';
import { startServer, startServerOnPort, type ChildServer } from './processes.js';

/** memcached's arguments for `port`: loopback, TCP only, 64 MB (as root: run as root). */
function memcachedArgs(port: number): string[] {
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  return ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', ...asRoot];
}

/** Starts a memcached on a free loopback port. */
export function startMemcached(): Promise<ChildServer> {
  return startServer('memcached', 'memcached', memcachedArgs);
}

/** Starts a memcached on `port` (again, after a crash: a restarted memcached holds nothing). */
export function startMemcachedOn(port: number): Promise<ChildServer> {
  return startServerOnPort('memcached', 'memcached', memcachedArgs, port);
}

/** The server's version, asked over its text protocol ("1.6.18"). */
export function memcachedVersion(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write('version\r\n'));
    let reply = '';
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const match = /^VERSION (\S+)\r\n/.exec(reply);
      if (match) {
        socket.destroy();
        resolve(match[1]!);
      }
    });
    socket.once('error', reject);
  });
}
