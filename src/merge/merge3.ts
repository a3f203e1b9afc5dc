/**
 * Three-way merge of session values: this request's changes (base → mine) applied onto what
 * another request stored meanwhile (theirs), so concurrent writes to the same key both survive
 * where the data lets it be known how. Pure: no I/O, no clock, inputs never mutated, the same
 * inputs always give the same result. The rules, with examples, are in docs/concurrency.md.
 */
import { isSessionData, setOwn } from '../serialization/value-kinds.js';
import { MAX_DEPTH } from '../serialization/errors.js';
import { diffLists, type ListEdit } from './list-diff.js';
import { sameValue } from './same-value.js';

/**
 * Why this request's value replaced one the other request changed:
 * - `both-changed`: both sides changed a value that cannot be merged (a number, a string, a
 *   `Tuple`, a type change, a deletion of an object the other side changed);
 * - `created-differently`: both sides created an object where there was none and disagree on a
 *   key; combining them could make a value neither side wrote, so this request's object wins;
 * - `list-too-large`: the changed parts of a list are too large to diff (see `MAX_DIFF_CELLS`).
 */
export type MergeConflictReason = 'both-changed' | 'created-differently' | 'list-too-large';

/** A place where the merge kept this request's value over the other request's change. */
export interface MergeConflict {
  /** Keys from the top of the merged value down to the conflicting value (`[]` for the value itself). */
  readonly path: readonly string[];
  /** Why the values could not be merged. */
  readonly reason: MergeConflictReason;
  /** The value this request loaded (`undefined`: absent). */
  readonly base: unknown;
  /** This request's value, which the merge kept (`undefined`: deleted). */
  readonly mine: unknown;
  /** The other request's value, which the merge dropped (`undefined`: deleted). */
  readonly theirs: unknown;
}

/** Options of {@link merge3} and {@link mergeSessionData}. */
export interface MergeOptions {
  /**
   * Called for every conflict, where this request's value won ("the later write wins"). A
   * debugging hook: the merge result does not depend on it.
   */
  readonly onConflict?: (conflict: MergeConflict) => void;
}

/**
 * Merges `mine` (this request's value, edited from `base`, the value it loaded) with `theirs`
 * (what another request stored since). `undefined` means absent. Unchanged sides give way to
 * changed ones; objects merge key by key, lists by applying this request's edit onto theirs
 * (every insertion of either side is kept, so the result is what the two requests would have
 * written one after the other); any other value both sides changed is this request's when they
 * differ, reported to `onConflict`. The result may share unchanged parts with the inputs;
 * changed containers are new.
 *
 * `base` must be a copy independent of `mine` (a value changed in place would otherwise look
 * unchanged), and `theirs` another writer's result: merging a write with itself would apply
 * its list insertions twice.
 */
export function merge3(base: unknown, mine: unknown, theirs: unknown, options: MergeOptions = {}): unknown {
  return mergeValue(new MergeContext(options.onConflict), base, mine, theirs, 0);
}

/**
 * Merges top-level session data. Keys this request did not change (not in `changedKeys`) come
 * from `theirs` as they are; changed keys are merged with {@link merge3}. A changed key this
 * request deleted is deleted, even when the other request changed it meanwhile (reported as a
 * conflict), except for lists: items the other request added to a list this request deleted
 * stay (a flash written while this request consumed the old ones survives). Key order: theirs',
 * then the keys only this request has. Keys such as `__proto__` stay plain data.
 */
export function mergeSessionData(
  base: Record<string, unknown>,
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>,
  changedKeys: ReadonlySet<string>,
  options: MergeOptions = {},
): Record<string, unknown> {
  return mergeEntries(new MergeContext(options.onConflict), base, mine, theirs, 0, changedKeys);
}

/** The path being merged, and where conflicts go. */
class MergeContext {
  readonly path: string[] = [];
  report: ((conflict: MergeConflict) => void) | undefined;

  constructor(report: ((conflict: MergeConflict) => void) | undefined) {
    this.report = report;
  }

  /** This request's value wins; the conflict is reported. */
  conflict(reason: MergeConflictReason, base: unknown, mine: unknown, theirs: unknown): unknown {
    this.report?.({ path: [...this.path], reason, base, mine, theirs });
    return mine;
  }
}

