import { describe, expect, it } from 'vitest';
import { diffLists, MAX_DIFF_CELLS, type ListEdit } from '../../../src/merge/list-diff.js';
import { Tuple } from '../../../src/serialization/values.js';
import { Random } from './random.js';

/** Rebuilds the edited list from the base and the edit, as the merge reads an edit. */
function replay(base: readonly unknown[], edited: readonly unknown[], edit: ListEdit): unknown[] {
  const out: unknown[] = [];
  for (let gap = 0; gap <= base.length; gap++) {
    for (let j = edit.insertStart[gap]!; j < edit.insertEnd[gap]!; j++) out.push(edited[j]);
    if (gap < base.length && edit.keptAs[gap]! >= 0) out.push(edited[edit.keptAs[gap]!]);
  }
  return out;
}

function kept(edit: ListEdit): number[] {
  return Array.from(edit.keptAs);
}

/** Where each inserted item went, as [gap, item]. */
function insertions(edited: readonly unknown[], edit: ListEdit): [number, unknown][] {
  const out: [number, unknown][] = [];
  for (let gap = 0; gap < edit.insertStart.length; gap++) {
    for (let j = edit.insertStart[gap]!; j < edit.insertEnd[gap]!; j++) out.push([gap, edited[j]]);
  }
  return out;
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  return table[0]![0]!;
}

describe('diffLists', () => {
  it('sees an append as insertions at the end', () => {
    const edit = diffLists(['a', 'b'], ['a', 'b', 'c', 'd'])!;
    expect(kept(edit)).toEqual([0, 1]);
    expect(insertions(['a', 'b', 'c', 'd'], edit)).toEqual([
      [2, 'c'],
      [2, 'd'],
    ]);
  });

  it('sees removals at the front, in the middle and at the end', () => {
    expect(kept(diffLists(['a', 'b', 'c', 'd'], ['b', 'd'])!)).toEqual([-1, 0, -1, 1]);
    expect(kept(diffLists(['a', 'b', 'c'], [])!)).toEqual([-1, -1, -1]);
  });

  it('places the new items of a replaced stretch after the removed ones', () => {
    const edited = ['a', 'X', 'Y', 'd'];
    const edit = diffLists(['a', 'b', 'c', 'd'], edited)!;
    expect(kept(edit)).toEqual([0, -1, -1, 3]);
    expect(insertions(edited, edit)).toEqual([
      [3, 'X'],
      [3, 'Y'],
    ]);
  });

  it('matches items by value, so fresh Tuples and objects equal to the base are kept', () => {
    const base = [Tuple.of('message', 'A'), { id: 1 }];
    const edited = [Tuple.of('message', 'A'), { id: 1 }, Tuple.of('message', 'B')];
    const edit = diffLists(base, edited)!;
    expect(kept(edit)).toEqual([0, 1]);
    expect(insertions(edited, edit)).toEqual([[2, Tuple.of('message', 'B')]]);
  });

  it('treats each of equal appended items as an insertion', () => {
    const edit = diffLists(['x'], ['x', 'x', 'x'])!;
    expect(kept(edit)).toEqual([0]);
    expect(insertions(['x', 'x', 'x'], edit)).toEqual([
      [1, 'x'],
      [1, 'x'],
    ]);
  });

  it('diffs arrays whose differing middles reach MAX_DIFF_CELLS and refuses larger ones', () => {
    const side = Math.floor(Math.sqrt(MAX_DIFF_CELLS));
    const base = Array.from({ length: side }, (_, i) => i);
    const atCap = Array.from({ length: side }, (_, i) => -1 - i);
    const edit = diffLists(base, atCap)!;
    expect(edit).toBeDefined();
    expect(kept(edit).every((k) => k === -1)).toBe(true);
    expect(replay(base, atCap, edit)).toEqual(atCap);
    const overCap = Array.from({ length: side + 1 }, (_, i) => -1 - i);
    expect(diffLists([...base, 'extra'], overCap)).toBeUndefined();
  });

  it('trims the common prefix and suffix, so one edit anywhere in a huge list is diffed', () => {
    const base = Array.from({ length: 100_000 }, (_, i) => i);
    const replaced = [...base.slice(0, 50_000), 'new', ...base.slice(50_001)];
    const edit = diffLists(base, replaced)!;
    expect(kept(edit).filter((k) => k === -1)).toEqual([-1]);
    expect(edit.keptAs[50_000]).toBe(-1);
    expect(insertions(replaced, edit)).toEqual([[50_001, 'new']]);
    const appended = [...base, 'last'];
    expect(insertions(appended, diffLists(base, appended)!)).toEqual([[100_000, 'last']]);
    // Two edits far apart leave a 50 000 × 50 001 middle: beyond the cap.
    expect(diffLists(base, [...replaced, 'last'])).toBeUndefined();
  });

  it('finds a longest common subsequence and an edit that rebuilds the list (randomized)', () => {
    const random = new Random(20240601);
    for (let n = 0; n < 3000; n++) {
      const letters = ['a', 'b', 'c', 'd'].slice(0, 1 + random.below(4));
      const base = Array.from({ length: random.below(10) }, () => random.pick(letters));
      const edited = Array.from({ length: random.below(10) }, () => random.pick(letters));
      const edit = diffLists(base, edited)!;
      expect(replay(base, edited, edit)).toEqual(edited);
      const keptIndexes = kept(edit).filter((k) => k >= 0);
      expect(keptIndexes).toHaveLength(lcsLength(base, edited));
      // Kept items keep their order and are equal to their base item.
      expect([...keptIndexes].sort((x, y) => x - y)).toEqual(keptIndexes);
      edit.keptAs.forEach((k, i) => {
        if (k >= 0) expect(edited[k]).toBe(base[i]);
      });
    }
  });
});
