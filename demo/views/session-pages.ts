/**
 * The session pages: set, get and delete a value, a nested dict and the permanent flag.
 */
import { html, type SafeHtml } from '../html.js';
import type { ProfileInfo } from '../session-data.js';
import { tabs, type Page } from './layout.js';

const STEPS = [
  { href: '/set_session', label: 'Set' },
  { href: '/get_session', label: 'Get' },
  { href: '/del_session', label: 'Delete' },
];

/** Formats a number of seconds as minutes when round, e.g. "10 minutes". */
export function describeSeconds(seconds: number): string {
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? '' : 's'}`;
  return `${seconds} seconds`;
}

/** The set-session form. */
export function setSessionPage(csrfField: SafeHtml, defaults: { username: string; email: string }, lifetimeSeconds: number): Page {
  return {
    title: 'Set session values',
    body: html`${tabs('/set_session', STEPS)}
<p>Submitting stores a string and a nested dict in the session and makes it permanent:</p>
<pre class="code">session.set('username', username);
session.set('info', { email, visits: 0 });
session.permanent = true; // cookie expires in ${describeSeconds(lifetimeSeconds)}</pre>
<form method="post" action="/set_session" class="card">
  ${csrfField}
  <label for="username">Username</label>
  <input id="username" name="username" value="${defaults.username}" maxlength="64" required autocomplete="off">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" value="${defaults.email}" maxlength="254" required autocomplete="off">
  <button type="submit">Save in session</button>
</form>
<p class="muted">Without <code>permanent</code> the session cookie has no expiry and ends with the browser.
This is plain data; logging in is on the <a href="/login">log-in page</a>.</p>`,
  };
}

/** What the get-session page shows. */
export interface SessionView {
  username: string | undefined;
  info: ProfileInfo | undefined;
  permanent: boolean;
  lifetimeSeconds: number;
}

/** The stored values; each view counts one visit in the nested dict. */
export function getSessionPage(view: SessionView): Page {
  const body =
    view.username === undefined && view.info === undefined
      ? html`<p data-testid="session-empty">Nothing stored yet. <a href="/set_session">Set some values</a>.</p>`
      : html`<dl class="facts">
  <dt>username</dt><dd data-testid="session-username">${view.username ?? '—'}</dd>
  <dt>info.email</dt><dd data-testid="session-email">${view.info?.email ?? '—'}</dd>
  <dt>info.visits</dt><dd data-testid="session-visits">${view.info?.visits ?? '—'}</dd>
  <dt>permanent</dt><dd data-testid="session-permanent">${view.permanent ? `yes — the cookie expires ${describeSeconds(view.lifetimeSeconds)} after the last request` : 'no — a browser-session cookie'}</dd>
</dl>
<p class="muted">Each view adds one to <code>info.visits</code> by changing the dict in place
(<code>session.get('info').visits += 1</code>); sessionkit notices and saves it, where Flask would need
<code>session.modified = True</code>.</p>`;
  return { title: 'Get session values', body: html`${tabs('/get_session', STEPS)}${body}` };
}

/** The delete-session form. */
export function delSessionPage(csrfField: SafeHtml, hasValues: boolean): Page {
  return {
    title: 'Delete session values',
    body: html`${tabs('/del_session', STEPS)}
<p>Removes <code>username</code> and <code>info</code> (<code>session.pop()</code>) and makes the session
non-permanent again. The cart and the log-in are kept; <a href="/logout">logging out</a> ends the whole session.</p>
${hasValues ? '' : html`<p class="muted">Nothing to delete right now.</p>`}
<form method="post" action="/del_session" class="card">
  ${csrfField}
  <button type="submit" class="danger">Delete session values</button>
</form>`,
  };
}
