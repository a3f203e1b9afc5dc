import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MAX_DIFF_CELLS } from '../../../src/merge/list-diff.js';
import { merge3, mergeSessionData, type MergeConflict, type MergeOptions } from '../../../src/merge/merge3.js';
import { MAX_DEPTH } from '../../../src/serialization/errors.js';
import { setOwn } from '../../../src/serialization/value-kinds.js';
import { Markup, Tuple, UUID } from '../../../src/serialization/values.js';
import { expectNoPollution } from '../serialization/pollution.js';
import { Random } from './random.js';

/** merge3 with the conflicts it reported. */
function mergeReporting(base: unknown, mine: unknown, theirs: unknown): { merged: unknown; conflicts: MergeConflict[] } {
  const conflicts: MergeConflict[] = [];
  const merged = merge3(base, mine, theirs, { onConflict: (c) => conflicts.push(c) });
  return { merged, conflicts };
}

function sessionMergeReporting(
  base: Record<string, unknown>,
  mine: Record<string, unknown>,
  theirs: Record<string, unknown>,
  changed: Iterable<string>,
): { merged: Record<string, unknown>; conflicts: MergeConflict[] } {
  const conflicts: MergeConflict[] = [];
  const options: MergeOptions = { onConflict: (c) => conflicts.push(c) };
  const merged = mergeSessionData(base, mine, theirs, new Set(changed), options);
  return { merged, conflicts };
}

const flash = (message: string, category = 'message'): Tuple<string> => Tuple.of(category, message);

describe('merge3: one side unchanged', () => {
  it('takes theirs when mine equals base, absent included', () => {
    expect(merge3(1, 1, 2)).toBe(2);
    expect(merge3({ a: [1] }, { a: [1] }, { b: 2 })).toEqual({ b: 2 });
    expect(merge3('x', 'x', undefined)).toBeUndefined();
    expect(merge3(undefined, undefined, 'new')).toBe('new');
  });

  it('takes mine when theirs equals base, absent included', () => {
    expect(merge3(1, 2, 1)).toBe(2);
    expect(merge3('x', undefined, 'x')).toBeUndefined();
    expect(merge3(undefined, [1], undefined)).toEqual([1]);
  });

  it('takes the common value when both made the same change, without a conflict', () => {
    const { merged, conflicts } = mergeReporting(1, 3, 3);
    expect(merged).toBe(3);
    expect(conflicts).toEqual([]);
    expect(mergeReporting('x', undefined, undefined)).toEqual({ merged: undefined, conflicts: [] });
    expect(mergeReporting({ a: 1 }, { a: 2, b: Tuple.of(1) }, { b: Tuple.of(1), a: 2 })).toEqual({ merged: { a: 2, b: Tuple.of(1) }, conflicts: [] });
    expect(mergeReporting(undefined, { id: 1 }, { id: 1 })).toEqual({ merged: { id: 1 }, conflicts: [] });
  });

  it('judges "unchanged" by value, not by reference', () => {
    const base = { cart: [{ sku: 'tea', qty: 1 }], seen: new Date(1000), avatar: Buffer.from('png') };
    const mine = { cart: [{ qty: 1, sku: 'tea' }], seen: new Date(1000), avatar: new Uint8Array(Buffer.from('png')) };
    const theirs = { cart: [{ sku: 'tea', qty: 2 }], seen: new Date(2000), avatar: Buffer.from('gif') };
    expect(mergeReporting(base, mine, theirs)).toEqual({ merged: theirs, conflicts: [] });
  });
});

