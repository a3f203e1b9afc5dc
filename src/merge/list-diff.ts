/**
 * The edit that turns a base list into another list: which base items it kept and where it
 * inserted its new items. A longest common subsequence (LCS), computed after trimming the
 * common prefix and suffix, so the usual edits (appends, removals at either end, one change in
 * the middle) cost O(n) comparisons and the quadratic part only sees what really differs.
 */
import { sameValue, valueHash } from './same-value.js';

/**
 * Most cells of the LCS table (middle of base × middle of the other list, after trimming) one
 * diff may fill: a 500-item list rewritten from end to end, 0.5 MB and a few milliseconds of CPU
 * (bench/merge.ts), so no save stalls on a huge list both sides rewrote. Lists whose changed
 * middles are larger are not diffed.
 */
export const MAX_DIFF_CELLS = 250_000;

/**
 * How a list differs from the base it was edited from. Insertions are anchored at a gap of
 * the base: gap `g` is just before `base[g]` (gap `base.length` is the end). Within one
 * replaced stretch the removals come first, so its new items sit at the gap after the removed
 * ones.
 */
export interface ListEdit {
  /** For each base index: the index of the item of the edited list it kept, or -1 if removed. */
  readonly keptAs: readonly number[];
  /** For each gap `g` (0…base.length): the edited list's items `insertStart[g]…insertEnd[g]-1` are inserted there. */
  readonly insertStart: readonly number[];
  /** See {@link ListEdit.insertStart}. */
  readonly insertEnd: readonly number[];
}

/**
 * The edit from `base` to `edited`, deterministic (ties prefer the earliest match, and
 * removals before insertions). `undefined` when the part that differs exceeds
 * {@link MAX_DIFF_CELLS}.
 */
export function diffLists(base: readonly unknown[], edited: readonly unknown[]): ListEdit | undefined {
  const n = base.length;
  const m = edited.length;
  let prefix = 0;
  while (prefix < n && prefix < m && sameValue(base[prefix], edited[prefix])) prefix++;
  let suffix = 0;
  while (suffix < n - prefix && suffix < m - prefix && sameValue(base[n - 1 - suffix], edited[m - 1 - suffix])) suffix++;
  const rows = n - prefix - suffix;
  const cols = m - prefix - suffix;
  if (rows * cols > MAX_DIFF_CELLS) return undefined;

  const edit = new EditBuilder(n);
  for (let i = 0; i < prefix; i++) edit.keep(i, i);
  if (rows === 0 || cols === 0) {
    for (let i = 0; i < rows; i++) edit.remove(prefix + i);
    for (let j = 0; j < cols; j++) edit.insert(prefix + rows, prefix + j);
  } else {
    walkMiddle(edit, base, edited, prefix, rows, cols);
  }
  for (let s = suffix; s > 0; s--) edit.keep(n - s, m - s);
  return edit.done();
}

/** The LCS of the middles `base[prefix…prefix+rows)` and `edited[prefix…prefix+cols)`, walked into `edit`. */
function walkMiddle(edit: EditBuilder, base: readonly unknown[], edited: readonly unknown[], prefix: number, rows: number, cols: number): void {
  const [a, b] = internPair(base, edited, prefix, rows, cols);
  // lcs[i * width + j]: length of the LCS of a[i…] and b[j…]. It never exceeds min(rows, cols),
  // at most √MAX_DIFF_CELLS, so 16 bits hold it.
  const width = cols + 1;
  const lcs = new Uint16Array((rows + 1) * width);
  for (let i = rows - 1; i >= 0; i--) {
    const row = i * width;
    const next = row + width;
    const ai = a[i];
    for (let j = cols - 1; j >= 0; j--) {
      if (ai === b[j]) lcs[row + j] = (lcs[next + j + 1] as number) + 1;
      else {
        const down = lcs[next + j] as number;
        const right = lcs[row + j + 1] as number;
        lcs[row + j] = down >= right ? down : right;
      }
    }
  }
  let i = 0;
  let j = 0;
  while (i < rows && j < cols) {
    if (a[i] === b[j]) {
      edit.keep(prefix + i, prefix + j);
      i++;
      j++;
    } else if ((lcs[(i + 1) * width + j] as number) >= (lcs[i * width + j + 1] as number)) {
      edit.remove(prefix + i);
      i++;
    } else {
      edit.insert(prefix + i, prefix + j);
      j++;
    }
  }
  for (; i < rows; i++) edit.remove(prefix + i);
  for (; j < cols; j++) edit.insert(prefix + rows, prefix + j);
}

/**
 * Numbers the distinct values of both middles (same value ⇔ same number), so the quadratic
 * table compares integers instead of deep values.
 */
function internPair(base: readonly unknown[], edited: readonly unknown[], start: number, rows: number, cols: number): [Int32Array, Int32Array] {
  const buckets = new Map<number, { value: unknown; id: number }[]>();
  let nextId = 0;
  const idOf = (value: unknown): number => {
    const h = valueHash(value);
    let bucket = buckets.get(h);
    if (!bucket) {
      bucket = [];
      buckets.set(h, bucket);
    }
    for (const entry of bucket) if (sameValue(entry.value, value)) return entry.id;
    const id = nextId++;
    bucket.push({ value, id });
    return id;
  };
  const a = new Int32Array(rows);
  for (let i = 0; i < rows; i++) a[i] = idOf(base[start + i]);
  const b = new Int32Array(cols);
  for (let j = 0; j < cols; j++) b[j] = idOf(edited[start + j]);
  return [a, b];
}

/** Collects keeps, removals and insertions in order of the edited list. */
class EditBuilder {
  // Plain arrays: for the short lists of a session they are much cheaper to allocate than typed ones.
  readonly #keptAs: number[];
  readonly #insertStart: number[];
  readonly #insertEnd: number[];

  constructor(baseLength: number) {
    this.#keptAs = new Array<number>(baseLength).fill(-1);
    this.#insertStart = new Array<number>(baseLength + 1).fill(0);
    this.#insertEnd = new Array<number>(baseLength + 1).fill(0);
  }

  keep(baseIndex: number, editedIndex: number): void {
    this.#keptAs[baseIndex] = editedIndex;
  }

  remove(baseIndex: number): void {
    this.#keptAs[baseIndex] = -1;
  }

  /** Insertions at one gap arrive one after another, so they form one range. */
  insert(gap: number, editedIndex: number): void {
    if (this.#insertEnd[gap] === this.#insertStart[gap]) this.#insertStart[gap] = editedIndex;
    this.#insertEnd[gap] = editedIndex + 1;
  }

  done(): ListEdit {
    return { keptAs: this.#keptAs, insertStart: this.#insertStart, insertEnd: this.#insertEnd };
  }
}
