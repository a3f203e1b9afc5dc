/**
 * Preloaded into an example run by run.test.ts (`node --import tsx --import <this file>`): every
 * server the example starts listens on a free port instead of the one in its code (so examples
 * run side by side and never meet a busy port), and reports it to the test over IPC.
 */
import { Server } from 'node:net';

/** The message an example process sends once a server listens. */
export interface ListeningMessage {
  listening: number;
}

const listen = Server.prototype.listen;

/** `listen(3000)`, `listen('3000')`, `listen({ port: 3000 })`: the port becomes 0 (any free one). */
function withFreePort(args: unknown[]): unknown[] {
  const [first, ...rest] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) return [0, ...rest];
  if (first !== null && typeof first === 'object' && 'port' in first) return [{ ...first, port: 0 }, ...rest];
  return args;
}

Server.prototype.listen = function listenOnFreePort(this: Server, ...args: unknown[]): Server {
  this.once('listening', () => {
    const address = this.address();
    if (address !== null && typeof address === 'object') process.send?.({ listening: address.port } satisfies ListeningMessage);
  });
  return (listen as (...a: unknown[]) => Server).apply(this, withFreePort(args));
} as typeof Server.prototype.listen;
