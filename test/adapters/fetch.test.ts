import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { commitSession, openSession } from '../../src/adapters/fetch.js';
import { CookieJar } from '../../src/cookies.js';
import { StoreError } from '../../src/errors.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import { ServerSessionInterface } from '../../src/interfaces/server.js';
import { describeAdapterContract, type StartOptions, type TestData } from './support/contract.js';
import { delay, listen, setCookies, type RunningApp } from './support/http.js';
import { FlakyStore } from './support/stores.js';

const encoder = new TextEncoder();

/** A chunked body: each part after a pause. */
function slowBody(parts: string[], pause: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(controller) {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && pause > 0) await delay(pause);
        controller.enqueue(encoder.encode(part));
      }
      controller.close();
    },
  });
}

/** A framework-free Fetch handler with the contract routes. */
function buildHandler(options: StartOptions): (request: Request) => Promise<Response> {
  const iface = options.sessionInterface;
  return async function handle(request) {
    const { session, cookies } = openSession(iface, request, { cookies: options.cookies });
    const text = (body: string, init?: ResponseInit) => new Response(body, { ...init, headers: { 'Content-Type': 'text/plain' } });
    const path = new URL(request.url).pathname;
    let response: Response;
    try {
      // What the framework adapters call eager loading; a lazy app loads only where it needs to.
      if (options.load !== 'lazy' && path !== '/count-lazy') await session.load();
      response = await route(path);
      return await commitSession(iface, session, response);
    } catch (error) {
      return text(error instanceof StoreError ? `store ${error.store} failed` : 'error', { status: error instanceof StoreError ? 503 : 500 });
    }

    async function route(p: string): Promise<Response> {
      switch (p) {
        case '/count-lazy':
          await session.load();
        // falls through
        case '/count': {
          const count = (session.get('count') ?? 0) + 1;
          session.set('count', count);
          return text(String(count));
        }
        case '/peek':
          return text('peek');
        case '/read':
          return text(String(session.get('count') ?? 0));
        case '/login':
          session.set('user', 'ada');
          return new Response(null, { status: 302, headers: { Location: '/whoami' } });
        case '/whoami':
          return text(session.get('user') ?? 'nobody');
        case '/note':
          return text(session.get('note') ?? 'none');
        case '/stream':
          session.set('note', 'streamed');
          return new Response(slowBody(['a', 'b', 'c'], 10), { headers: { 'Content-Type': 'text/plain' } });
        case '/pipe':
          session.set('note', 'piped');
          return new Response(slowBody(['x', 'y', 'z'], 0));
        case '/late':
          await delay(5);
          session.set('note', 'late');
          return text('late');
        case '/prefs/set':
          cookies.set('theme', 'dark', { maxAge: 60 });
          return text('ok');
        case '/prefs/get':
          return text(cookies.get('theme') ?? 'none');
        case '/prefs/delete':
          cookies.delete('theme');
          return text('ok');
        case '/signed/set':
          cookies.setSigned('uid', '42');
          return text('ok');
        case '/signed/get':
          return text(cookies.getSigned('uid') ?? 'invalid');
        case '/logout':
          session.clear();
          return text('bye');
        default:
          return text('not found', { status: 404 });
      }
    }
  };
}

const start = (options: StartOptions): Promise<RunningApp> => listen(createAdaptorServer({ fetch: buildHandler(options) }) as Server);

describeAdapterContract('fetch', start);

describe('fetch adapter', () => {
  const iface = new CookieSessionInterface<TestData>({ secret: 'fetch-adapter-secret', secure: 'auto' });

  it('adds headers in place to a mutable response and returns it', async () => {
    const { session } = openSession(iface, new Request('http://example.test/'));
    session.set('count', 1);
    const response = new Response('ok', { headers: { Vary: 'Accept' } });
    const committed = await commitSession(iface, session, response);
    expect(committed).toBe(response);
    expect(committed.headers.get('vary')).toBe('Accept, Cookie');
    expect(setCookies(committed).map((c) => c.name)).toEqual([iface.cookieName]);
  });

  it('copies a response whose headers are immutable, keeping status, headers and body', async () => {
    const { session } = openSession(iface, new Request('http://example.test/'));
    session.set('user', 'ada');
    const response = Response.redirect('http://example.test/home', 303);
    const committed = await commitSession(iface, session, response);
    expect(committed).not.toBe(response);
    expect(committed.status).toBe(303);
    expect(committed.headers.get('location')).toBe('http://example.test/home');
    expect(setCookies(committed).map((c) => c.name)).toEqual([iface.cookieName]);
  });

  it('returns the response untouched when the session was not used', async () => {
    const { session } = openSession(iface, new Request('http://example.test/'));
    const response = Response.redirect('http://example.test/home', 302);
    expect(await commitSession(iface, session, response)).toBe(response);
  });

  it('sends the cookies of the jar openSession returned, or of the jar given', async () => {
    const opened = openSession(iface, new Request('http://example.test/'));
    opened.cookies.set('a', '1');
    const withDefault = await commitSession(iface, opened.session, new Response('x'));
    expect(setCookies(withDefault).map((c) => c.name)).toEqual(['a']);

    const other = new CookieJar(null).set('b', '2');
    const again = openSession(iface, new Request('http://example.test/'));
    const withGiven = await commitSession(iface, again.session, new Response('x'), other);
    expect(setCookies(withGiven).map((c) => c.name)).toEqual(['b']);
  });

  it("takes secure: 'auto' from the URL scheme, or X-Forwarded-Proto with trustProxy", async () => {
    const secure = async (url: string, headers: Record<string, string> = {}, trustProxy = false) => {
      const { session } = openSession(iface, new Request(url, { headers }), { trustProxy });
      session.set('count', 1);
      return setCookies(await commitSession(iface, session, new Response('x')))[0]?.attributes.has('secure');
    };
    expect(await secure('https://example.test/')).toBe(true);
    expect(await secure('http://example.test/')).toBe(false);
    expect(await secure('http://example.test/', { 'x-forwarded-proto': 'https' })).toBe(false);
    expect(await secure('http://example.test/', { 'x-forwarded-proto': 'https' }, true)).toBe(true);
  });

  it('rejects with the StoreError when the store fails', async () => {
    const store = new FlakyStore();
    const server = new ServerSessionInterface<TestData>({ store });
    const { session } = openSession(server, new Request('http://example.test/'));
    await session.load();
    session.set('count', 1);
    store.failing = true;
    await expect(commitSession(server, session, new Response('x'))).rejects.toBeInstanceOf(StoreError);
  });
});

/** Compile-time checks: `tsc --noEmit` fails if the session stops being typed. */
export function typedUsage(request: Request): void {
  const { session } = openSession(new CookieSessionInterface<TestData>({ secret: 's' }), request);
  const count: number | undefined = session.get('count');
  // @ts-expect-error -- count is a number
  session.set('count', 'three');
  // @ts-expect-error -- no such key in TestData
  session.get('missing');
  session.set('count', (count ?? 0) + 1);
}
