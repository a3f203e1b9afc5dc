import { describe, expect, it } from 'vitest';
import { errorText, statusOf, toHttpError } from '../../src/adapters/internal/errors.js';
import { applySaveResultToResponse } from '../../src/adapters/internal/fetch-headers.js';
import { resolveBaseOptions } from '../../src/adapters/internal/options.js';
import { forwardedHttps } from '../../src/adapters/internal/protocol.js';
import { mergeVary } from '../../src/adapters/internal/save-result.js';
import { CookieTooLargeError, SessionKitError, StoreError } from '../../src/errors.js';
import { CookieSessionInterface } from '../../src/interfaces/cookie.js';
import type { SessionInterface } from '../../src/interfaces/session-interface.js';

describe('mergeVary', () => {
  it.each([
    [undefined, 'Cookie'],
    ['', 'Cookie'],
    ['Accept', 'Accept, Cookie'],
    ['Accept,Origin', 'Accept, Origin, Cookie'],
    ['cookie', 'cookie'],
    ['Accept, COOKIE', 'Accept, COOKIE'],
    ['*', '*'],
    ['Accept, *', '*'],
  ])('%j → %j', (existing, expected) => {
    expect(mergeVary(existing)).toBe(expected);
  });
});

describe('forwardedHttps', () => {
  it.each([
    ['https', true],
    ['HTTPS', true],
    [' https , http', true],
    ['http, https', false],
    ['', false],
    [null, false],
    [undefined, false],
    [['https', 'http'], true],
  ])('%j → %j', (value, expected) => {
    expect(forwardedHttps(value)).toBe(expected);
  });
});

describe('error statuses', () => {
  it('answers 503 naming the store for a StoreError', () => {
    const error = new StoreError('redis', 'load', new Error('ECONNREFUSED 10.0.0.5:6379'));
    expect(statusOf(error)).toBe(503);
    expect(errorText(error)).toBe('Session store unavailable (redis)'); // no driver detail
  });

  it("keeps an error's own 4xx/5xx status and falls back to 500", () => {
    expect(statusOf(Object.assign(new Error('x'), { status: 413 }))).toBe(413);
    expect(statusOf(Object.assign(new Error('x'), { statusCode: 502 }))).toBe(502);
    expect(statusOf(Object.assign(new Error('x'), { status: 302 }))).toBe(500);
    expect(statusOf(new CookieTooLargeError('session', 5000, 4093))).toBe(500);
    expect(errorText(new Error('secret detail'))).toBe('Internal Server Error');
  });

  it('sets status and statusCode on the same error object, wrapping non-errors', () => {
    const error = new StoreError('memory', 'create', 'down');
    const http = toHttpError(error);
    expect(http).toBe(error);
    expect([http.status, http.statusCode]).toEqual([503, 503]);
    const wrapped = toHttpError('plain string');
    expect(wrapped).toBeInstanceOf(SessionKitError);
    expect(wrapped.cause).toBe('plain string');
    expect(wrapped.status).toBe(500);
  });
});

describe('applySaveResultToResponse', () => {
  it('appends after existing Set-Cookie values', () => {
    const response = new Response('x', { headers: [['Set-Cookie', 'a=1']] });
    applySaveResultToResponse(response, { setCookie: ['s=2', 'b=3'], vary: false });
    expect(response.headers.getSetCookie()).toEqual(['a=1', 's=2', 'b=3']);
    expect(response.headers.get('vary')).toBeNull();
  });
});

describe('resolveBaseOptions', () => {
  const sessionInterface = new CookieSessionInterface({ secret: 's' });

  it('fills the defaults', () => {
    expect(resolveBaseOptions({ sessionInterface })).toEqual({ sessionInterface, load: 'eager', cookies: {} });
  });

  it('rejects a missing interface and an unknown load mode', () => {
    expect(() => resolveBaseOptions({} as { sessionInterface: SessionInterface })).toThrow(/sessionInterface/);
    expect(() => resolveBaseOptions({ sessionInterface, load: 'soon' as 'lazy' })).toThrow(/load/);
  });
});
