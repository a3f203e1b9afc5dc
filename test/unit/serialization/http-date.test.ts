import { describe, expect, it } from 'vitest';
import { formatHttpDate, parseHttpDate } from '../../../src/serialization/http-date.js';

describe("formatHttpDate (Werkzeug's http_date)", () => {
  it.each([
    [Date.UTC(2030, 0, 2, 3, 4, 5), 'Wed, 02 Jan 2030 03:04:05 GMT'],
    [Date.UTC(2030, 0, 2, 3, 4, 5, 999), 'Wed, 02 Jan 2030 03:04:05 GMT'],
    [0, 'Thu, 01 Jan 1970 00:00:00 GMT'],
    [-1, 'Wed, 31 Dec 1969 23:59:59 GMT'],
    [Date.UTC(2024, 1, 29, 23, 59, 59), 'Thu, 29 Feb 2024 23:59:59 GMT'],
    [Date.UTC(9999, 11, 31, 23, 59, 59), 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('%s → %s', (ms, expected) => {
    expect(formatHttpDate(new Date(ms))).toBe(expected);
  });

  it('zero-pads years below 1000', () => {
    const date = new Date(0);
    date.setUTCFullYear(1, 0, 1);
    expect(formatHttpDate(date)).toBe('Mon, 01 Jan 0001 00:00:00 GMT');
  });

  it('refuses dates Python cannot hold', () => {
    expect(formatHttpDate(new Date(NaN))).toBeUndefined();
    expect(formatHttpDate(new Date(Date.UTC(10000, 0, 1)))).toBeUndefined();
    const yearZero = new Date(0);
    yearZero.setUTCFullYear(0, 5, 1);
    expect(formatHttpDate(yearZero)).toBeUndefined();
  });
});

describe("parseHttpDate (Werkzeug's parse_date)", () => {
  it.each([
    ['Wed, 02 Jan 2030 03:04:05 GMT', '2030-01-02T03:04:05.000Z'],
    ['02 Jan 2030 03:04:05 GMT', '2030-01-02T03:04:05.000Z'],
    ['Wed, 2 jan 2030 03:04 UTC', '2030-01-02T03:04:00.000Z'],
    ['Tue, 01 Jan 2030 21:34:05 +0530', '2030-01-01T16:04:05.000Z'],
    ['Fri, 31 Dec 1999 23:00:00 -0800', '2000-01-01T07:00:00.000Z'],
    ['Fri, 31 Dec 1999 23:00:00 EST', '2000-01-01T04:00:00.000Z'],
    ['Fri, 31 Dec 1999 23:00:00 -0000', '1999-12-31T23:00:00.000Z'],
    ['Fri, 31 Dec 1999 23:00:00', '1999-12-31T23:00:00.000Z'],
    // As Python's email.utils: a year below 100 is two-digit, even when written 0001.
    ['Mon, 01 Jan 0001 00:00:00 GMT', '2001-01-01T00:00:00.000Z'],
    ['Mon, 01 Jan 0099 00:00:00 GMT', '1999-01-01T00:00:00.000Z'],
    ['Mon, 01 Jan 0100 00:00:00 GMT', '0100-01-01T00:00:00.000Z'],
    ['Wed,02 Jan 2030 03:04:05 gmt', '2030-01-02T03:04:05.000Z'],
    ['Wed, 02 Jan 2030 03:04:05 +0099', '2030-01-02T01:25:05.000Z'],
    ['Sat, 01 Jan 99 00:00:00 GMT', '1999-01-01T00:00:00.000Z'],
    ['Sat, 01 Jan 68 00:00:00 GMT', '2068-01-01T00:00:00.000Z'],
    ['Xyz, 02 Jan 2030 03:04:05 GMT', '2030-01-02T03:04:05.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseHttpDate(text)?.toISOString()).toBe(iso);
  });

  it.each([
    'not a date',
    '',
    'Wed, 31 Feb 2030 03:04:05 GMT',
    'Wed, 00 Jan 2030 03:04:05 GMT',
    'Wed, 02 Foo 2030 03:04:05 GMT',
    'Wed, 02 Jan 2030 24:00:00 GMT',
    'Wed, 02 Jan 2030 03:60:00 GMT',
    'Wed, 02 Jan 2030 03:04:60 GMT',
    'Wed, 02 Jan 2030 03:04:05 +2400',
    'Wed, 02 Jan 2030 03:04:05 XYZ',
    '2030-01-02T03:04:05Z',
  ])('refuses %j', (text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });
});