function mergeValue(ctx: MergeContext, base: unknown, mine: unknown, theirs: unknown, depth: number): unknown {
  if (sameValue(mine, base)) return theirs;
  if (sameValue(theirs, base)) return mine;
  // Deeper than any storable value: not merged (saving it fails with its own error).
  if (depth >= MAX_DEPTH) return sameValue(mine, theirs) ? mine : ctx.conflict('both-changed', base, mine, theirs);
  // Containers merge even when both sides hold equal values: two requests that each appended
  // the same item to a list appended it twice, and that list may sit inside an object.
  if (isDict(mine) && isDict(theirs)) {
    return isDict(base) ? mergeEntries(ctx, base, mine, theirs, depth) : mergeCreatedDicts(ctx, base, mine, theirs, depth);
  }
  // A list is a collection: a deleted list is one whose items were all removed, and a list that
  // both sides created started empty.
  if (isList(base) ? listOrAbsent(mine) && listOrAbsent(theirs) : isList(mine) && isList(theirs)) {
    return mergeLists(ctx, base, mine, theirs);
  }
  if (sameValue(mine, theirs)) return mine;
  return ctx.conflict('both-changed', base, mine, theirs);
}

/**
 * Key by key: theirs' keys in theirs' order, then the keys only mine has. With `onlyKeys`, keys
 * outside it are taken from theirs unmerged.
 */
function mergeEntries(
  ctx: MergeContext,
  base: Record<string, unknown>,
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>,
  depth: number,
  onlyKeys?: ReadonlySet<string>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(theirs)) {
    const their = theirs[key];
    if (their === undefined) continue;
    const value = onlyKeys && !onlyKeys.has(key) ? their : mergeAt(ctx, key, own(base, key), own(mine, key), their, depth);
    if (value !== undefined) setOwn(merged, key, value);
  }
  for (const key of Object.keys(mine)) {
    const my = mine[key];
    if (my === undefined || own(theirs, key) !== undefined || (onlyKeys && !onlyKeys.has(key))) continue;
    const value = mergeAt(ctx, key, own(base, key), my, undefined, depth);
    if (value !== undefined) setOwn(merged, key, value);
  }
  return merged;
}

function mergeAt(ctx: MergeContext, key: string, base: unknown, mine: unknown, theirs: unknown, depth: number): unknown {
  ctx.path.push(key);
  try {
    return mergeValue(ctx, base, mine, theirs, depth + 1);
  } finally {
    ctx.path.pop();
  }
}

/**
 * Both sides created an object where the base had none: combined key by key when they agree on
 * every key they share (say, two requests each putting one item in a new cart), else this
 * request's object as a whole (say, two sign-ins at once: a mix of both users is neither).
 */
function mergeCreatedDicts(ctx: MergeContext, base: unknown, mine: Record<string, unknown>, theirs: Record<string, unknown>, depth: number): unknown {
  const report = ctx.report;
  let disagree = false;
  ctx.report = () => {
    disagree = true;
  };
  let merged: Record<string, unknown>;
  try {
    merged = mergeEntries(ctx, {}, mine, theirs, depth);
  } finally {
    ctx.report = report;
  }
  return disagree ? ctx.conflict('created-differently', base, mine, theirs) : merged;
}

const NO_ITEMS: readonly unknown[] = Object.freeze([]);

/**
 * This request's edit of the list (base → mine) applied onto theirs. At each gap of the base,
 * theirs' insertions come before mine's; a base item stays only if both sides kept it. An
 * empty result where this request deleted the list is a deletion.
 */
function mergeLists(ctx: MergeContext, base: unknown, mine: unknown, theirs: unknown): unknown {
  const baseItems = isList(base) ? base : NO_ITEMS;
  const myItems = isList(mine) ? mine : NO_ITEMS;
  const theirItems = isList(theirs) ? theirs : NO_ITEMS;
  const myEdit = diffLists(baseItems, myItems);
  const theirEdit = myEdit && diffLists(baseItems, theirItems);
  if (!myEdit || !theirEdit) return ctx.conflict('list-too-large', base, mine, theirs);
  const merged: unknown[] = [];
  for (let gap = 0; gap <= baseItems.length; gap++) {
    pushInserted(merged, theirItems, theirEdit, gap);
    pushInserted(merged, myItems, myEdit, gap);
    if (gap === baseItems.length) break;
    const theirIndex = theirEdit.keptAs[gap] as number;
    if (theirIndex >= 0 && (myEdit.keptAs[gap] as number) >= 0) merged.push(theirItems[theirIndex]);
  }
  return merged.length === 0 && mine === undefined ? undefined : merged;
}

function pushInserted(out: unknown[], items: readonly unknown[], edit: ListEdit, gap: number): void {
  const end = edit.insertEnd[gap] as number;
  for (let i = edit.insertStart[gap] as number; i < end; i++) out.push(items[i]);
}

/** A plain object (Python's dict). */
const isDict = isSessionData;

/** A plain array; a `Tuple` is an atomic value, never merged item by item. */
function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

function listOrAbsent(value: unknown): boolean {
  return value === undefined || isList(value);
}

/** `obj[key]` if it is the object's own property (never an inherited `__proto__` or `toString`). */
function own(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}
