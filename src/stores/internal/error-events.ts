/**
 * `'error'` events of driver objects. Node.js stops the process when an EventEmitter emits
 * `'error'` with no listener, and drivers emit it on the objects they hand out when a
 * connection breaks (a pg `Client` checked out of its pool, a mysql2 pool connection, a
 * node-redis client): one server crash would stop the application. Stores therefore give every
 * emitter they own or are given a listener of their own, beside (never instead of) the user's.
 * The error itself reaches callers through the calls it failed, as `StoreError`; the listener
 * only keeps the process alive.
 */

/** What can emit `'error'` (and other) events: an EventEmitter, by duck typing. */
export interface EventSource {
  on(event: string, listener: (...args: never[]) => void): unknown;
}

const listened = new WeakSet<object>();
const watchedMembers = new WeakSet<object>();

function isEventSource(value: unknown): value is EventSource {
  return typeof value === 'object' && value !== null && typeof (value as { on?: unknown }).on === 'function';
}

/** Adds one `'error'` listener that does nothing to `emitter`, once however often it is called. */
export function absorbErrorEvents(emitter: unknown): void {
  if (!isEventSource(emitter) || listened.has(emitter)) return;
  listened.add(emitter);
  emitter.on('error', () => undefined);
}

/**
 * Absorbs the `'error'` events of a pool and of every connection it hands out: each event in
 * `memberEvents` (`'connect'`, `'acquire'`…) passes a connection, which gets its listener the
 * first time it is seen. Once per pool however often it is called.
 */
export function absorbPoolErrorEvents(pool: unknown, memberEvents: readonly string[]): void {
  absorbErrorEvents(pool);
  if (!isEventSource(pool) || watchedMembers.has(pool)) return;
  watchedMembers.add(pool);
  for (const event of memberEvents) pool.on(event, (member: never) => absorbErrorEvents(member));
}
