/**
 * What the demo keeps in the session, and readers that tolerate anything else being there (a
 * cookie signed with the same secret by another app, data left by an older version).
 */
import type { Session } from '../src/session.js';

/** The nested dict `/set_session` stores, as the Flask tutorials do. */
export interface ProfileInfo {
  email: string;
  visits: number;
}

/** The session's data. */
export interface DemoData {
  /** The logged-in user (set by `/login`). */
  user?: string;
  /** A plain value set by `/set_session`. */
  username?: string;
  /** A nested value set by `/set_session`. */
  info?: ProfileInfo;
  /** Shopping cart: product id → quantity. Works without login. */
  cart?: Record<string, number>;
  /** The CSRF token every POST form carries. */
  csrf_token?: string;
}

/** The demo's session type. */
export type DemoSession = Session<DemoData>;

/** The logged-in user, if any. */
export function currentUser(session: DemoSession): string | undefined {
  const user = session.get('user');
  return typeof user === 'string' ? user : undefined;
}

/** The `info` dict when it has the expected shape. */
export function profileInfo(session: DemoSession): ProfileInfo | undefined {
  const info = session.get('info');
  if (info === null || typeof info !== 'object') return undefined;
  return typeof info.email === 'string' && typeof info.visits === 'number' ? info : undefined;
}

/** The `username` value when it is a string. */
export function storedUsername(session: DemoSession): string | undefined {
  const name = session.get('username');
  return typeof name === 'string' ? name : undefined;
}
