/**
 * Log-in, registration, profile and log-out pages.
 */
import { html, type SafeHtml } from '../html.js';
import { MAX_USERNAME_LENGTH, MIN_PASSWORD_LENGTH, SEED_USER } from '../users.js';
import type { Page } from './layout.js';
import { describeSeconds } from './session-pages.js';

/** What the log-in page shows. */
export interface LoginView {
  csrfField: SafeHtml;
  /** Already logged in as. */
  user: string | undefined;
  /** Prefilled username. */
  username: string;
  error: string | undefined;
  /** Where to go after logging in. */
  next: string | undefined;
  lifetimeSeconds: number;
}

function errorBox(error: string | undefined): SafeHtml {
  return error === undefined ? html`` : html`<p class="flash flash-error" role="alert" data-testid="form-error">${error}</p>`;
}

/** The log-in form. */
export function loginPage(view: LoginView): Page {
  if (view.user !== undefined) {
    return {
      title: 'Log in',
      body: html`<p>You are already logged in as <strong>${view.user}</strong>. <a href="/profile">Your profile</a>.</p>`,
    };
  }
  const action = view.next === undefined ? '/login' : `/login?next=${encodeURIComponent(view.next)}`;
  return {
    title: 'Log in',
    body: html`${errorBox(view.error)}
<form method="post" action="${action}" class="card">
  ${view.csrfField}
  <label for="username">Username</label>
  <input id="username" name="username" value="${view.username}" maxlength="${MAX_USERNAME_LENGTH}" required autocomplete="username">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required autocomplete="current-password">
  <label class="check"><input type="checkbox" name="remember" value="1"> Remember me for ${describeSeconds(view.lifetimeSeconds)} (a permanent session)</label>
  <button type="submit">Log in</button>
</form>
<p class="hint">Try <code>${SEED_USER.username}</code> / <code>${SEED_USER.password}</code>, or <a href="/register">create an account</a>.</p>
<p class="muted">Logging in calls <code>session.regenerate()</code>: the session keeps its data (your cart) under a new id,
so an id planted before log-in is worthless after it.</p>`,
  };
}

/** What the registration page shows. */
export interface RegisterView {
  csrfField: SafeHtml;
  username: string;
  error: string | undefined;
}

/** The registration form. */
export function registerPage(view: RegisterView): Page {
  return {
    title: 'Create an account',
    body: html`${errorBox(view.error)}
<form method="post" action="/register" class="card">
  ${view.csrfField}
  <label for="username">Username <small class="muted">any characters, up to ${MAX_USERNAME_LENGTH}</small></label>
  <input id="username" name="username" value="${view.username}" maxlength="${MAX_USERNAME_LENGTH}" required autocomplete="username">
  <label for="password">Password <small class="muted">at least ${MIN_PASSWORD_LENGTH} characters</small></label>
  <input id="password" name="password" type="password" minlength="${MIN_PASSWORD_LENGTH}" required autocomplete="new-password">
  <button type="submit">Create account</button>
</form>
<p class="muted">Passwords are stored as scrypt hashes with a random salt, in <code>users.json</code> in the data folder.</p>`,
  };
}

/** What the profile page shows. */
export interface ProfileView {
  user: string;
  memberSince: string | undefined;
  cartCount: number;
  permanent: boolean;
}

/** The logged-in user's page. */
export function profilePage(view: ProfileView): Page {
  return {
    title: 'Your profile',
    body: html`<dl class="facts">
  <dt>Username</dt><dd data-testid="profile-user">${view.user}</dd>
  <dt>Member since</dt><dd>${view.memberSince ?? '—'}</dd>
  <dt>Cart</dt><dd><a href="/cart">${view.cartCount} item${view.cartCount === 1 ? '' : 's'}</a></dd>
  <dt>Session</dt><dd>${view.permanent ? 'remembered (permanent cookie)' : 'ends when you close the browser'}</dd>
</dl>`,
  };
}

/** The log-out confirmation, for people who type /logout. */
export function logoutPage(csrfField: SafeHtml, user: string | undefined): Page {
  return {
    title: 'Log out',
    body:
      user === undefined
        ? html`<p>You are not logged in.</p>`
        : html`<p>Logging out destroys the whole session (cart included) on the server and deletes its cookie.</p>
<form method="post" action="/logout" class="card">${csrfField}<button type="submit" class="danger">Log out</button></form>`,
  };
}
