/**
 * Seeded random request sequences for comparing sessionkit with a real Flask app step by step:
 * what each request does to the session (the same actions on both sides), what the browser does
 * between requests, and what a response's `Set-Cookie` amounts to.
 */
import type { Session } from '../../../src/session.js';
import type { FlaskAction } from './flask.js';
import { setCookieAttributes, setCookieValue } from './flask.js';

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same sequences everywhere. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['a', 'b', 'cart'] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function randomValue(random: () => number): unknown {
  return pick(random, [
    () => Math.floor(random() * 1000) - 100,
    () => pick(random, ['x', 'héllo', '', 'a longer value']),
    () => [1, 2, Math.floor(random() * 10)],
    () => ({ n: Math.floor(random() * 5), s: 'v' }),
    () => 1.5,
    () => random() < 0.5,
    () => null,
  ])();
}

/** What one request's handler does, with weights that make permanence changes frequent. */
export function randomActions(random: () => number): FlaskAction[] {
  const count = 1 + Math.floor(random() * 3);
  const actions: FlaskAction[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    const key = pick(random, KEYS);
    if (roll < 0.2) actions.push(['set', key, randomValue(random)]);
    else if (roll < 0.3) actions.push(['append', 'cart', Math.floor(random() * 100)]);
    else if (roll < 0.4) actions.push(['pop', key]);
    else if (roll < 0.52) actions.push(['permanent', true]);
    else if (roll < 0.64) actions.push(['permanent', false]);
    else if (roll < 0.7) actions.push(['clear']);
    else if (roll < 0.78) actions.push(['read', key]);
    else if (roll < 0.82) actions.push(['read_permanent']);
    else if (roll < 0.86) actions.push(['setdefault', key, randomValue(random)]);
    else if (roll < 0.89) actions.push(['update', { [key]: randomValue(random) }]);
    else if (roll < 0.92) actions.push(['flash', pick(random, ['saved', 'hi'])]);
    else if (roll < 0.95) actions.push(['consume']);
    else actions.push(['noop']);
  }
  return actions;
}

/** What the browser does before a request: usually nothing; sometimes it loses or garbles the cookie. */
export type BrowserEvent = 'keep' | 'drop' | 'garble';

/** A browser event, mostly `keep`. */
export function randomBrowserEvent(random: () => number): BrowserEvent {
  const roll = random();
  return roll < 0.05 ? 'drop' : roll < 0.08 ? 'garble' : 'keep';
}

/** Runs the actions on a sessionkit session, as the Python script's `ACTIONS` runs them on Flask's. */
export function applyActions(session: Session, actions: readonly FlaskAction[]): void {
  for (const action of actions) {
    switch (action[0]) {
      case 'set':
        session.set(action[1], action[2]);
        break;
      case 'setdefault':
        session.setDefault(action[1], action[2] as NonNullable<unknown>);
        break;
      case 'update':
        session.update(action[1]);
        break;
      case 'append': {
        // In place, without marking the session modified: sessionkit finds the change itself.
        const current = session.get(action[1]);
        if (Array.isArray(current)) current.push(action[2]);
        else session.set(action[1], [action[2]]);
        break;
      }
      case 'pop':
        session.pop(action[1]);
        break;
      case 'permanent':
        session.permanent = action[1];
        break;
      case 'read':
        session.get(action[1]);
        break;
      case 'read_permanent':
        void session.permanent;
        break;
      case 'clear':
        session.clear();
        break;
      case 'flash':
        session.flash(action[1]);
        break;
      case 'consume':
        session.consumeFlashes();
        break;
      case 'noop':
        break;
    }
  }
}

/** What a response did with the session cookie, in terms both sides can be compared on. */
export interface CookieOutcome {
  kind: 'none' | 'set' | 'delete';
  /** The cookie value, when set. */
  value?: string;
  /** `Expires` in epoch ms (`null`: a browser-session cookie). */
  expires?: number | null;
  /** The other attributes, lower-cased and sorted (`httponly`, `path=/`, …). */
  attributes?: string[];
}

/** Reads the session cookie out of a response's `Set-Cookie` headers. */
export function cookieOutcome(headers: readonly string[], name = 'session'): CookieOutcome {
  const mine = headers.filter((header) => setCookieValue(header, name) !== undefined);
  if (mine.length === 0) return { kind: 'none' };
  if (mine.length > 1) throw new Error(`more than one Set-Cookie for ${name}: ${mine.join(' | ')}`);
  const header = mine[0]!;
  const attributes = setCookieAttributes(header);
  const expires = attributes.get('expires');
  const expiresMs = typeof expires === 'string' ? Date.parse(expires) : null;
  const others = [...attributes.entries()]
    .filter(([key]) => key !== 'expires' && key !== 'max-age')
    .map(([key, value]) => (value === true ? key : `${key}=${value}`))
    .sort();
  const isDeletion = attributes.get('max-age') === '0' || expiresMs === 0;
  if (isDeletion) return { kind: 'delete', expires: expiresMs, attributes: others };
  return { kind: 'set', value: setCookieValue(header, name)!, expires: expiresMs, attributes: others };
}

/** Whether a `Vary` header names `Cookie`. */
export function variesOnCookie(vary: string | null | undefined): boolean {
  return (vary ?? '').split(',').some((part) => part.trim().toLowerCase() === 'cookie');
}

/** Slack allowed between the `Expires` of two cookies made in the same step by two processes. */
export const EXPIRES_SLACK_MS = 2000;
