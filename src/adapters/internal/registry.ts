import { SessionKitError } from '../../errors.js';
import type { RequestSession } from './request-session.js';

/**
 * Where a request keeps its session state: a symbol-keyed property of the framework's request
 * object. (A `WeakMap` keyed by requests kept each request's objects alive through young-generation
 * collections under load, so they were promoted and scavenges took several milliseconds.)
 */
const STATE = Symbol('sessionkit.requestSession');

type WithState = { [STATE]?: RequestSession<object> };

/** Remembers the session state of a request (keyed by the framework's request object). */
export function bindRequestSession<T extends object>(request: object, state: RequestSession<T>): void {
  (request as WithState)[STATE] = state as unknown as RequestSession<object>;
}

/** The session state bound to a request; throws a clear error when the adapter did not run. */
export function requestSessionOf<T extends object>(request: object, adapter: string): RequestSession<T> {
  const state = (request as WithState)[STATE];
  if (!state) {
    throw new SessionKitError(`No session on this request: install the sessionkit ${adapter} adapter before this handler.`);
  }
  return state as unknown as RequestSession<T>;
}
