import type { ServerResponse } from 'node:http';
import type { SaveResult } from '../../interfaces/session-interface.js';
import { applySaveResultToNode, moveWriteHeadHeaders } from './node-headers.js';
import { hasHeaders } from './save-result.js';

/** What a response guard needs from its adapter. */
export interface ResponseGuardOptions {
  /** Saves the session and returns the headers to add; called once, when the app starts its response. */
  commit: () => Promise<SaveResult>;
  /**
   * Saves the session synchronously when the session interface can (cookie sessions): returns
   * the headers to add, or `undefined` when only `commit` can save. Then the app's first call
   * goes through at once, with nothing queued.
   */
  commitSync?: () => SaveResult | undefined;
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
type MaskedFlag = (typeof MASKED)[number];

const METHODS: readonly GuardedMethod[] = ['writeHead', 'write', 'end', 'flushHeaders'];
const MASKED = ['headersSent', 'writableEnded', 'finished'] as const;
const SETTLED: Promise<void> = Promise.resolve();

/**
 * Holds back a node response until the session is saved. The first `writeHead`, `write`, `end` or
 * `flushHeaders` starts the save. When the session interface saves synchronously (cookie
 * sessions), the headers are added and that call goes through at once. Otherwise it starts
 * `commit()`; that call and every later one are queued and replayed in order once the Set-Cookie
 * and Vary headers are on the response, so headers never leave before the save completed. While
 * it waits, the response reports itself as sent (`headersSent`) and, after `end()`, as ended — as
 * it would be without the guard — and `write()` returns `false`, with a `'drain'` following the
 * replay.
 *
 * Code that wraps these methods after the guard (compression…) keeps working: the guard's
 * methods stay under the wrappers and pass calls through once the save is done. The guard's own
 * properties stay on the response after the save (passing through): deleting properties would
 * turn the response into a slow dictionary-mode object for the rest of its life.
 */
export function guardResponse(res: ServerResponse, options: ResponseGuardOptions): ResponseGuard {
  let state: 'armed' | 'saving' | 'released' | 'failed' = 'armed';
  let ended = false;
  let triggered = false;
  const queue: Call[] = [];
  const originals: Record<GuardedMethod, Method> = {
    writeHead: res.writeHead as Method,
    write: res.write as Method,
    end: res.end as Method,
    flushHeaders: res.flushHeaders as Method,
  };
  // Created only when asked for (most requests never ask).
  let settled: Promise<void> | undefined;
  let markSettled: (() => void) | undefined;
  let isSettled = false;
  const settle = (): void => {
    isSettled = true;
    markSettled?.();
  };

  const callOriginal = (method: GuardedMethod, args: unknown[]): unknown => originals[method].apply(res, args);

  /** Drops the app's response after a failed save and lets `onError` answer. */
  const fail = (calls: Call[], error: unknown): void => {
    state = 'failed';
    failCallbacks(calls, error);
    resetResponse(res);
    try {
      options.onError(error);
    } finally {
      settle();
    }
  };

  const intercept = (method: GuardedMethod, args: unknown[]): unknown => {
    if (state === 'released') return callOriginal(method, args);
    if (state === 'failed') {
      // The app may go on writing the response that was dropped; once the error response has
      // ended, such calls are ignored instead of raising node's write-after-end error.
      if (!res.writableEnded) return callOriginal(method, args);
      failCallbacks([{ method, args }], new Error('the response was replaced by an error response'));
      return placeholderResult(res, method);
    }
    if (state === 'armed' && options.commitSync) {
      let result: SaveResult | undefined;
      try {
        result = options.commitSync();
      } catch (error) {
        triggered = true;
        fail([{ method, args }], error);
        return placeholderResult(res, method);
      }
      if (result !== undefined) {
        state = 'released';
        triggered = true;
        settle();
        return send(res, method, args, result, callOriginal);
      }
    }
    queue.push({ method, args });
    if (method === 'end') ended = true;
    if (state === 'armed') {
      state = 'saving';
      triggered = true;
      maskFlags(res, () => state === 'saving', ended ? () => true : () => ended);
      void run();
    }
    return placeholderResult(res, method);
  };

  const run = async (): Promise<void> => {
    let result: SaveResult;
    try {
      result = await options.commit();
    } catch (error) {
      fail(queue.splice(0), error);
      return;
    }
    state = 'released';
    try {
      replay(res, queue.splice(0), result, callOriginal);
    } finally {
      settle();
    }
  };

  res.writeHead = function writeHead(...args: unknown[]) {
    return intercept('writeHead', args);
  } as ServerResponse['writeHead'];
  res.write = function write(...args: unknown[]) {
    return intercept('write', args);
  } as ServerResponse['write'];
  res.end = function end(...args: unknown[]) {
    return intercept('end', args);
  } as ServerResponse['end'];
  res.flushHeaders = function flushHeaders(...args: unknown[]) {
    return intercept('flushHeaders', args);
  } as ServerResponse['flushHeaders'];

  return {
    get triggered() {
      return triggered;
    },
    get settled() {
      if (isSettled) return SETTLED;
      settled ??= new Promise<void>((resolve) => {
        markSettled = resolve;
      });
      return settled;
    },
    release() {
      if (state !== 'armed') return;
      state = 'released';
      settle();
    },
  };
}

/**
 * Makes `headersSent` read `true` and `writableEnded`/`finished` read the app's view while
 * `masking()` holds; afterwards they read the response's real state again. (Accessors that stay
 * in place, since deleting them would slow the response down.)
 */
function maskFlags(res: ServerResponse, masking: () => boolean, appEnded: () => boolean): void {
  for (const name of MASKED) {
    const real = realFlag(res, name);
    Object.defineProperty(res, name, {
      configurable: true,
      get: () => (masking() ? (name === 'headersSent' ? true : appEnded()) : real()),
    });
  }
}

/** Reads a flag as the response would without the mask (own property or the prototype's getter). */
function realFlag(res: ServerResponse, name: MaskedFlag): () => unknown {
  const own = Object.getOwnPropertyDescriptor(res, name);
  if (own) return own.get ? () => own.get!.call(res) : () => own.value;
  const proto = Object.getPrototypeOf(res) as object;
  return () => Reflect.get(proto, name, res);
}

/** What a held-back call returns: `write` asks the caller to wait for `'drain'`. */
function placeholderResult(res: ServerResponse, method: GuardedMethod): unknown {
  if (method === 'write') return false;
  return method === 'flushHeaders' ? undefined : res;
}

/** Adds the session's headers and makes the app's first call for real, returning its result. */
function send(res: ServerResponse, method: GuardedMethod, args: unknown[], result: SaveResult, call: (method: GuardedMethod, args: unknown[]) => unknown): unknown {
  const changes = hasHeaders(result);
  if (!changes) return call(method, args);
  if (!res.headersSent) applySaveResultToNode(res, result);
  if (method !== 'writeHead') return call(method, args);
  return callWriteHead(res, args, result, call);
}

/** `writeHead` with its headers moved onto the response first, merged with the session's. */
function callWriteHead(res: ServerResponse, args: unknown[], result: SaveResult, call: (method: GuardedMethod, args: unknown[]) => unknown): unknown {
  const [status, second, third] = args;
  const message = typeof second === 'string' ? second : undefined;
  moveWriteHeadHeaders(res, message === undefined ? second : third, result);
  return call('writeHead', message === undefined ? [status] : [status, message]);
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
      callWriteHead(res, args, result, call);
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

export { METHODS as GUARDED_METHODS };
