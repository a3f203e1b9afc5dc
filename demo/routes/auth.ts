/**
 * `/login`, `/register`, `/profile`, `/logout`.
 */
import { cartCount } from '../cart.js';
import { safeLocalPath } from '../http.js';
import { MAX_USERNAME_LENGTH } from '../users.js';
import { loginPage, logoutPage, profilePage, registerPage } from '../views/auth.js';
import type { RequestContext } from '../context.js';
import type { Route } from './route.js';

function nextPath(ctx: RequestContext): string | undefined {
  return safeLocalPath(ctx.url.searchParams.get('next'));
}

/** The username field as typed, cut to a length the forms accept, for refilling a form. */
function typedUsername(ctx: RequestContext): string {
  return [...ctx.field('username')].slice(0, MAX_USERNAME_LENGTH * 2).join('');
}

function renderLogin(ctx: RequestContext, username: string, error?: string, status = 200): void {
  const view = { csrfField: ctx.csrfField(), user: ctx.user, username, error, next: nextPath(ctx), lifetimeSeconds: ctx.app.permanentLifetime };
  ctx.render(loginPage(view), status);
}

/** Log-in, registration, profile and log-out. */
export const authRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/login',
    handle(ctx) {
      renderLogin(ctx, '');
    },
  },
  {
    method: 'POST',
    path: '/login',
    async handle(ctx) {
      const user = await ctx.app.users.authenticate(ctx.field('username'), ctx.field('password'));
      if (!user) {
        renderLogin(ctx, typedUsername(ctx), 'Wrong username or password.', 401);
        return;
      }
      // A new id for the new privilege level; the data (the cart) is kept.
      ctx.session.regenerate();
      ctx.session.set('user', user.username);
      if (ctx.field('remember') === '1') ctx.session.permanent = true;
      ctx.flash(`Welcome, ${user.username}!`, 'success');
      ctx.redirect(nextPath(ctx) ?? '/profile');
    },
  },
  {
    method: 'GET',
    path: '/register',
    handle(ctx) {
      ctx.render(registerPage({ csrfField: ctx.csrfField(), username: '', error: undefined }));
    },
  },
  {
    method: 'POST',
    path: '/register',
    async handle(ctx) {
      const result = await ctx.app.users.register(ctx.field('username'), ctx.field('password'));
      if (!result.ok) {
        ctx.render(registerPage({ csrfField: ctx.csrfField(), username: typedUsername(ctx), error: result.error }), 400);
        return;
      }
      ctx.flash(`Account ${result.user.username} created. Log in below.`, 'success');
      ctx.redirect('/login');
    },
  },
  {
    method: 'GET',
    path: '/profile',
    handle(ctx) {
      const user = ctx.user;
      if (user === undefined) {
        ctx.flash('Please log in to see your profile.', 'error');
        ctx.redirect('/login?next=/profile');
        return;
      }
      const record = ctx.app.users.find(user);
      ctx.render(
        profilePage({
          user,
          memberSince: record?.createdAt.slice(0, 10),
          cartCount: cartCount(ctx.session),
          permanent: ctx.session.permanent,
        }),
      );
    },
  },
  {
    method: 'GET',
    path: '/logout',
    handle(ctx) {
      ctx.render(logoutPage(ctx.csrfField(), ctx.user));
    },
  },
  {
    method: 'POST',
    path: '/logout',
    handle(ctx) {
      // The record is removed from the store and the cookie deleted; nothing of the session is left.
      ctx.session.destroy();
      ctx.redirect('/?logged_out=1');
    },
  },
];
