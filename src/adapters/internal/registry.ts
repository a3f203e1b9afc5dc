import { SessionKitError } from '../../errors.js';
import type { RequestSession } from './request-session.js';

const sessions = new WeakMap<object, RequestSession<object>>();

/** Remembers the session state of a request (keyed by the framework's request object). */
export function bindRequestSession<T extends object>(request: object, state: RequestSession<T>): void {
  sessions.set(request, state as unknown as RequestSession<object>);
}

/** The session state bound to a request; throws a clear error when the adapter did not run. */
export function requestSessionOf<T extends object>(request: object, adapter: string): RequestSession<T> {
  const state = sessions.get(request);
  if (!state) {
    throw new SessionKitError(`No session on this request: install the sessionkit ${adapter} adapter before this handler.`);
  }
  return state as unknown as RequestSession<T>;
}
