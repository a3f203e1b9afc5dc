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
type CallOriginal = (method: GuardedMethod, args: unknown[]) => unknown;
/** Flags read through a getter of the response's prototype, masked while a save is in flight. */
type GetterFlag = 'headersSent' | 'writableEnded';

const GETTER_FLAGS: readonly GetterFlag[] = ['headersSent', 'writableEnded'];
const SETTLED: Promise<void> = Promise.resolve();

/** Where a masked response finds its guard (a symbol property: no per-request map or closure). */
const GUARD = Symbol('sessionkit.responseGuard');
type MaskedResponse = ServerResponse & { [GUARD]?: Guard };

/*
 * Performance notes (measured with `bench/profile.ts` and `--trace-gc-nvp` under load):
 * - The guard is a class instance: an object literal with getters would get a fresh hidden class
 *   per request, whose accessor closures keep the request's objects alive through young-generation
 *   collections (a quarter of the young generation survived and was promoted, scavenges took 5–9 ms).
 * - Masking accessors are shared functions, defined only while an asynchronous save is in flight.
 * - Nothing is deleted from the response: deleting own properties turns it into a slow
 *   dictionary-mode object. The guard's methods stay in place and pass calls through.
 */

/** A getter shared by every masked response: the guard's view of a flag. */
const maskedGetters: Record<GetterFlag, (this: MaskedResponse) => boolean> = {
  headersSent(this: MaskedResponse): boolean {
    return readFlag(this, 'headersSent');
  },
  writableEnded(this: MaskedResponse): boolean {
    return readFlag(this, 'writableEnded');
  },
};

function readFlag(res: MaskedResponse, name: GetterFlag): boolean {
  const guard = res[GUARD];
  if (guard?.saving) return name === 'headersSent' ? true : guard.ended;
  return Boolean(guard ? guard.realFlag(name) : Reflect.get(Object.getPrototypeOf(res) as object, name, res));
}

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
 * methods stay under the wrappers and pass calls through once the save is done.
 */
export function guardResponse(res: ServerResponse, options: ResponseGuardOptions): ResponseGuard {
  return new Guard(res, options);
}

class Guard implements ResponseGuard {
  readonly #res: MaskedResponse;
  readonly #options: ResponseGuardOptions;
  readonly #originals: Record<GuardedMethod, Method>;
  #state: 'armed' | 'saving' | 'released' | 'failed' = 'armed';
  #triggered = false;
  #ended = false;
  #queue: Call[] | undefined;
  /** The flags' own descriptors before masking (usually none: they are prototype getters). */
  #ownFlags: Partial<Record<GetterFlag, PropertyDescriptor>> | undefined;
  /** The value of an own `finished` data property to put back before replaying `end`. */
  #finishedBefore: { value: boolean } | undefined;
  #settledPromise: Promise<void> | undefined;
  #markSettled: (() => void) | undefined;
  #isSettled = false;
  readonly #callOriginal: CallOriginal = (method, args) => this.#originals[method].apply(this.#res, args);

