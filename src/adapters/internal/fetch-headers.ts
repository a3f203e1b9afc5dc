import type { SaveResult } from '../../interfaces/session-interface.js';
import { hasHeaders, mergeVary } from './save-result.js';

/** Adds a save result to Fetch `Headers`: Set-Cookie values appended, `Cookie` merged into `Vary`. */
export function applySaveResultToHeaders(headers: Headers, result: SaveResult): void {
  if (result.vary) headers.set('Vary', mergeVary(headers.get('Vary') ?? undefined));
  for (const value of result.setCookie) headers.append('Set-Cookie', value);
}

/**
 * Adds a save result to a Fetch `Response`: in place when its headers can change, otherwise on a
 * copy (same status, headers and body stream), which is returned. Responses from
 * `Response.redirect()`, `Response.error()` or `fetch()` have immutable headers.
 */
export function applySaveResultToResponse(response: Response, result: SaveResult): Response {
  if (!hasHeaders(result)) return response;
  if (tryApplySaveResult(response.headers, result)) return response;
  const copy = new Response(response.body, response);
  applySaveResultToHeaders(copy.headers, result);
  return copy;
}

/** Applies a save result to `headers`; returns `false`, changing nothing, when they are immutable. */
export function tryApplySaveResult(headers: Headers, result: SaveResult): boolean {
  if (!hasHeaders(result)) return true;
  try {
    // On immutable headers the first write throws, before anything changed.
    applySaveResultToHeaders(headers, result);
    return true;
  } catch (error) {
    if (error instanceof TypeError) return false;
    throw error;
  }
}
