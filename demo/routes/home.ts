/**
 * The home page.
 */
import { homePage } from '../views/home.js';
import type { Route } from './route.js';

/** `/`: who I am and where to go. */
export const homeRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/',
    handle(ctx) {
      if (ctx.url.searchParams.has('logged_out')) ctx.flash('You have been logged out.', 'success');
      const { backend } = ctx.app;
      ctx.render(homePage({ user: ctx.user, sessionType: backend.type, location: backend.location }));
    },
  },
];
