import type { SaveResult } from '../../interfaces/session-interface.js';

/** Returns a `Vary` value that lists `field` once, keeping what `existing` listed (`*` stays `*`). */
export function mergeVary(existing: string | undefined, field = 'Cookie'): string {
  if (!existing || existing.trim() === '') return field;
  const fields = existing.split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (fields.includes('*')) return '*';
  const wanted = field.toLowerCase();
  if (fields.some((f) => f.toLowerCase() === wanted)) return fields.join(', ');
  return [...fields, field].join(', ');
}

/** Whether applying `result` changes any header. */
export function hasHeaders(result: SaveResult): boolean {
  return result.vary || result.setCookie.length > 0;
}
