import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server under test: its base URL and how to stop it. */
export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Starts a node server on an ephemeral port of 127.0.0.1. */
export async function listen(server: Server): Promise<RunningApp> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One cookie of a `Set-Cookie` header, parsed. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
  /** True when the header deletes the cookie (`Max-Age` ≤ 0 or `Expires` in the past). */
  expired: boolean;
}

/** Parses a `Set-Cookie` value. */
export function parseSetCookie(line: string): SetCookie {
  const [pair = '', ...rest] = line.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const at = part.indexOf('=');
    const key = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
    attributes.set(key, at === -1 ? '' : part.slice(at + 1).trim());
  }
  const maxAge = attributes.get('max-age');
  const expires = attributes.get('expires');
  const expired = (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= Date.now());
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes, expired };
}

/** The parsed `Set-Cookie` headers of a response. */
export function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map(parseSetCookie);
}

/**
 * A client that keeps cookies between requests like a browser (by name; no domain or path
 * matching, which these tests do not need) and does not follow redirects.
 */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  /** Sends a request with the stored cookies and stores the cookies of the response. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    for (const cookie of setCookies(response)) {
      if (cookie.expired) this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, cookie.value);
    }
    return response;
  }

  /** `request` and the response body as text. */
  async text(path: string, init: RequestInit = {}): Promise<{ response: Response; body: string }> {
    const response = await this.request(path, init);
    return { response, body: await response.text() };
  }
}