describe('merge3: objects', () => {
  it('keeps the keys both sides added (cart.tea and cart.cake)', () => {
    const base = { cart: { scone: 1 } };
    const mine = { cart: { scone: 1, tea: 2 } };
    const theirs = { cart: { scone: 1, cake: 1 } };
    const { merged, conflicts } = mergeReporting(base, mine, theirs);
    expect(merged).toEqual({ cart: { scone: 1, cake: 1, tea: 2 } });
    expect(conflicts).toEqual([]);
  });

  it('deletes a nested key one side deleted and the other did not touch', () => {
    const base = { prefs: { theme: 'dark', lang: 'en' } };
    const mine = { prefs: { theme: 'dark' } };
    const theirs = { prefs: { theme: 'dark', lang: 'en', tz: 'UTC' } };
    expect(mergeReporting(base, mine, theirs)).toEqual({ merged: { prefs: { theme: 'dark', tz: 'UTC' } }, conflicts: [] });
    // The same deletion made by the other side.
    expect(merge3(base, theirs, mine)).toEqual({ prefs: { theme: 'dark', tz: 'UTC' } });
  });

  it('drops a key both sides deleted', () => {
    expect(merge3({ a: 1, b: 2, c: 3 }, { a: 1, c: 3 }, { a: 1, c: 4 })).toEqual({ a: 1, c: 4 });
  });

  it('orders keys as theirs, then the keys only mine has, in mine\'s order', () => {
    const merged = merge3({ a: 1, b: 1 }, { z: 1, a: 1, b: 1, m: 1 }, { b: 2, a: 1, t: 1 }) as object;
    expect(Object.keys(merged)).toEqual(['b', 'a', 't', 'z', 'm']);
  });

  it('merges nested objects at every depth and reports a conflict with its path', () => {
    const base = { user: { prefs: { theme: 'dark', size: 12 } } };
    const mine = { user: { prefs: { theme: 'light', size: 12 } } };
    const theirs = { user: { prefs: { theme: 'blue', size: 14 } } };
    const { merged, conflicts } = mergeReporting(base, mine, theirs);
    expect(merged).toEqual({ user: { prefs: { theme: 'light', size: 14 } } });
    expect(conflicts).toEqual([{ path: ['user', 'prefs', 'theme'], reason: 'both-changed', base: 'dark', mine: 'light', theirs: 'blue' }]);
  });

  it('lets this request\'s deletion of an object the other changed win, and reports it', () => {
    const { merged, conflicts } = mergeReporting({ user: { id: 1 } }, {}, { user: { id: 1, admin: true } });
    expect(merged).toEqual({});
    expect(conflicts).toEqual([{ path: ['user'], reason: 'both-changed', base: { id: 1 }, mine: undefined, theirs: { id: 1, admin: true } }]);
  });

  it('keeps this request\'s change of an object the other deleted, and reports it', () => {
    const { merged, conflicts } = mergeReporting({ user: { id: 1 } }, { user: { id: 1, name: 'a' } }, {});
    expect(merged).toEqual({ user: { id: 1, name: 'a' } });
    expect(conflicts.map((c) => [c.path, c.reason])).toEqual([[['user'], 'both-changed']]);
  });

  it('combines objects both sides created when they agree on shared keys', () => {
    const { merged, conflicts } = mergeReporting({}, { cart: { tea: 1, note: 'x' } }, { cart: { cake: 1, note: 'x' } });
    expect(merged).toEqual({ cart: { cake: 1, note: 'x', tea: 1 } });
    expect(conflicts).toEqual([]);
    // Base not an object at all: the same.
    expect(merge3(null, { tea: 1 }, { cake: 1 })).toEqual({ cake: 1, tea: 1 });
  });

  it('keeps this request\'s object whole when both created it and disagree (two sign-ins at once)', () => {
    const mine = { user: { id: 1, name: 'ann' } };
    const theirs = { user: { id: 2, name: 'bob', admin: true } };
    const { merged, conflicts } = mergeReporting({}, mine, theirs);
    expect(merged).toEqual({ user: { id: 1, name: 'ann' } });
    expect(conflicts).toEqual([{ path: ['user'], reason: 'created-differently', base: undefined, mine: mine.user, theirs: theirs.user }]);
    // A disagreement deep inside counts too.
    const deep = mergeReporting(undefined, { a: { b: { c: 1 } }, x: 1 }, { a: { b: { c: 2 } }, y: 1 });
    expect(deep.merged).toEqual({ a: { b: { c: 1 } }, x: 1 });
    expect(deep.conflicts.map((c) => [c.path, c.reason])).toEqual([[[], 'created-differently']]);
  });

  it('treats null-prototype objects as objects', () => {
    const base = Object.create(null) as Record<string, unknown>;
    base.a = 1;
    expect(merge3(base, { a: 1, b: 2 }, { a: 1, c: 3 })).toEqual({ a: 1, c: 3, b: 2 });
  });

  it('ignores keys whose value is undefined, as absent keys', () => {
    expect(merge3({ a: 1 }, { a: undefined, b: 1 }, { a: 1 })).toEqual({ b: 1 });
    expect(Object.keys(merge3({ a: 1 }, { a: 1, b: 1 }, { a: 1, c: undefined }) as object)).toEqual(['a', 'b']);
  });
});

