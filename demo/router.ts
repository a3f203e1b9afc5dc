/**
 * Turns the routes into one `node:http` handler: static files without a session, every page
 * with one (through sessionkit's `withSession`), POST forms checked for their CSRF token.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withSession, type SessionRequest } from '../src/adapters/node.js';
import { StoreError } from '../src/errors.js';
import { RequestContext, type AppServices } from './context.js';
import { CSRF_FIELD, isValidCsrfToken } from './csrf.js';
import { HttpError, readForm, sendHtml } from './http.js';
import type { DemoData } from './session-data.js';
import { authRoutes } from './routes/auth.js';
import { cartRoutes } from './routes/cart.js';
import { cookieRoutes } from './routes/cookies.js';
import { homeRoutes } from './routes/home.js';
import { inspectRoutes } from './routes/inspect.js';
import type { Route } from './routes/route.js';
import { sessionRoutes } from './routes/session.js';
import { errorPage } from './views/errors.js';
import { layout } from './views/layout.js';

/** Every route of the demo. */
export const ROUTES: readonly Route[] = [...homeRoutes, ...cookieRoutes, ...sessionRoutes, ...authRoutes, ...cartRoutes, ...inspectRoutes];

const STYLESHEET = readFileSync(new URL('./public/style.css', import.meta.url));

/** Serves the stylesheet and the (empty) favicon; `false` for any other path. */
function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/static/style.css') {
    res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8', 'Content-Length': STYLESHEET.length, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    res.end(STYLESHEET);
    return true;
  }
  if (path === '/favicon.ico') {
    res.writeHead(204, { 'Cache-Control': 'max-age=86400' });
    res.end();
    return true;
  }
  return false;
}

/** An error page outside any session (the session itself could not be loaded or saved). */
function sendBareError(res: ServerResponse, status: number, title: string, message: string): void {
  const frame = { path: '', user: undefined, cartCount: 0, flashes: [], csrfField: undefined, sessionType: '' };
  sendHtml(res, status, layout(errorPage(title, message), frame));
}

/** Answers requests whose session failed: 503 when the store is down, 500 otherwise. */
function onSessionError(error: unknown, _req: IncomingMessage, res: ServerResponse): void {
  console.error(error);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  if (error instanceof StoreError) {
    sendBareError(res, 503, 'Sessions unavailable', `The ${error.store} session store is not answering. Try again in a moment.`);
  } else {
    sendBareError(res, 500, 'Something went wrong', 'The server could not handle this request.');
  }
}

/** Builds the request handler of the demo. */
export function createRequestHandler(app: AppServices, routes: readonly Route[] = ROUTES): (req: IncomingMessage, res: ServerResponse) => void {
  const dispatch = async (req: SessionRequest<DemoData>, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const candidates = routes.filter((route) => route.path === url.pathname);
    const route = candidates.find((candidate) => candidate.method === method);
    const bare = new RequestContext(req, res, url, app, new URLSearchParams());
    if (!route) {
      if (candidates.length === 0) {
        bare.render(errorPage('Page not found', `There is no page at ${url.pathname}.`), 404);
      } else {
        res.setHeader('Allow', [...new Set(candidates.map((candidate) => (candidate.method === 'GET' ? 'GET, HEAD' : candidate.method)))].join(', '));
        bare.render(errorPage('Method not allowed', `${url.pathname} does not accept ${req.method ?? 'this method'}.`), 405);
      }
      return;
    }
    let form = new URLSearchParams();
    if (route.method === 'POST') {
      try {
        form = await readForm(req);
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        bare.render(errorPage('Form not accepted', error.message), error.status);
        return;
      }
      if (!isValidCsrfToken(req.session, form.get(CSRF_FIELD))) {
        bare.render(errorPage('Form expired', 'This form is out of date or was sent from another site. Go back, reload the page and send it again.'), 403);
        return;
      }
    }
    await route.handle(new RequestContext(req, res, url, app, form));
  };

  const sessionHandler = withSession<DemoData>(
    {
      sessionInterface: app.backend.sessionInterface,
      // Plain cookies set through req.cookies: hidden from scripts, not sent on cross-site POSTs.
      cookies: { defaults: { httpOnly: true, sameSite: 'Lax', path: '/' } },
      onError: onSessionError,
    },
    dispatch,
  );

  return function demoHandler(req, res) {
    const path = new URL(req.url ?? '/', 'http://demo.invalid').pathname;
    if (serveStatic(req, res, path)) return;
    void sessionHandler(req, res);
  };
}
