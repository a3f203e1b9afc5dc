/**
 * The key-level merge of a save that met a concurrent write: pure, no I/O.
 */
import { setOwn } from '../../serialization/value-kinds.js';

/**
 * `theirs` (what another request stored) with this request's `changed` keys taken from `mine`
 * on top: a key set here wins, a key deleted here stays deleted, every other key is theirs.
 * `base` (the data this request loaded) is not needed for a key-level merge; it is part of the
 * signature for merges that look inside values.
 */
export function mergeChanges(
  theirs: Record<string, unknown>,
  mine: Record<string, unknown>,
  changed: ReadonlySet<string>,
  _base?: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(theirs)) if (!changed.has(key)) setOwn(merged, key, theirs[key]);
  for (const key of changed) if (Object.hasOwn(mine, key)) setOwn(merged, key, mine[key]);
  return merged;
}
