/**
 * Option checking of the interfaces and adapters: secrets checked in one place, validators named
 * by unit, unknown options refused — each message naming the option as the caller spelled it.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import { session as expressSession } from '../../src/adapters/express.js';
import { openSession } from '../../src/adapters/fetch.js';
import { sessionPlugin } from '../../src/adapters/fastify.js';
import { session as honoSession } from '../../src/adapters/hono.js';
import { session as koaSession } from '../../src/adapters/koa.js';
import { withSession } from '../../src/adapters/node.js';
import { ConfigError, CookieSessionInterface, ServerSessionInterface, Signer } from '../../src/index.js';
import { resolveSecrets } from '../../src/secrets.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

/** The ConfigError `fn` throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveSecrets', () => {
  it('returns the fallbacks, then the signing secret, and the name it was given under', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(resolveSecrets({ secret: 'new', secretFallbacks: ['old', bytes] }, 'to sign')).toEqual({ option: 'secret', secrets: ['old', bytes, 'new'] });
    expect(resolveSecrets({ SECRET_KEY: 'k', SECRET_KEY_FALLBACKS: null }, 'to sign')).toEqual({ option: 'SECRET_KEY', secrets: ['k'] });
  });

  it.each([
    [{}, 'secret', 'a non-empty secret key is required to sign; set secret (or SECRET_KEY) to a long random string'],
    [{ secret: '' }, 'secret', 'a non-empty secret key is required to sign'],
    [{ SECRET_KEY: null }, 'SECRET_KEY', 'a non-empty secret key is required to sign'],
    [{ secret: 123 }, 'secret', 'expected a non-empty string or Uint8Array, got a number'],
    [{ SECRET_KEY: new Uint8Array(0) }, 'SECRET_KEY', 'expected a non-empty string or Uint8Array, got empty bytes'],
    [{ secret: 'k', secretFallbacks: [123] }, 'secretFallbacks', 'entry 0: expected a non-empty string or Uint8Array, got a number'],
    [{ secret: 'k', SECRET_KEY_FALLBACKS: ['old', ''] }, 'SECRET_KEY_FALLBACKS', 'entry 1: expected a non-empty string or Uint8Array, got an empty string'],
    [{ secret: 'k', secretFallbacks: 'old' }, 'secretFallbacks', 'expected a list of secret keys (non-empty strings or Uint8Arrays), got an empty string'],
  ])('%j → option %s: %s', (options, option, message) => {
    const error = configError(() => resolveSecrets(options, 'to sign'));
    expect(error.option).toBe(option);
    expect(error.message).toContain(`option ${option} is invalid: ${message}`);
  });

  it('never quotes a secret in a message', () => {
    const error = configError(() => resolveSecrets({ secret: 'hunter2-secret', secretFallbacks: ['old-secret', 5] }, 'to sign'));
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('old-secret');
  });

  it('is what both interfaces and the signer use', () => {
    expect(configError(() => new CookieSessionInterface({ secret: 'k', secretFallbacks: [123 as never] })).message).toBe(
      'option secretFallbacks is invalid: entry 0: expected a non-empty string or Uint8Array, got a number',
    );
    expect(configError(() => new ServerSessionInterface({ store: new MemoryStore(), useSigner: true, secret: 'k', secretFallbacks: [123 as never] })).message).toBe(
      'option secretFallbacks is invalid: entry 0: expected a non-empty string or Uint8Array, got a number',
    );
    expect(configError(() => new ServerSessionInterface({ store: new MemoryStore(), useSigner: true })).message).toContain(
      'option secret is invalid: a non-empty secret key is required to sign session ids (useSigner)',
    );
    expect(configError(() => new CookieSessionInterface({})).message).toContain('required to sign session cookies');
    expect(configError(() => new Signer({ secret: ['old', 7 as never] })).message).toBe(
      'option secret is invalid: entry 1: expected a non-empty string or Uint8Array, got a number',
    );
    expect(configError(() => new Signer({ secret: [] })).message).toBe('option secret is invalid: expected at least one secret key, got an empty list');
  });
});

describe('interface options by unit', () => {
  const store = new MemoryStore();
  it.each([
    [() => new CookieSessionInterface({ secret: 'k', maxCookieSize: 4000.5 }), 'option maxCookieSize is invalid: expected a whole number of bytes >= 1, got 4000.5'],
    [() => new CookieSessionInterface({ secret: 'k', maxCookieSize: 0 }), 'option maxCookieSize is invalid: expected a whole number of bytes >= 1, got 0'],
    [() => new CookieSessionInterface({ secret: 'k', clock: 5 as never }), 'option clock is invalid: expected a function, got 5'],
    [() => new CookieSessionInterface({ secret: 'k', onWarning: 'log' as never }), 'option onWarning is invalid: expected a function, got "log"'],
    [() => new ServerSessionInterface({ store, maxRetries: 2.5 }), 'option maxRetries is invalid: expected a whole number of items >= 0, got 2.5'],
    [() => new ServerSessionInterface({ store, maxRetries: -1 }), 'option maxRetries is invalid: expected a whole number of items >= 0, got -1'],
    [() => new ServerSessionInterface({ store, touchInterval: -1 }), 'option touchInterval is invalid: expected a number of seconds >= 0, got -1'],
    [() => new ServerSessionInterface({ store, idleTimeout: 0 }), 'option idleTimeout is invalid: expected a number of seconds >= 1, got 0'],
    [() => new ServerSessionInterface({ store, absoluteTimeout: Number.NaN }), 'option absoluteTimeout is invalid: expected a number of seconds >= 1, got NaN'],
    [() => new ServerSessionInterface({ store, clock: 'now' as never }), 'option clock is invalid: expected a function, got "now"'],
  ])('%#: %s', (make, message) => {
    expect(configError(make).message).toBe(message);
  });

  it('accepts the edges: zero retries, a zero touch interval, fractional seconds', () => {
    expect(() => new ServerSessionInterface({ store, maxRetries: 0, touchInterval: 0, idleTimeout: 1.5 })).not.toThrow();
  });

  it('refuses unknown options, naming the class', () => {
    expect(configError(() => new CookieSessionInterface({ secret: 'k', maxCookieSise: 1 } as never)).message).toBe(
      'option maxCookieSise is invalid: unknown option of CookieSessionInterface; did you mean maxCookieSize?',
    );
    expect(configError(() => new ServerSessionInterface({ store, touchIntervall: 1 } as never)).message).toMatch(
      /^option touchIntervall is invalid: unknown option of ServerSessionInterface/,
    );
  });
});

describe('adapter options', () => {
  const sessionInterface = new CookieSessionInterface({ secret: 'k' });
  it.each([
    ['sessionkit/express session()', () => expressSession({ sessionInterface, onErorr: () => {} } as never), 'onErorr'],
    ['sessionkit/fastify sessionPlugin()', () => sessionPlugin({ sessionInterface, onError: () => {} } as never), 'onError'],
    ['sessionkit/hono session()', () => honoSession({ sessionInterface, trustProxies: true } as never), 'trustProxies'],
    ['sessionkit/koa session()', () => koaSession({ sessionInterface, trustProxy: true } as never), 'trustProxy'],
    ['sessionkit/node withSession()', () => withSession({ sessionInterface, secret: 'k' } as never, () => {}), 'secret'],
    ['sessionkit/fetch openSession()', () => openSession(sessionInterface, new Request('http://x/'), { trust: true } as never), 'trust'],
  ])('%s refuses unknown options', (owner, make, option) => {
    const error = configError(make);
    expect(error.option).toBe(option);
    expect(error.message.startsWith(`option ${option} is invalid: unknown option of ${owner}`)).toBe(true);
  });

  it('checks the cookie jar options and the callbacks', () => {
    expect(configError(() => expressSession({ sessionInterface, cookies: { secrets: ['x'] } as never })).message).toMatch(
      /^option secrets is invalid: unknown option of the cookies option of sessionkit\/express session\(\)/,
    );
    expect(configError(() => expressSession({ sessionInterface, onError: 'log' as never })).message).toBe('option onError is invalid: expected a function, got "log"');
    expect(configError(() => withSession({ sessionInterface, trustProxy: 'yes' as never }, () => {})).message).toBe(
      'option trustProxy is invalid: expected true or false, got "yes"',
    );
    expect(configError(() => koaSession({ sessionInterface, load: 'later' as never })).message).toBe(
      'option load is invalid: expected one of "eager", "lazy", got "later"',
    );
    expect(configError(() => express().use(expressSession({ sessionInterface: {} as never })))).toBeInstanceOf(ConfigError);
  });
});
