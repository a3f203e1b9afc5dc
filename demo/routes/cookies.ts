/**
 * `/set_cookie`, `/get_cookie`, `/del_cookie`: plain cookies next to the session.
 */
import { COOKIE_NAMES, SHORT_LIVED_SECONDS, delCookiePage, getCookiePage, setCookiePage } from '../views/cookies.js';
import type { Route } from './route.js';

/** Longest favorite color kept, in characters. */
const MAX_COLOR_LENGTH = 40;

/** The cookie pages and their forms. */
export const cookieRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/set_cookie',
    handle(ctx) {
      ctx.render(setCookiePage(ctx.csrfField(), ctx.cookies.get(COOKIE_NAMES.favorite) ?? 'teal'));
    },
  },
  {
    method: 'POST',
    path: '/set_cookie',
    handle(ctx) {
      const color = [...ctx.field('color').trim()].slice(0, MAX_COLOR_LENGTH).join('');
      if (color === '') {
        ctx.flash('Type a color first.', 'error');
        ctx.redirect('/set_cookie');
        return;
      }
      ctx.cookies.set(COOKIE_NAMES.favorite, color);
      ctx.cookies.set(COOKIE_NAMES.shortLived, new Date().toISOString(), { maxAge: SHORT_LIVED_SECONDS });
      ctx.flash(`Cookies set: ${COOKIE_NAMES.favorite} and ${COOKIE_NAMES.shortLived} (${SHORT_LIVED_SECONDS} s).`, 'success');
      ctx.redirect('/get_cookie');
    },
  },
  {
    method: 'GET',
    path: '/get_cookie',
    handle(ctx) {
      ctx.render(
        getCookiePage({
          favorite: ctx.cookies.get(COOKIE_NAMES.favorite),
          shortLived: ctx.cookies.get(COOKIE_NAMES.shortLived),
          names: Object.keys(ctx.cookies.all()).sort(),
        }),
      );
    },
  },
  {
    method: 'GET',
    path: '/del_cookie',
    handle(ctx) {
      const present = Object.values(COOKIE_NAMES).filter((name) => ctx.cookies.get(name) !== undefined);
      ctx.render(delCookiePage(ctx.csrfField(), present));
    },
  },
  {
    method: 'POST',
    path: '/del_cookie',
    handle(ctx) {
      for (const name of Object.values(COOKIE_NAMES)) ctx.cookies.delete(name);
      ctx.flash('Cookies deleted.', 'success');
      ctx.redirect('/get_cookie');
    },
  },
];