describe('merge3: lists', () => {
  it('keeps both sides\' appends, theirs first', () => {
    const { merged, conflicts } = mergeReporting(['scone'], ['scone', 'tea'], ['scone', 'cake']);
    expect(merged).toEqual(['scone', 'cake', 'tea']);
    expect(conflicts).toEqual([]);
  });

  it('keeps both equal appends: each is an insertion', () => {
    // Two requests that each added the same flash (or cart item) added it twice, as they would
    // have one after the other; also when the item sits in a list inside an object.
    expect(mergeReporting(['a'], ['a', 'x'], ['a', 'x'])).toEqual({ merged: ['a', 'x', 'x'], conflicts: [] });
    expect(merge3({ _flashes: [] }, { _flashes: [flash('Saved')] }, { _flashes: [flash('Saved')] })).toStrictEqual({
      _flashes: [flash('Saved'), flash('Saved')],
    });
    expect(merge3({}, { cart: ['tea'] }, { cart: ['tea'] })).toEqual({ cart: ['tea', 'tea'] });
    expect(merge3(['a'], ['a', 'x', 'y'], ['a', 'x'])).toEqual(['a', 'x', 'x', 'y']);
    expect(merge3([], [{ sku: 'tea' }], [{ sku: 'tea' }, { sku: 'tea' }])).toEqual([{ sku: 'tea' }, { sku: 'tea' }, { sku: 'tea' }]);
  });

  it('keeps an item removed by this request removed and does not bring back one the other removed', () => {
    expect(merge3(['a', 'b', 'c'], ['a', 'c'], ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd']);
    expect(merge3(['a', 'b', 'c'], ['a', 'b', 'c', 'm'], ['b', 'c'])).toEqual(['b', 'c', 'm']);
    expect(merge3(['a', 'b', 'c'], ['b'], ['a', 'b'])).toEqual(['b']);
  });

  it('keeps inserts at their place in the list', () => {
    expect(merge3([1, 2, 3], [0, 1, 2, 3], [1, 2, 2.5, 3])).toEqual([0, 1, 2, 2.5, 3]);
    expect(merge3([1, 2, 3], [1, 'm', 2, 3], [1, 't', 2, 3])).toEqual([1, 't', 'm', 2, 3]);
  });

  it('flashes: theirs added one, mine consumed the old ones and added another → exactly the new ones remain', () => {
    const base = { _flashes: [flash('old 1'), flash('old 2')] };
    const theirs = { _flashes: [flash('old 1'), flash('old 2'), flash('theirs')] };
    const mine = { _flashes: [flash('mine', 'error')] };
    const { merged, conflicts } = sessionMergeReporting(base, mine, theirs, ['_flashes']);
    expect(merged).toStrictEqual({ _flashes: [flash('theirs'), flash('mine', 'error')] });
    expect(conflicts).toEqual([]);
  });

  it('flashes: a consumed list is deleted; a flash the other request added meanwhile stays', () => {
    const base = { _flashes: [flash('old')] };
    const theirs = { _flashes: [flash('old'), flash('new')] };
    const kept = sessionMergeReporting(base, {}, theirs, ['_flashes']);
    expect(kept.merged).toStrictEqual({ _flashes: [flash('new')] });
    expect(kept.conflicts).toEqual([]);
    // Nothing new: the key stays deleted, even if the other request rewrote the list to [].
    expect(sessionMergeReporting(base, {}, { _flashes: [] }, ['_flashes']).merged).toStrictEqual({});
    // The other request consumed them and this one flashed: only the new flash.
    expect(merge3([flash('old')], [flash('old'), flash('mine')], undefined)).toStrictEqual([flash('mine')]);
    // Both emptied the list, this one by writing []: an empty list.
    expect(merge3([flash('old')], [], undefined)).toStrictEqual([]);
  });

  it('flashes: two requests flash into a session that had none', () => {
    const { merged } = sessionMergeReporting({}, { _flashes: [flash('mine')] }, { _flashes: [flash('theirs')] }, ['_flashes']);
    expect(merged).toStrictEqual({ _flashes: [flash('theirs'), flash('mine')] });
  });

  it('keeps all of 50 concurrent pushes, in the order they were saved', () => {
    const base = { cart: ['seed'], n: 1 };
    let stored: Record<string, unknown> = base;
    for (let i = 0; i < 50; i++) {
      const mine = { ...base, cart: [...base.cart, `item ${i}`] };
      stored = mergeSessionData(base, mine, stored, new Set(['cart']));
    }
    expect(stored).toEqual({ cart: ['seed', ...Array.from({ length: 50 }, (_, i) => `item ${i}`)], n: 1 });
  });

  it('keeps all of 50 concurrent flashes into an empty session', () => {
    let stored: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) {
      stored = mergeSessionData({}, { _flashes: [flash(`flash ${i}`)] }, stored, new Set(['_flashes']));
    }
    expect(stored).toStrictEqual({ _flashes: Array.from({ length: 50 }, (_, i) => flash(`flash ${i}`)) });
  });

  it('treats a Tuple as one value: a Tuple both changed is this request\'s', () => {
    const { merged, conflicts } = mergeReporting(Tuple.of('a', 'b'), Tuple.of('a', 'c'), Tuple.of('x', 'b'));
    expect(merged).toStrictEqual(Tuple.of('a', 'c'));
    expect(conflicts.map((c) => c.reason)).toEqual(['both-changed']);
    // A list and a Tuple are different kinds.
    expect(mergeReporting(['a'], ['a', 'b'], Tuple.of('a')).conflicts).toHaveLength(1);
  });

  it('matches list items by value: Tuples, objects, bytes, dates, UUIDs, Markup', () => {
    const make = (): unknown[] => [
      flash('hi'),
      { sku: 'tea', qty: 1 },
      Buffer.from([1, 2]),
      new Date(5000),
      new UUID('12345678123456781234567812345678'),
      new Markup('<b>x</b>'),
    ];
    const base = make();
    const mine = [...make().slice(1), 'mine'];
    const theirs = [...make(), 'theirs'];
    expect(merge3(base, mine, theirs)).toStrictEqual([...make().slice(1), 'theirs', 'mine']);
  });

  it('merges lists both sides created', () => {
    expect(merge3(undefined, [1, 2], [3])).toEqual([3, 1, 2]);
    expect(merge3('not a list', ['m'], ['t'])).toEqual(['t', 'm']);
  });

  it('makes a list change against a non-list a conflict where this request wins', () => {
    const { merged, conflicts } = mergeReporting([1], [1, 2], 'replaced');
    expect(merged).toEqual([1, 2]);
    expect(conflicts.map((c) => c.reason)).toEqual(['both-changed']);
    expect(mergeReporting([1], 'mine', [1, 2]).merged).toBe('mine');
  });

  it('merges edits of a long list with small changes at one place exactly (prefix/suffix trimming)', () => {
    const base = Array.from({ length: 100_000 }, (_, i) => i);
    const mine = [...base.slice(0, 40_000), 'mine', ...base.slice(40_001)];
    const theirs = [...base.slice(0, 99_999), 'theirs'];
    const expected = [...base.slice(0, 40_000), 'mine', ...base.slice(40_001, 99_999), 'theirs'];
    expect(mergeReporting(base, mine, theirs)).toEqual({ merged: expected, conflicts: [] });
  });

  it('merges lists whose changed middles are at MAX_DIFF_CELLS', () => {
    const side = Math.floor(Math.sqrt(MAX_DIFF_CELLS));
    const base = Array.from({ length: side }, (_, i) => i);
    const mine = base.map((i) => -1 - i);
    const { merged, conflicts } = mergeReporting(base, mine, [...base, 'theirs']);
    expect(merged).toEqual(['theirs', ...mine]);
    expect(conflicts).toEqual([]);
  });

  it('keeps this request\'s list whole beyond MAX_DIFF_CELLS, and reports it', () => {
    const side = Math.floor(Math.sqrt(MAX_DIFF_CELLS)) + 1;
    const base = Array.from({ length: side }, (_, i) => i);
    const mine = base.map((i) => -1 - i);
    const theirs = [...base, 'theirs'];
    const { merged, conflicts } = mergeReporting({ list: base }, { list: mine }, { list: theirs });
    expect(merged).toEqual({ list: mine });
    expect(conflicts).toEqual([{ path: ['list'], reason: 'list-too-large', base, mine, theirs }]);
    // Too large on the other side's edit: the same.
    expect(mergeReporting(base, [...base, 'mine'], mine).conflicts.map((c) => c.reason)).toEqual(['list-too-large']);
  });
});

describe('merge3: scalars and type changes', () => {
  it('keeps this request\'s value when both changed it ("the later write wins") and reports it', () => {
    const { merged, conflicts } = mergeReporting({ page: 1 }, { page: 2 }, { page: 3 });
    expect(merged).toEqual({ page: 2 });
    expect(conflicts).toEqual([{ path: ['page'], reason: 'both-changed', base: 1, mine: 2, theirs: 3 }]);
  });

  it('counters: two increments of the same value lose one (update(key, fn) is the way to count)', () => {
    // Both requests read 1 and wrote 2: nothing tells the merge that two increments happened.
    expect(mergeReporting({ views: 1 }, { views: 2 }, { views: 2 })).toEqual({ merged: { views: 2 }, conflicts: [] });
    // Different results: this request's wins, reported.
    const { merged, conflicts } = mergeReporting({ views: 1 }, { views: 2 }, { views: 5 });
    expect(merged).toEqual({ views: 2 });
    expect(conflicts).toHaveLength(1);
  });

  it('keeps this request\'s value across type changes', () => {
    expect(merge3('x', 1, true)).toBe(1);
    expect(merge3({ a: 1 }, 'flat', { a: 2 })).toBe('flat');
    expect(merge3({ a: 1 }, { a: 2 }, 'flat')).toEqual({ a: 2 });
    expect(merge3(1, null, 2)).toBeNull();
    expect(merge3(1, 1n, 2)).toBe(1n);
  });

  it('tells -0 from 0 and bigint from number when deciding what changed', () => {
    expect(merge3(0, -0, 5)).toBe(-0);
    expect(Object.is(merge3(0, 0, -0), -0)).toBe(true);
    expect(merge3(2n ** 64n, 2n ** 64n, 7)).toBe(7);
    expect(merge3(5, 5n, 5)).toBe(5n);
  });

  it('compares bytes, dates, UUIDs and Markup by value', () => {
    expect(merge3(Buffer.from('a'), new Uint8Array([97]), Buffer.from('b'))).toStrictEqual(Buffer.from('b'));
    const bytes = mergeReporting(Buffer.from('a'), Buffer.from('m'), Buffer.from('t'));
    expect(bytes.merged).toStrictEqual(Buffer.from('m'));
    expect(bytes.conflicts).toHaveLength(1);
    expect(merge3(new Date(1000), new Date(1000), new Date(2000))).toEqual(new Date(2000));
    expect(merge3(new Date(1000), new Date(3000), new Date(2000))).toEqual(new Date(3000));
    const id = '12345678123456781234567812345678';
    expect(merge3(new UUID(id), new UUID(id.toUpperCase()), 'gone')).toBe('gone');
    expect(merge3(new Markup('a'), new Markup('a'), new Markup('b'))).toEqual(new Markup('b'));
  });
});

describe('mergeSessionData', () => {
  it('takes unchanged keys from theirs and merges the changed ones', () => {
    const base = { user: 1, cart: ['a'], page: 1 };
    const mine = { user: 1, cart: ['a', 'm'], page: 9 }; // page changed without being tracked
    const theirs = { user: 2, cart: ['a', 't'], page: 3 };
    const { merged, conflicts } = sessionMergeReporting(base, mine, theirs, ['cart']);
    expect(merged).toEqual({ user: 2, cart: ['a', 't', 'm'], page: 3 });
    expect(conflicts).toEqual([]);
  });

  it('adds keys only this request has, after theirs\' keys', () => {
    const { merged } = sessionMergeReporting({ a: 1 }, { a: 1, mine: 1 }, { a: 1, theirs: 1 }, ['mine']);
    expect(Object.keys(merged)).toEqual(['a', 'theirs', 'mine']);
  });

  it('deletes a key this request deleted; if the other changed it, the deletion wins and is reported', () => {
    const untouched = sessionMergeReporting({ a: 1, b: 1 }, { b: 1 }, { a: 1, b: 2 }, ['a']);
    expect(untouched).toEqual({ merged: { b: 2 }, conflicts: [] });
    const changed = sessionMergeReporting({ a: 1 }, {}, { a: 2 }, ['a']);
    expect(changed.merged).toEqual({});
    expect(changed.conflicts).toEqual([{ path: ['a'], reason: 'both-changed', base: 1, mine: undefined, theirs: 2 }]);
  });

  it('keeps a key the other request deleted deleted unless this request changed it', () => {
    expect(sessionMergeReporting({ a: 1, b: 1 }, { a: 1, b: 2 }, { b: 1 }, ['b']).merged).toEqual({ b: 2 });
    const revived = sessionMergeReporting({ a: 1 }, { a: 2 }, {}, ['a']);
    expect(revived.merged).toEqual({ a: 2 });
    expect(revived.conflicts.map((c) => c.path)).toEqual([['a']]);
  });

  it('gives the other request\'s value when this request set a key to the value it already had', () => {
    expect(sessionMergeReporting({ page: 3 }, { page: 3 }, { page: 4 }, ['page']).merged).toEqual({ page: 4 });
  });

  it('keeps __proto__ and other Object.prototype names as plain keys', () => {
    const base = JSON.parse('{"__proto__": {"a": 1}, "x": 1}') as Record<string, unknown>;
    const mine = JSON.parse('{"__proto__": {"a": 1, "m": 1}, "x": 1, "constructor": "mine"}') as Record<string, unknown>;
    const theirs = JSON.parse('{"__proto__": {"a": 1, "t": 1}, "x": 1, "toString": "theirs"}') as Record<string, unknown>;
    const merged = mergeSessionData(base, mine, theirs, new Set(['__proto__', 'constructor', 'toString', 'hasOwnProperty']));
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(['__proto__', 'x', 'toString', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value).toEqual({ a: 1, t: 1, m: 1 });
    expect(merged.toString).toBe('theirs');
    expect(merged.constructor).toBe('mine');
    expectNoPollution(merged);

    // A __proto__ key added on one side only, nested, through merge3.
    const added: Record<string, unknown> = {};
    setOwn(added, '__proto__', { polluted: true });
    const nested = merge3({ o: {} }, { o: added }, { o: { b: 1 } }) as { o: Record<string, unknown> };
    expect(Object.hasOwn(nested.o, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(nested.o)).toBe(Object.prototype);
    expectNoPollution(nested);
  });
});

describe('merge3: purity', () => {
  const make = (): [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>] => [
    { cart: [{ sku: 'tea' }], prefs: { a: 1 }, bytes: Buffer.from('x'), _flashes: [flash('old')], when: new Date(1) },
    { cart: [{ sku: 'tea' }, { sku: 'cake' }], prefs: { a: 1, b: 2 }, bytes: Buffer.from('y'), when: new Date(1) },
    { cart: [{ sku: 'tea' }, { sku: 'scone' }], prefs: { c: 3 }, bytes: Buffer.from('z'), _flashes: [flash('old'), flash('new')], when: new Date(2) },
  ];

  it('never mutates its inputs and returns new containers where it merged', () => {
    const [base, mine, theirs] = make();
    const merged = merge3(base, mine, theirs) as Record<string, unknown>;
    expect([base, mine, theirs]).toStrictEqual(make());
    expect(merged).not.toBe(mine);
    expect(merged).not.toBe(theirs);
    expect(merged.cart).not.toBe(mine.cart);
    expect(merged.cart).not.toBe(theirs.cart);
    (merged.cart as unknown[]).push('more');
    (merged.prefs as Record<string, unknown>).d = 4;
    expect([base, mine, theirs]).toStrictEqual(make());
  });

  it('gives the same result, key order included, for the same inputs', () => {
    const first = merge3(...make());
    const second = merge3(...make());
    expect(second).toStrictEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(first).toStrictEqual({
      cart: [{ sku: 'tea' }, { sku: 'scone' }, { sku: 'cake' }],
      prefs: { c: 3, b: 2 },
      bytes: Buffer.from('y'),
      _flashes: [flash('new')],
      when: new Date(2),
    });
  });

  it('survives values nested deeper than can be stored, and circular ones', () => {
    const chain = (leaf: unknown): Record<string, unknown> => {
      let value: Record<string, unknown> = { leaf };
      for (let i = 0; i < MAX_DEPTH + 5; i++) value = { next: value };
      return value;
    };
    const deep = mergeReporting(chain(0), chain(1), chain(2));
    expect(deep.merged).toBeDefined();
    expect(deep.conflicts).toHaveLength(1);

    const mine: Record<string, unknown> = { m: 1 };
    mine.self = mine;
    const theirs: Record<string, unknown> = { t: 1 };
    theirs.self = theirs;
    const circular = mergeReporting({ self: {} }, mine, theirs);
    expect(circular.conflicts).toHaveLength(1);
    expect((circular.merged as Record<string, unknown>).t).toBe(1);
    expect((circular.merged as Record<string, unknown>).m).toBe(1);
  });
});

describe('merge3: randomized properties', () => {
  /** Each style gives a token a fresh value (and reads it back), so matching relies on comparing by value. */
  interface Style {
    make(token: string): unknown;
    token(value: unknown): string;
  }
  const styles: Style[] = [
    { make: (token) => token, token: (value) => value as string },
    { make: (token) => flash(token), token: (value) => (value as Tuple<string>)[1]! },
    { make: (token) => ({ id: token, qty: token.length }), token: (value) => (value as { id: string }).id },
    { make: (token) => [token, Buffer.from(token)], token: (value) => (value as [string])[0] },
  ];

  /** Removes each base item with probability 0.3 and inserts `inserts` fresh tokens at random places. */
  function edit(random: Random, base: readonly string[], prefix: string): { list: string[]; inserted: string[] } {
    const list = base.filter(() => !random.chance(0.3));
    const inserted: string[] = [];
    const count = random.below(4);
    for (let i = 0; i < count; i++) {
      const token = `${prefix}${i}`;
      list.splice(random.below(list.length + 1), 0, token);
      inserted.push(token);
    }
    return { list, inserted };
  }

  it('keeps every inserted item once, drops every removed item, and keeps both sides\' order', () => {
    const random = new Random(0xc0ffee);
    for (let n = 0; n < 3000; n++) {
      const style = random.pick(styles);
      const base = Array.from({ length: random.below(12) }, (_, i) => `b${i}`);
      const mine = edit(random, base, 'm');
      const theirs = edit(random, base, 't');
      const conflicts: MergeConflict[] = [];
      const values = (list: readonly string[]): unknown[] => list.map((token) => style.make(token));
      const merged = merge3(values(base), values(mine.list), values(theirs.list), { onConflict: (c) => conflicts.push(c) }) as unknown[] | undefined;
      const tokens = (merged ?? []).map((value) => style.token(value));
      const keptByBoth = base.filter((b) => mine.list.includes(b) && theirs.list.includes(b));
      const expected = new Set([...keptByBoth, ...mine.inserted, ...theirs.inserted]);
      expect(conflicts).toEqual([]);
      expect(tokens).toHaveLength(expected.size);
      expect(new Set(tokens)).toEqual(expected);
      // Both sides' own order survives.
      expect(tokens.filter((t) => theirs.list.includes(t))).toEqual(theirs.list.filter((t) => expected.has(t)));
      expect(tokens.filter((t) => mine.list.includes(t))).toEqual(mine.list.filter((t) => expected.has(t)));
      // Deterministic.
      expect(merge3(values(base), values(mine.list), values(theirs.list))).toStrictEqual(merged);
    }
  });

  it('with repeated items: inserts add up, kept items are bounded by what both sides kept', () => {
    const random = new Random(0xbadcafe);
    const count = (list: readonly string[], item: string): number => list.filter((x) => x === item).length;
    for (let n = 0; n < 3000; n++) {
      const base = Array.from({ length: random.below(9) }, () => random.pick(['a', 'b', 'c']));
      const side = (): string[] => {
        const list = base.filter(() => !random.chance(0.3));
        for (let i = random.below(4); i > 0; i--) list.splice(random.below(list.length + 1), 0, random.pick(['x', 'y']));
        return list;
      };
      const mine = side();
      const theirs = side();
      const merged = (merge3(base, mine, theirs) ?? []) as string[];
      for (const inserted of ['x', 'y']) expect(count(merged, inserted)).toBe(count(mine, inserted) + count(theirs, inserted));
      for (const item of ['a', 'b', 'c']) {
        const [m, t, b] = [count(mine, item), count(theirs, item), count(base, item)];
        expect(count(merged, item)).toBeLessThanOrEqual(Math.min(m, t));
        expect(count(merged, item)).toBeGreaterThanOrEqual(Math.max(0, m + t - b));
      }
    }
  });

  it('merges objects key by key: one side\'s change wins over no change, mine over theirs', () => {
    const random = new Random(0xfeed);
    for (let n = 0; n < 3000; n++) {
      const base: Record<string, number> = {};
      for (let k = 0; k < 8; k++) if (random.chance(0.7)) base[`k${k}`] = random.below(3);
      // Each side deletes, changes or adds keys; values come from a small range, so sides
      // sometimes make the same change.
      const change = (): Record<string, number> => {
        const out: Record<string, number> = {};
        for (let k = 0; k < 8; k++) {
          const key = `k${k}`;
          const roll = random.next();
          if (roll < 0.15) continue; // deleted (or left absent)
          if (roll < 0.45) out[key] = random.below(3);
          else if (key in base) out[key] = base[key]!;
        }
        return out;
      };
      const mine = change();
      const theirs = change();
      const conflicts: MergeConflict[] = [];
      const merged = merge3(base, mine, theirs, { onConflict: (c) => conflicts.push(c) }) as Record<string, number>;
      let expectedConflicts = 0;
      for (let k = 0; k < 8; k++) {
        const key = `k${k}`;
        const [b, m, t] = [base[key], mine[key], theirs[key]];
        const expected = m === b ? t : t === b ? m : m;
        if (m !== b && t !== b && m !== t) expectedConflicts++;
        expect(merged[key]).toBe(expected);
        expect(key in merged).toBe(expected !== undefined);
      }
      expect(conflicts).toHaveLength(expectedConflicts);
    }
  });
});
