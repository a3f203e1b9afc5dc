/**
 * The session inspector: the current session's data, identity, cookie attributes and expiry.
 */
import { html, type SafeHtml } from '../html.js';
import type { Page } from './layout.js';

/** When the browser drops the session cookie. */
export type CookieExpiry =
  /** No session cookie was sent to the browser yet. */
  | { kind: 'none' }
  /** A cookie without expiry. */
  | { kind: 'browser-session' }
  /** A permanent session's cookie. */
  | { kind: 'date'; at: Date };

/** What the inspector shows. */
export interface InspectView {
  sessionType: string;
  location: string;
  /** Server-side session id, when there is one. */
  id: string | undefined;
  serverSide: boolean;
  isNew: boolean;
  permanent: boolean;
  /** The data as pretty JSON. */
  dataJson: string;
  keyCount: number;
  cookie: { name: string; httpOnly: boolean; sameSite: string; secure: string; path: string; domain: string };
  expiry: CookieExpiry;
  /** The store's record of a server-side session. */
  record: { key: string; expiresAt: Date; bytes: number } | undefined;
  /** The cookie value of a cookie session (the data itself, signed). */
  cookieValue: string | undefined;
  now: Date;
}

/** "in 9 min 58 s" for a date after `now`. */
export function timeUntil(at: Date, now: Date): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return 'now';
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes >= 120) return `in ${Math.round(minutes / 60)} hours`;
  return minutes === 0 ? `in ${rest} s` : `in ${minutes} min ${rest} s`;
}

function yesNo(value: boolean): string {
  return value ? 'yes' : 'no';
}

function expiryText(view: InspectView): SafeHtml {
  switch (view.expiry.kind) {
    case 'none':
      return html`no session cookie yet (nothing stored)`;
    case 'browser-session':
      return html`browser session — no <code>Expires</code>: the cookie ends when the browser closes`;
    case 'date':
      return html`<time datetime="${view.expiry.at.toISOString()}">${view.expiry.at.toUTCString()}</time> (${timeUntil(view.expiry.at, view.now)}, renewed as you use the session)`;
  }
}

function identity(view: InspectView): SafeHtml {
  if (view.serverSide) {
    return html`<dt>Session id</dt><dd><code data-testid="inspect-id">${view.id ?? 'none yet (assigned when something is stored)'}</code></dd>`;
  }
  return html`<dt>Session id</dt><dd data-testid="inspect-id">none — a cookie session has no id: the data travels in the signed cookie</dd>`;
}

function storage(view: InspectView): SafeHtml {
  if (view.record) {
    return html`<dt>Store record</dt><dd><code data-testid="inspect-record-key">${view.record.key}</code>, ${view.record.bytes} bytes, expires ${view.record.expiresAt.toUTCString()} (${timeUntil(view.record.expiresAt, view.now)})</dd>`;
  }
  if (view.cookieValue !== undefined) {
    return html`<dt>Cookie value</dt><dd><details><summary>${view.cookieValue.length} characters: data, timestamp and signature (signed, not encrypted)</summary><code class="wrap" data-testid="inspect-cookie-value">${view.cookieValue}</code></details></dd>`;
  }
  return html``;
}

/** The inspector page. */
export function inspectPage(view: InspectView): Page {
  const c = view.cookie;
  return {
    title: 'Session inspector',
    body: html`<p>What the server holds for the session of this request.</p>
<section class="panel">
<h2>Session</h2>
<dl class="facts">
  <dt>Session type</dt><dd><code data-testid="inspect-type">${view.sessionType}</code> — ${view.location}</dd>
  ${identity(view)}
  <dt>New</dt><dd data-testid="inspect-new">${yesNo(view.isNew)}${view.isNew ? ' (this request brought no valid session)' : ''}</dd>
  <dt>Permanent</dt><dd data-testid="inspect-permanent">${yesNo(view.permanent)}</dd>
  ${storage(view)}
</dl>
</section>
<section class="panel">
<h2>Cookie</h2>
<dl class="facts">
  <dt>Name</dt><dd><code data-testid="inspect-cookie-name">${c.name}</code></dd>
  <dt>HttpOnly</dt><dd data-testid="inspect-httponly">${c.httpOnly ? 'yes — page scripts cannot read it' : 'no'}</dd>
  <dt>SameSite</dt><dd data-testid="inspect-samesite">${c.sameSite}</dd>
  <dt>Secure</dt><dd data-testid="inspect-secure">${c.secure}</dd>
  <dt>Path</dt><dd><code>${c.path}</code></dd>
  <dt>Domain</dt><dd>${c.domain}</dd>
  <dt>Expires</dt><dd data-testid="inspect-expires">${expiryText(view)}</dd>
</dl>
</section>
<section class="panel">
<h2>Data <small class="muted">${view.keyCount} key${view.keyCount === 1 ? '' : 's'}</small></h2>
<pre class="code" data-testid="inspect-data">${view.dataJson}</pre>
<p class="muted">Keys starting with <code>_</code> are Flask's own: <code>_permanent</code> and <code>_flashes</code>.</p>
</section>`,
  };
}
