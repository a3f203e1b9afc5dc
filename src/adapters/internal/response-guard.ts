import type { ServerResponse } from 'node:http';
import type { SaveResult } from '../../interfaces/session-interface.js';
import { applySaveResultToNode, moveWriteHeadHeaders } from './node-headers.js';
import { hasHeaders } from './save-result.js';

/** What a response guard needs from its adapter. */
export interface ResponseGuardOptions {
  /** Saves the session and returns the headers to add; called once, when the app starts its response. */
  commit: () => Promise<SaveResult>;
  /**
   * Answers the request when `commit` failed. Nothing was sent yet: the response's headers and
   * status were reset, so the handler writes a fresh response.
   */
  onError: (error: unknown) => void;
}

/** Control over a guarded response. */
export interface ResponseGuard {
  /** True once the app started its response and the guard took over saving the session. */
  readonly triggered: boolean;
  /** Settles once a triggered save finished and the response went out (or the error path ran). */
  readonly settled: Promise<void>;
  /** Removes the guard when the adapter applies the headers itself; a no-op once triggered. */
  release(): void;
}

type GuardedMethod = 'writeHead' | 'write' | 'end' | 'flushHeaders';
type Method = (...args: unknown[]) => unknown;
type Call = { method: GuardedMethod; args: unknown[] };

const METHODS: readonly GuardedMethod[] = ['writeHead', 'write', 'end', 'flushHeaders'];
const MASKED = ['headersSent', 'writableEnded', 'finished'] as const;

/**
 * Holds back a node response until the session is saved. The first `writeHead`, `write`, `end` or
 * `flushHeaders` starts `commit()`; that call and every later one are queued and replayed in
 * order once the Set-Cookie and Vary headers are on the response, so headers never leave before
 * the save completed. While it waits, the response reports itself as sent (`headersSent`) and,
 * after `end()`, as ended — as it would be without the guard — and `write()` returns `false`,
 * with a `'drain'` following the replay.
 *
 * Code that wraps these methods after the guard (compression…) keeps working: the guard's
 * methods stay under the wrappers and pass calls through once the save is done.
 */
export function guardResponse(res: ServerResponse, options: ResponseGuardOptions): ResponseGuard {
  let state: 'armed' | 'saving' | 'released' | 'failed' = 'armed';
  let ended = false;
  let triggered = false;
  const queue: Call[] = [];
  const originals = new Map<GuardedMethod, Method>();
  const installed = new Map<PropertyKey, { before: PropertyDescriptor | undefined; mine: PropertyDescriptor }>();
  let markSettled: () => void = () => {};
  const settled = new Promise<void>((resolve) => {
    markSettled = resolve;
  });

  const install = (name: PropertyKey, descriptor: PropertyDescriptor): void => {
    const mine = { configurable: true, ...descriptor };
    installed.set(name, { before: Object.getOwnPropertyDescriptor(res, name), mine });
    Object.defineProperty(res, name, mine);
  };
  /** Takes back what the guard installed, where nobody has replaced it since. */
  const uninstall = (names: readonly PropertyKey[]): void => {
    for (const name of names) {
      const entry = installed.get(name);
      if (!entry) continue;
      installed.delete(name);
      const current = Object.getOwnPropertyDescriptor(res, name);
      if (current?.value !== entry.mine.value || current?.get !== entry.mine.get) continue;
      if (entry.before) Object.defineProperty(res, name, entry.before);
      else Reflect.deleteProperty(res, name);
    }
  };
  const callOriginal = (method: GuardedMethod, args: unknown[]): unknown => originals.get(method)!.apply(res, args);

  const intercept = (method: GuardedMethod, args: unknown[]): unknown => {
    if (state === 'released') return callOriginal(method, args);
    if (state === 'failed') {
      // The app may go on writing the response that was dropped; once the error response has
      // ended, such calls are ignored instead of raising node's write-after-end error.
      if (!res.writableEnded) return callOriginal(method, args);
      failCallbacks([{ method, args }], new Error('the response was replaced by an error response'));
      return placeholderResult(res, method);
    }
    queue.push({ method, args });
    if (method === 'end') ended = true;
    if (state === 'armed') {
      state = 'saving';
      triggered = true;
      for (const name of MASKED) install(name, { get: () => (name === 'headersSent' ? true : ended) });
      void run();
    }
    return placeholderResult(res, method);
  };

  const run = async (): Promise<void> => {
    let result: SaveResult;
    try {
      result = await options.commit();
    } catch (error) {
      state = 'failed';
      uninstall(MASKED);
      failCallbacks(queue.splice(0), error);
      resetResponse(res);
      try {
        options.onError(error);
      } finally {
        markSettled();
      }
      return;
    }
    state = 'released';
    uninstall([...MASKED, ...METHODS]);
    try {
      replay(res, queue.splice(0), result, callOriginal);
    } finally {
      markSettled();
    }
  };

  for (const method of METHODS) {
    originals.set(method, res[method] as Method);
    install(method, { writable: true, value: (...args: unknown[]) => intercept(method, args) });
  }

  return {
    get triggered() {
      return triggered;
    },
    settled,
    release() {
      if (state !== 'armed') return;
      state = 'released';
      uninstall(METHODS);
      markSettled();
    },
  };
}

/** What a held-back call returns: `write` asks the caller to wait for `'drain'`. */
function placeholderResult(res: ServerResponse, method: GuardedMethod): unknown {
  if (method === 'write') return false;
  return method === 'flushHeaders' ? undefined : res;
}

/** Makes the queued calls for real, after adding the session's headers. */
function replay(res: ServerResponse, calls: Call[], result: SaveResult, call: (method: GuardedMethod, args: unknown[]) => unknown): void {
  if (res.destroyed) {
    // The client went away during the save; the session is saved, the response has nowhere to go.
    failCallbacks(calls, new Error('the connection closed before the response could be sent'));
    return;
  }
  const changes = hasHeaders(result);
  if (changes && !res.headersSent) applySaveResultToNode(res, result);
  let wrote = false;
  for (const { method, args } of calls) {
    if (method === 'writeHead' && changes) {
      const [status, second, third] = args;
      const message = typeof second === 'string' ? second : undefined;
      moveWriteHeadHeaders(res, message === undefined ? second : third, result);
      call('writeHead', message === undefined ? [status] : [status, message]);
      continue;
    }
    if (method === 'write') wrote = true;
    call(method, args);
  }
  if (wrote && !res.writableEnded && !res.writableNeedDrain) res.emit('drain');
}

/** Tells the callbacks of dropped calls that their data was not sent. */
function failCallbacks(calls: Call[], error: unknown): void {
  const reason = error instanceof Error ? error : new Error(String(error));
  for (const { args } of calls) {
    const callback = args.findLast((arg) => typeof arg === 'function') as ((error: Error) => void) | undefined;
    if (callback) process.nextTick(callback, reason);
  }
}

/** Forgets the status and headers the app had prepared, so an error response starts clean. */
function resetResponse(res: ServerResponse): void {
  if (res.headersSent) return;
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = 200;
  Reflect.set(res, 'statusMessage', undefined);
}
