/**
 * `/set_session`, `/get_session`, `/del_session`: values, a nested dict and the permanent flag.
 */
import { profileInfo, storedUsername } from '../session-data.js';
import { normalizeUsername, usernameProblem } from '../users.js';
import { delSessionPage, getSessionPage, setSessionPage } from '../views/session-pages.js';
import type { Route } from './route.js';

/** Longest email address accepted (RFC 5321's path limit). */
const MAX_EMAIL_LENGTH = 254;

/** The session pages and their forms. */
export const sessionRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/set_session',
    handle(ctx) {
      const defaults = {
        username: storedUsername(ctx.session) ?? ctx.user ?? 'hatter',
        email: profileInfo(ctx.session)?.email ?? 'hatter@example.org',
      };
      ctx.render(setSessionPage(ctx.csrfField(), defaults, ctx.app.permanentLifetime));
    },
  },
  {
    method: 'POST',
    path: '/set_session',
    handle(ctx) {
      const username = normalizeUsername(ctx.field('username'));
      const email = ctx.field('email').trim();
      const problem = usernameProblem(username) ?? (email.length > MAX_EMAIL_LENGTH || !/^[^\s@]+@[^\s@]+$/.test(email) ? 'Type an email address like name@example.org.' : undefined);
      if (problem) {
        ctx.flash(problem, 'error');
        ctx.redirect('/set_session');
        return;
      }
      ctx.session.set('username', username);
      ctx.session.set('info', { email, visits: 0 });
      ctx.session.permanent = true;
      ctx.flash('Saved in the session; the session is now permanent.', 'success');
      ctx.redirect('/get_session');
    },
  },
  {
    method: 'GET',
    path: '/get_session',
    handle(ctx) {
      const info = profileInfo(ctx.session);
      // Changed in place: sessionkit compares it with what was loaded and saves the change.
      if (info) info.visits += 1;
      ctx.render(
        getSessionPage({
          username: storedUsername(ctx.session),
          info,
          permanent: ctx.session.permanent,
          lifetimeSeconds: ctx.app.permanentLifetime,
        }),
      );
    },
  },
  {
    method: 'GET',
    path: '/del_session',
    handle(ctx) {
      ctx.render(delSessionPage(ctx.csrfField(), ctx.session.has('username') || ctx.session.has('info')));
    },
  },
  {
    method: 'POST',
    path: '/del_session',
    handle(ctx) {
      ctx.session.pop('username');
      ctx.session.pop('info');
      ctx.session.permanent = false;
      ctx.flash('Session values deleted; the session is no longer permanent.', 'success');
      ctx.redirect('/get_session');
    },
  },
];
