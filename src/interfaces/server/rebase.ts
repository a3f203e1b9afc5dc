/**
 * A request's changes replayed on top of what another writer stored meanwhile: the keys it
 * changed are merged three-way (`mergeSessionData`), the keys it wrote through `update(key, fn)`
 * get their functions re-run on the other writer's value. Pure: no I/O.
 */
import { mergeSessionData, type MergeConflict } from '../../merge/merge3.js';
import { setOwn } from '../../serialization/value-kinds.js';
import type { SessionUpdater } from '../../session.js';

/** What a save changed, relative to the data its request loaded. */
export interface RequestChanges {
  /**
   * The data the request loaded, as a copy of its own: values read from the session and changed
   * in place must not show up here. Called only when a merge needs it (once per save at most).
   */
  readonly base: () => Record<string, unknown>;
  /** The request's data now. */
  readonly mine: Record<string, unknown>;
  /** The keys the request changed. */
  readonly changed: ReadonlySet<string>;
  /** `update(key, fn)` calls per key, in call order; these keys are computed, never merged. */
  readonly updates: ReadonlyMap<string, readonly SessionUpdater[]>;
}

/** The outcome of one replay: the data to write, and where the merge kept this request's value. */
export interface Rebased {
  readonly data: Record<string, unknown>;
  readonly conflicts: readonly MergeConflict[];
}

/**
 * Replays `changes` onto `theirs`, another writer's result (never this request's own write:
 * merging a write with itself would apply its list insertions twice). `theirs` is not changed,
 * but the `update` functions are handed its values: give a copy of its own when it is shared.
 */
export function rebase(changes: RequestChanges, theirs: Record<string, unknown>): Rebased {
  const { mine, changed, updates } = changes;
  const conflicts: MergeConflict[] = [];
  const merged = updates.size === 0 ? changed : new Set([...changed].filter((key) => !updates.has(key)));
  const data =
    merged.size > 0
      ? mergeSessionData(changes.base(), mine, theirs, merged, { onConflict: (conflict) => conflicts.push(conflict) })
      : { ...theirs };
  for (const [key, calls] of updates) {
    let value = Object.hasOwn(theirs, key) ? theirs[key] : undefined;
    for (const fn of calls) value = fn(value);
    if (value === undefined) delete data[key];
    else setOwn(data, key, value);
  }
  return { data, conflicts };
}
