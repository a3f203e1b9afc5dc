/**
 * The plain-cookie pages: set, get and delete.
 */
import { html, type SafeHtml } from '../html.js';
import { tabs, type Page } from './layout.js';

/** Names and lifetime of the demo's plain cookies. */
export const COOKIE_NAMES = { favorite: 'favorite_color', shortLived: 'short_lived' } as const;
/** Max-Age of the short-lived cookie, in seconds. */
export const SHORT_LIVED_SECONDS = 30;

const STEPS = [
  { href: '/set_cookie', label: 'Set' },
  { href: '/get_cookie', label: 'Get' },
  { href: '/del_cookie', label: 'Delete' },
];

/** The set-cookie form. */
export function setCookiePage(csrfField: SafeHtml, color: string): Page {
  return {
    title: 'Set a cookie',
    body: html`${tabs('/set_cookie', STEPS)}
<p>Submitting sets two plain cookies (not the session) with <code>req.cookies.set()</code>:</p>
<ul>
  <li><code>${COOKIE_NAMES.favorite}</code> — no expiry: a <em>browser-session</em> cookie, gone when the browser closes.</li>
  <li><code>${COOKIE_NAMES.shortLived}</code> — <code>Max-Age=${SHORT_LIVED_SECONDS}</code>: the browser drops it after ${SHORT_LIVED_SECONDS} seconds.</li>
</ul>
<form method="post" action="/set_cookie" class="card">
  ${csrfField}
  <label for="color">Favorite color</label>
  <input id="color" name="color" value="${color}" maxlength="40" required autocomplete="off">
  <button type="submit">Set cookies</button>
</form>`,
  };
}

/** What the get-cookie page found in the request. */
export interface CookieView {
  favorite: string | undefined;
  shortLived: string | undefined;
  /** Names of every cookie the browser sent. */
  names: readonly string[];
}

function value(name: string, found: string | undefined, note: string): SafeHtml {
  const shown = found === undefined ? html`<span class="muted">not set</span>` : html`<code>${found}</code>`;
  return html`<dt>${name}</dt><dd data-testid="cookie-${name}">${shown} <small class="muted">${note}</small></dd>`;
}

/** What the browser sent. */
export function getCookiePage(view: CookieView): Page {
  const names = view.names.length === 0 ? html`none` : view.names.map((name, i) => html`${i > 0 && ', '}<code>${name}</code>`);
  return {
    title: 'Get the cookies',
    body: html`${tabs('/get_cookie', STEPS)}
<p>The values the browser sent with this request (<code>req.cookies.get()</code>):</p>
<dl class="facts">
  ${value(COOKIE_NAMES.favorite, view.favorite, 'browser-session cookie')}
  ${value(COOKIE_NAMES.shortLived, view.shortLived, `Max-Age=${SHORT_LIVED_SECONDS}: reload after ${SHORT_LIVED_SECONDS} s and it is gone`)}
</dl>
<p class="muted">All cookies sent: ${names}. The <code>session</code> cookie is HttpOnly: page scripts cannot read it.</p>
<p><a href="/set_cookie">Set them</a> · <a href="/del_cookie">Delete them</a></p>`,
  };
}

/** The delete-cookie form. */
export function delCookiePage(csrfField: SafeHtml, present: readonly string[]): Page {
  const state = present.length === 0 ? html`<p class="muted">Neither cookie is set right now.</p>` : html`<p>Set right now: ${present.join(', ')}.</p>`;
  return {
    title: 'Delete the cookies',
    body: html`${tabs('/del_cookie', STEPS)}
<p>Deleting sends each cookie again, empty, with an expiry in 1970 (<code>req.cookies.delete()</code>).</p>
${state}
<form method="post" action="/del_cookie" class="card">
  ${csrfField}
  <button type="submit" class="danger">Delete cookies</button>
</form>`,
  };
}
