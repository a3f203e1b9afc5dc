/** memcached instances for the tests: `memcached` from Debian, one child process each. */
import { connect } from 'node:net';
import { startServer, type ChildServer } from './processes.js';

/** Starts a memcached on a free loopback port (TCP only, 64 MB). */
export function startMemcached(): Promise<ChildServer> {
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  return startServer('memcached', 'memcached', (port) => ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', ...asRoot]);
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
