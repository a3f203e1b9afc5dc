/**
 * The home page: who I am, and a tour of the demo's pages.
 */
import { html, type SafeHtml } from '../html.js';
import type { Page } from './layout.js';

/** What the home page shows. */
export interface HomeModel {
  user: string | undefined;
  sessionType: string;
  location: string;
}

/** The pages of the tour, in the order the Flask tutorials present them. */
const TOUR: ReadonlyArray<{ href: string; title: string; text: string }> = [
  { href: '/set_cookie', title: 'Cookies', text: 'Set, read and delete a plain cookie, and one that expires after 30 seconds.' },
  { href: '/set_session', title: 'Session', text: 'Store a name and a nested dict in the session and make it permanent (10 minutes).' },
  { href: '/login', title: 'Log in', text: 'Log in (the session gets a new id), see your profile, log out (the session is destroyed).' },
  { href: '/cart', title: 'Cart', text: 'Fill a cart without logging in; it survives logging in. Flash messages confirm each step.' },
  { href: '/inspect', title: 'Inspector', text: 'See what the server holds for this session and how its cookie is set.' },
];

/** The home page. */
export function homePage(model: HomeModel): Page {
  const who: SafeHtml =
    model.user === undefined
      ? html`<p class="lead" data-testid="whoami">You are not logged in. <a href="/login">Log in</a> or <a href="/register">create an account</a>.</p>`
      : html`<p class="lead" data-testid="whoami">You are logged in as <strong>${model.user}</strong>.</p>`;
  const tour = TOUR.map(({ href, title, text }) => html`<li><a href="${href}">${title}</a> — ${text}</li>`);
  return {
    title: 'Sessions, step by step',
    body: html`${who}
<p>This app shows what the classic Flask session tutorials show, served by sessionkit on plain
<code>node:http</code>. Sessions are kept in ${model.location} (<code>SESSION_TYPE=${model.sessionType}</code>).</p>
<ol class="tour">${tour}</ol>`,
  };
}
