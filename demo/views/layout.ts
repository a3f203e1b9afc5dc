/**
 * The page frame every page shares: head, navigation bar, flash messages and footer.
 */
import type { FlashMessage } from '../../src/session.js';
import { html, type HtmlValue, type SafeHtml } from '../html.js';

/** What the frame shows besides the page itself. */
export interface Frame {
  /** Path of the current page, to mark its nav link. */
  path: string;
  /** The logged-in user. */
  user: string | undefined;
  /** Units in the cart, shown in the nav. */
  cartCount: number;
  /** Flash messages to show once. */
  flashes: readonly FlashMessage[];
  /** The hidden CSRF field of the log-out form (only when logged in). */
  csrfField: SafeHtml | undefined;
  /** The `SESSION_TYPE` in use. */
  sessionType: string;
}

/** A page: its title and main content. */
export interface Page {
  title: string;
  body: SafeHtml;
}

/** Flash categories with a style of their own; others show as `info`. */
const FLASH_CATEGORIES = new Set(['success', 'error', 'info']);

/** Which nav entry each path belongs to. */
const SECTIONS: ReadonlyArray<{ href: string; label: string; paths: readonly string[] }> = [
  { href: '/', label: 'Home', paths: ['/'] },
  { href: '/get_cookie', label: 'Cookies', paths: ['/set_cookie', '/get_cookie', '/del_cookie'] },
  { href: '/get_session', label: 'Session', paths: ['/set_session', '/get_session', '/del_session'] },
  { href: '/cart', label: 'Cart', paths: ['/cart'] },
  { href: '/inspect', label: 'Inspector', paths: ['/inspect'] },
];

function navLink(href: string, label: HtmlValue, current: boolean): SafeHtml {
  return html`<a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a>`;
}

function accountLinks(frame: Frame): SafeHtml {
  if (frame.user !== undefined) {
    return html`
      ${navLink('/profile', html`<span class="who">${frame.user}</span>`, frame.path === '/profile')}
      <form method="post" action="/logout" class="inline">${frame.csrfField}<button type="submit" class="link">Log out</button></form>`;
  }
  return html`${navLink('/login', 'Log in', frame.path === '/login')}${navLink('/register', 'Register', frame.path === '/register')}`;
}

function flashList(flashes: readonly FlashMessage[]): SafeHtml {
  if (flashes.length === 0) return html``;
  const items = flashes.map(({ category, message }) => {
    const style = FLASH_CATEGORIES.has(category) ? category : 'info';
    return html`<li class="flash flash-${style}" role="status">${String(message)}</li>`;
  });
  return html`<ul class="flashes">${items}</ul>`;
}

/** The whole document for a page. */
export function layout(page: Page, frame: Frame): SafeHtml {
  const sections = SECTIONS.map(({ href, label, paths }) => {
    const text = label === 'Cart' ? html`Cart <span class="badge" data-testid="cart-count">${frame.cartCount}</span>` : label;
    return navLink(href, text, paths.includes(frame.path));
  });
  return html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · sessionkit demo</title>
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<header class="site">
  <a class="brand" href="/">sessionkit<span> demo</span></a>
  <nav aria-label="Main">${sections}</nav>
  <nav aria-label="Account" class="account">${accountLinks(frame)}</nav>
</header>
<main>
${flashList(frame.flashes)}
<h1>${page.title}</h1>
${page.body}
</main>
<footer>Sessions: <code data-testid="session-type">${frame.sessionType}</code> · <a href="/inspect">inspect this session</a></footer>
</body>
</html>
`;
}

/** The set / get / delete tabs of the cookie and session pages. */
export function tabs(current: string, entries: ReadonlyArray<{ href: string; label: string }>): SafeHtml {
  const links = entries.map(({ href, label }) => navLink(href, label, href === current));
  return html`<nav class="tabs" aria-label="Steps">${links}</nav>`;
}
