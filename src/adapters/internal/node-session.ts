import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestInfo } from '../../interfaces/session-interface.js';
import type { ResolvedBaseOptions } from './options.js';
import { bindRequestSession } from './registry.js';
import { RequestSession } from './request-session.js';
import { guardResponse, type ResponseGuard } from './response-guard.js';

/** The session state of a node request and the guard on its response. */
export interface NodeSession<T extends object> {
  state: RequestSession<T>;
  guard: ResponseGuard;
}

/**
 * Opens the session of a node request, binds it to `req` (for `getSession`) and guards `res`
 * so the session is saved before any header leaves. `onError` answers when that save fails.
 */
export function openNodeSession<T extends object>(
  req: IncomingMessage,
  res: ServerResponse,
  options: ResolvedBaseOptions<T>,
  info: RequestInfo,
  onError: (error: unknown) => void,
): NodeSession<T> {
  const state = new RequestSession(options.sessionInterface, req.headers.cookie, info, options.cookies);
  bindRequestSession(req, state);
  const guard = guardResponse(res, { commit: () => state.save(), commitSync: () => state.saveSync(), onError });
  return { state, guard };
}
