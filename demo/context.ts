/**
 * What a route handler works with: the request, its session and cookies, the app's services,
 * and ways to answer (a page in the frame, or a redirect).
 */
import type { ServerResponse } from 'node:http';
import type { SessionRequest } from '../src/adapters/node.js';
import type { CookieJar } from '../src/cookies.js';
import { cartCount } from './cart.js';
import { csrfField } from './csrf.js';
import type { SafeHtml } from './html.js';
import { redirect, sendHtml } from './http.js';
import type { SessionBackend } from './session-backend.js';
import { currentUser, type DemoData, type DemoSession } from './session-data.js';
import type { UserStore } from './users.js';
import { layout, type Page } from './views/layout.js';

/** What every request can use. */
export interface AppServices {
  users: UserStore;
  backend: SessionBackend;
  /** Lifetime of permanent sessions, in seconds. */
  permanentLifetime: number;
}

/** One request being handled. */
export class RequestContext {
  /** The request, with `session` and `cookies` from `withSession`. */
  readonly req: SessionRequest<DemoData>;
  /** The response; the session is saved before its headers go out. */
  readonly res: ServerResponse;
  /** The request URL (path and query). */
  readonly url: URL;
  /** Users, session backend and settings. */
  readonly app: AppServices;
  /** The submitted form of a POST (already checked for its CSRF token); empty for a GET. */
  readonly form: URLSearchParams;

  constructor(req: SessionRequest<DemoData>, res: ServerResponse, url: URL, app: AppServices, form: URLSearchParams) {
    this.req = req;
    this.res = res;
    this.url = url;
    this.app = app;
    this.form = form;
  }

  /** The request's session. */
  get session(): DemoSession {
    return this.req.session;
  }

  /** The request's cookies (plain cookies set here go out with the response). */
  get cookies(): CookieJar {
    return this.req.cookies;
  }

  /** The logged-in user. */
  get user(): string | undefined {
    return currentUser(this.session);
  }

  /** The hidden CSRF field for a form on the page. */
  csrfField(): SafeHtml {
    return csrfField(this.session);
  }

  /** A form field as text (`''` when absent). */
  field(name: string): string {
    return this.form.get(name) ?? '';
  }

  /** Sends `page` inside the frame; shows (and so consumes) the pending flash messages. */
  render(page: Page, status = 200): void {
    const user = this.user;
    const frame = {
      path: this.url.pathname,
      user,
      cartCount: cartCount(this.session),
      flashes: this.session.consumeFlashes(),
      csrfField: user === undefined ? undefined : this.csrfField(),
      sessionType: this.app.backend.type,
    };
    sendHtml(this.res, status, layout(page, frame));
  }

  /** Flashes `message` for the next page. */
  flash(message: string, category: 'success' | 'error' | 'info' = 'info'): void {
    this.session.flash(message, category);
  }

  /** Redirects (303) to a local path. */
  redirect(location: string): void {
    redirect(this.res, location);
  }
}