  constructor(res: ServerResponse, options: ResponseGuardOptions) {
    this.#res = res;
    this.#options = options;
    this.#originals = {
      writeHead: res.writeHead as Method,
      write: res.write as Method,
      end: res.end as Method,
      flushHeaders: res.flushHeaders as Method,
    };
    res.writeHead = ((...args: unknown[]) => this.intercept('writeHead', args)) as ServerResponse['writeHead'];
    res.write = ((...args: unknown[]) => this.intercept('write', args)) as ServerResponse['write'];
    res.end = ((...args: unknown[]) => this.intercept('end', args)) as ServerResponse['end'];
    res.flushHeaders = ((...args: unknown[]) => this.intercept('flushHeaders', args)) as ServerResponse['flushHeaders'];
  }

  get triggered(): boolean {
    return this.#triggered;
  }

  get settled(): Promise<void> {
    if (this.#isSettled) return SETTLED;
    this.#settledPromise ??= new Promise<void>((resolve) => {
      this.#markSettled = resolve;
    });
    return this.#settledPromise;
  }

  /** True while an asynchronous save holds the response back. */
  get saving(): boolean {
    return this.#state === 'saving';
  }

  /** Whether the app called `end()` (what the masked flags report while saving). */
  get ended(): boolean {
    return this.#ended;
  }

  release(): void {
    if (this.#state !== 'armed') return;
    this.#state = 'released';
    this.#settle();
  }

  /** A flag as the response reports it without the mask. */
  realFlag(name: GetterFlag): unknown {
    const res = this.#res;
    const own = this.#ownFlags?.[name];
    if (own) return own.get ? own.get.call(res) : own.value;
    return Reflect.get(Object.getPrototypeOf(res) as object, name, res);
  }

  /** Every guarded method call lands here. */
  intercept(method: GuardedMethod, args: unknown[]): unknown {
    const state = this.#state;
    if (state === 'released') return this.#callOriginal(method, args);
    const res = this.#res;
    if (state === 'failed') {
      // The app may go on writing the response that was dropped; once the error response has
      // ended, such calls are ignored instead of raising node's write-after-end error.
      if (!res.writableEnded) return this.#callOriginal(method, args);
      failCallbacks([{ method, args }], new Error('the response was replaced by an error response'));
      return placeholderResult(res, method);
    }
    if (state === 'armed' && this.#options.commitSync) {
      let result: SaveResult | undefined;
      try {
        result = this.#options.commitSync();
      } catch (error) {
        this.#triggered = true;
        this.#fail([{ method, args }], error);
        return placeholderResult(res, method);
      }
      if (result !== undefined) {
        this.#state = 'released';
        this.#triggered = true;
        this.#settle();
        return send(res, method, args, result, this.#callOriginal);
      }
    }
    (this.#queue ??= []).push({ method, args });
    if (method === 'end') {
      this.#ended = true;
      this.#maskFinished();
    }
    if (state === 'armed') {
      this.#state = 'saving';
      this.#triggered = true;
      this.#maskFlags();
      void this.#run();
    }
    return placeholderResult(res, method);
  }

  async #run(): Promise<void> {
    let result: SaveResult;
    try {
      result = await this.#options.commit();
    } catch (error) {
      this.#unmaskFinished();
      this.#fail(this.#queue!.splice(0), error);
      return;
    }
    this.#state = 'released';
    this.#unmaskFinished();
    try {
      replay(this.#res, this.#queue!.splice(0), result, this.#callOriginal);
    } finally {
      this.#settle();
    }
  }

  /** Drops the app's response after a failed save and lets `onError` answer. */
  #fail(calls: Call[], error: unknown): void {
    this.#state = 'failed';
    failCallbacks(calls, error);
    resetResponse(this.#res);
    try {
      this.#options.onError(error);
    } finally {
      this.#settle();
    }
  }

  #settle(): void {
    this.#isSettled = true;
    this.#markSettled?.();
  }

  /** Makes `headersSent` and `writableEnded` report the app's view while the save is in flight. */
  #maskFlags(): void {
    const res = this.#res;
    for (const name of GETTER_FLAGS) {
      const own = Object.getOwnPropertyDescriptor(res, name);
      // A getter of ours (another sessionkit guard on the same response) reads through the prototype.
      if (own && own.get !== maskedGetters[name]) (this.#ownFlags ??= {})[name] = own;
      if (own?.get !== maskedGetters[name]) Object.defineProperty(res, name, { configurable: true, get: maskedGetters[name] });
    }
    res[GUARD] = this;
  }

  /**
   * `finished` is a data property node sets in `end()`: it reads `true` once the app ended the
   * response, and goes back to its value before the real `end()` runs.
   */
  #maskFinished(): void {
    const res = this.#res;
    if (this.#finishedBefore !== undefined) return;
    const own = Object.getOwnPropertyDescriptor(res, 'finished');
    if (!own || !('value' in own) || !own.writable) return;
    this.#finishedBefore = { value: own.value as boolean };
    res.finished = true;
  }

  #unmaskFinished(): void {
    if (this.#finishedBefore === undefined) return;
    this.#res.finished = this.#finishedBefore.value;
    this.#finishedBefore = undefined;
  }
}

/** What a held-back call returns: `write` asks the caller to wait for `'drain'`. */
function placeholderResult(res: ServerResponse, method: GuardedMethod): unknown {
  if (method === 'write') return false;
  return method === 'flushHeaders' ? undefined : res;
}

/** Adds the session's headers and makes the app's first call for real, returning its result. */
function send(res: ServerResponse, method: GuardedMethod, args: unknown[], result: SaveResult, call: CallOriginal): unknown {
  if (!hasHeaders(result)) return call(method, args);
  if (!res.headersSent) applySaveResultToNode(res, result);
  if (method !== 'writeHead') return call(method, args);
  return callWriteHead(res, args, result, call);
}

/** `writeHead` with its headers moved onto the response first, merged with the session's. */
function callWriteHead(res: ServerResponse, args: unknown[], result: SaveResult, call: CallOriginal): unknown {
  const [status, second, third] = args;
  const message = typeof second === 'string' ? second : undefined;
  moveWriteHeadHeaders(res, message === undefined ? second : third, result);
  return call('writeHead', message === undefined ? [status] : [status, message]);
}

/** Makes the queued calls for real, after adding the session's headers. */
function replay(res: ServerResponse, calls: Call[], result: SaveResult, call: CallOriginal): void {
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
