import type { OutgoingHttpHeader, ServerResponse } from 'node:http';
import type { SaveResult } from '../../interfaces/session-interface.js';
import { mergeVary } from './save-result.js';

/** Flattens a node header value (string, number or list) into one comma-joined string. */
function headerText(value: OutgoingHttpHeader | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** The list form of a node header value. */
function headerList(value: OutgoingHttpHeader | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** Appends Set-Cookie values to a node response, after the ones already set. */
export function appendSetCookie(res: ServerResponse, values: readonly string[]): void {
  if (values.length === 0) return;
  res.setHeader('Set-Cookie', [...headerList(res.getHeader('Set-Cookie')), ...values]);
}

/** Merges `field` into the `Vary` header of a node response. */
export function addVary(res: ServerResponse, field = 'Cookie'): void {
  res.setHeader('Vary', mergeVary(headerText(res.getHeader('Vary')), field));
}

/** Adds a save result to a node response whose headers are not sent yet. */
export function applySaveResultToNode(res: ServerResponse, result: SaveResult): void {
  appendSetCookie(res, result.setCookie);
  if (result.vary) addVary(res);
}

/**
 * Moves the headers passed to `writeHead` onto the response the way node applies them (each named
 * header replaced; repeated names in the array form kept as several values), except that
 * `Set-Cookie` values are appended to the ones already set (the session's included) and `Vary`
 * keeps `Cookie` when the save asked for it.
 */
export function moveWriteHeadHeaders(res: ServerResponse, headers: unknown, result: SaveResult): void {
  const seen = new Set<string>();
  for (const [name, value] of headerPairs(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'set-cookie') appendSetCookie(res, headerList(value));
    else if (seen.has(lower)) res.appendHeader(name, headerList(value));
    else {
      seen.add(lower);
      res.setHeader(name, value);
    }
  }
  if (result.vary) addVary(res);
}

/** The `[name, value]` pairs of `writeHead`'s headers argument (object, flat or nested array). */
function headerPairs(headers: unknown): Array<[string, OutgoingHttpHeader | undefined]> {
  if (!headers) return [];
  if (Array.isArray(headers)) {
    const flat: unknown[] = headers.length > 0 && Array.isArray(headers[0]) ? (headers as unknown[][]).flat() : headers;
    const pairs: Array<[string, OutgoingHttpHeader | undefined]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), flat[i + 1] as OutgoingHttpHeader]);
    return pairs;
  }
  if (typeof headers === 'object') {
    return Object.entries(headers as Record<string, OutgoingHttpHeader | undefined>);
  }
  return [];
}
