/**
 * The shape of a route: a method, an exact path and a handler.
 */
import type { RequestContext } from '../context.js';

/** One page or form target. POST handlers run only after the form's CSRF token was checked. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(ctx: RequestContext): void | Promise<void>;
}
