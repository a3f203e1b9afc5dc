import { describe, expect, it } from 'vitest';
import { errorText, statusOf, toHttpError } from '../../src/adapters/internal/errors.js';
import { FailureLog, MAX_REMEMBERED_CAUSES, RELOG_AFTER_MS } from '../../src/adapters/internal/failure-log.js';
import { applySaveResultToResponse } from '../../src/adapters/internal/fetch-headers.js';
import { resolveBaseOptions } from '../../src/adapters/internal/options.js';
import { forwardedHttps } from '../../src/adapters/internal/protocol.js';
import { mergeVary } from '../../src/adapters/internal/save-result.js';
import { CookieTooLargeError, SessionHandlingError, SessionKitError, SessionStoreUnavailableError, StoreError } from '../../src/errors.js';
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
  it('answers 503 Session store unavailable for a StoreError, without its detail', () => {
    const error = new StoreError('redis', 'load', new Error('ECONNREFUSED 10.0.0.5:6379'));
    expect(statusOf(error)).toBe(503);
    expect(errorText(error)).toBe('Session store unavailable');
  });

  it("keeps an error's own 4xx/5xx status and falls back to 500", () => {
    expect(statusOf(Object.assign(new Error('x'), { status: 413 }))).toBe(413);
    expect(statusOf(Object.assign(new Error('x'), { statusCode: 502 }))).toBe(502);
    expect(statusOf(Object.assign(new Error('x'), { status: 302 }))).toBe(500);
    expect(statusOf(new CookieTooLargeError('session', 5000, 4093))).toBe(500);
    expect(errorText(new Error('secret detail'))).toBe('Internal Server Error');
  });

  it('hands frameworks a public error: fixed message, status, expose, a stack without frames, the failure as cause', () => {
    const driver = new Error("ENOENT: no such file or directory, open '/var/lib/secret-folder/x'");
    const failure = new StoreError('filesystem', 'create', driver);
    const http = toHttpError(failure);
    expect(http).toBeInstanceOf(SessionStoreUnavailableError);
    expect([http.message, http.status, http.statusCode, http.expose]).toEqual(['Session store unavailable', 503, 503, true]);
    expect(http.stack).toBe('SessionStoreUnavailableError: Session store unavailable');
    expect(http.cause).toBe(failure);
    expect(toHttpError(http)).toBe(http);

    const tooLarge = toHttpError(new CookieTooLargeError('session', 5000, 4093));
    expect(tooLarge).toBeInstanceOf(SessionHandlingError);
    expect([tooLarge.message, tooLarge.status, tooLarge.stack]).toEqual(['Session handling failed', 500, 'SessionHandlingError: Session handling failed']);
    expect(errorText(tooLarge)).toBe('Session handling failed');
    expect(toHttpError(Object.assign(new Error('x'), { status: 413 })).status).toBe(413);

    const wrapped = toHttpError('plain string');
    expect(wrapped).toBeInstanceOf(SessionKitError);
    expect(wrapped.cause).toBe('plain string');
    expect(wrapped.status).toBe(500);
  });
});

describe('FailureLog', () => {
  const collect = () => {
    const lines: unknown[] = [];
    let now = 1_000_000;
    const log = new FailureLog((_line, error) => void lines.push(error), () => now);
    return { log, lines, advance: (ms: number) => void (now += ms) };
  };
  const refused = () => new StoreError('redis', 'load', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }));

  it('logs each distinct cause once, and again once RELOG_AFTER_MS passed', () => {
    const { log, lines, advance } = collect();
    expect([log.report(refused(), 503), log.report(refused(), 503), log.report(refused(), 503)]).toEqual([true, false, false]);
    // Another operation, another driver error: another cause.
    expect(log.report(new StoreError('redis', 'update', new Error('READONLY')), 503)).toBe(true);
    advance(RELOG_AFTER_MS - 1);
    expect(log.report(refused(), 503)).toBe(false);
    advance(1);
    expect(log.report(refused(), 503)).toBe(true);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBeInstanceOf(StoreError);
  });

  it('remembers at most MAX_REMEMBERED_CAUSES causes, forgetting the oldest', () => {
    const { log } = collect();
    for (let i = 0; i <= MAX_REMEMBERED_CAUSES; i++) expect(log.report(new Error(`cause ${i}`), 500)).toBe(true);
    expect(log.report(new Error(`cause ${MAX_REMEMBERED_CAUSES}`), 500)).toBe(false);
    expect(log.report(new Error('cause 0'), 500)).toBe(true);
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
