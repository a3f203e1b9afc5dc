/**
 * `/inspect`: what the server holds for the current session.
 */
import type { TLSSocket } from 'node:tls';
import type { RequestContext } from '../context.js';
import { inspectPage, type CookieExpiry, type InspectView } from '../views/inspect.js';
import type { Route } from './route.js';

/** JSON for the values tagged JSON can hold and plain JSON cannot (bytes, big integers). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString('base64') };
  return value;
}

/** Gathers what the inspector shows; reads the store record of a server-side session. */
async function inspect(ctx: RequestContext): Promise<InspectView> {
  const { session } = ctx;
  const { backend } = ctx.app;
  const settings = backend.sessionInterface.settings;
  const now = new Date();
  const data = session.toObject();
  const https = (ctx.req.socket as Partial<TLSSocket>).encrypted === true;
  const secure =
    settings.secure === 'auto'
      ? `${https ? 'yes' : 'no'} (auto: set only on HTTPS requests; this one came over ${https ? 'HTTPS' : 'plain HTTP'})`
      : settings.secure
        ? 'yes'
        : 'no';
  const stored = session.size > 0;
  let expiry: CookieExpiry = { kind: 'none' };
  let record: InspectView['record'];
  let cookieValue: string | undefined;

  if (backend.kind === 'server') {
    const id = session.id;
    const key = id === undefined ? undefined : backend.sessionInterface.keyPrefix + id;
    const found = key === undefined ? null : await backend.store.load(key);
    if (key !== undefined && found) record = { key, expiresAt: new Date(found.expiresAt), bytes: found.value.length };
    // The store record and the cookie are written together, with the same expiry.
    if (record) expiry = session.permanent ? { kind: 'date', at: record.expiresAt } : { kind: 'browser-session' };
  } else if (stored) {
    // A permanent cookie session is re-sent on every request, expiring one lifetime from now.
    expiry = session.permanent ? { kind: 'date', at: new Date(now.getTime() + settings.permanentLifetime * 1000) } : { kind: 'browser-session' };
    if (!session.isNew) cookieValue = ctx.cookies.get(settings.cookieName);
  }

  return {
    sessionType: backend.type,
    location: backend.location,
    id: backend.kind === 'server' ? session.id : undefined,
    serverSide: backend.kind === 'server',
    isNew: session.isNew,
    permanent: session.permanent,
    dataJson: JSON.stringify(data, jsonReplacer, 2),
    keyCount: Object.keys(data).length,
    cookie: {
      name: settings.cookieName,
      httpOnly: settings.httpOnly,
      sameSite: settings.sameSite === false ? 'not set' : settings.sameSite,
      secure,
      path: settings.path,
      domain: settings.domain ?? 'not set (host-only: sent back to this host only)',
    },
    expiry,
    record,
    cookieValue,
    now,
  };
}

/** The inspector page. */
export const inspectRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/inspect',
    async handle(ctx) {
      ctx.render(inspectPage(await inspect(ctx)));
    },
  },
];
