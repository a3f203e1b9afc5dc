import { describe, expect, it } from 'vitest';
import { Session, SessionNotLoadedError, Tuple } from '../../src/index.js';
import { sessionInternals } from '../../src/session-internals.js';

const internals = sessionInternals();

const fingerprint = (value: unknown) => JSON.stringify(value);

describe('Session', () => {
  it('behaves like a dict and tracks accessed/modified', () => {
    const s = new Session<{ user?: string; n?: number }>({ data: { user: 'alice' } });
    expect(s.accessed).toBe(false);
    expect(s.modified).toBe(false);
    expect(s.get('user')).toBe('alice');
    expect(s.accessed).toBe(true);
    expect(s.modified).toBe(false);
    s.set('n', 1);
    expect(s.modified).toBe(true);
    expect(s.has('n')).toBe(true);
    expect(s.keys().sort()).toEqual(['n', 'user']);
    expect(s.pop('n')).toBe(1);
    expect(s.has('n')).toBe(false);
    expect(s.get('n', 5)).toBe(5);
    expect(s.delete('user')).toBe(true);
    expect(s.delete('user')).toBe(false);
    expect(s.size).toBe(0);
  });

  it('setting undefined deletes the key', () => {
    const s = new Session<{ a?: number }>({ data: { a: 1 } });
    s.set('a', undefined);
    expect(s.has('a')).toBe(false);
    expect(internals.changedKeys(s)).toEqual(new Set(['a']));
  });

  it('stores permanent as _permanent exactly as Flask\'s setter does: false too, in place', () => {
    const s = new Session({ data: {} });
    expect(s.permanent).toBe(false);
    s.permanent = true;
    expect(internals.snapshotData(s)).toEqual({ _permanent: true });
    s.permanent = false;
    expect(internals.snapshotData(s)).toEqual({ _permanent: false });
    expect(s.permanent).toBe(false);
    expect(internals.changedKeys(s)).toEqual(new Set(['_permanent']));
    // An existing flag keeps its place among the keys, as a Python dict assignment does.
    const ordered = new Session({ data: { _permanent: true, a: 1 } });
    ordered.permanent = false;
    expect(Object.keys(internals.snapshotData(ordered))).toEqual(['_permanent', 'a']);
  });

  it('assigning permanent marks the session modified even when the value is unchanged', () => {
    const s = new Session({ data: { a: 1, _permanent: true } });
    expect(s.modified).toBe(false);
    s.permanent = true;
    expect(s.modified).toBe(true);
    expect(internals.needsSave(s)).toBe(true);
    const off = new Session({ data: { a: 1 } });
    off.permanent = false;
    expect(off.modified).toBe(true);
    expect(internals.snapshotData(off)).toEqual({ a: 1, _permanent: false });
  });

  it('stores flashes as a list of (category, message) tuples and consumes them', () => {
    const s = new Session({ data: {} });
    s.flash('Saved');
    s.flash('Careful', 'warning');
    const stored = internals.snapshotData(s)._flashes as unknown[];
    expect(stored).toHaveLength(2);
    expect(stored[0]).toBeInstanceOf(Tuple);
    expect([...(stored[0] as Tuple)]).toEqual(['message', 'Saved']);
    expect(s.consumeFlashes({ categories: ['warning'] })).toEqual([{ category: 'warning', message: 'Careful' }]);
    expect(s.peekFlashes()).toEqual([{ category: 'message', message: 'Saved' }]);
    expect(s.consumeFlashes()).toEqual([{ category: 'message', message: 'Saved' }]);
    expect(s.has('_flashes')).toBe(false);
    expect(s.consumeFlashes()).toEqual([]);
  });

  it('detects in-place changes of values read from it, and only those', () => {
    const s = new Session<{ cart?: number[]; other?: { a: number } }>({ data: { cart: [1], other: { a: 1 } }, backend: { fingerprint } });
    s.get('cart')!.push(2);
    s.get('other');
    expect(s.modified).toBe(false);
    expect(internals.needsSave(s)).toBe(true);
    expect(internals.changedKeys(s)).toEqual(new Set(['cart']));
  });

  it('does not report a change when a read value was left alone', () => {
    const s = new Session<{ cart?: number[] }>({ data: { cart: [1] }, backend: { fingerprint } });
    expect(s.get('cart')).toEqual([1]);
    expect(internals.needsSave(s)).toBe(false);
  });

  it('serializes nothing when the session is never read', () => {
    let calls = 0;
    const s = new Session({ data: { cart: [1] }, backend: { fingerprint: (v) => (calls++, fingerprint(v)) } });
    expect(internals.needsSave(s)).toBe(false);
    s.set('x', 1);
    expect(internals.needsSave(s)).toBe(true);
    expect(calls).toBe(0);
  });

  it('keeps __proto__ as plain data', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const s = new Session({ data });
    expect(s.has('__proto__')).toBe(true);
    const copy = s.toObject() as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('clear() empties and marks modified; destroy() empties and can be written again', () => {
    const s = new Session({ data: { a: 1, b: 2 } });
    s.clear();
    expect(s.size).toBe(0);
    expect(internals.cleared(s)).toBe(true);
    expect(internals.changedKeys(s)).toEqual(new Set(['a', 'b']));
    const d = new Session({ data: { a: 1 } });
    d.destroy();
    expect(internals.destroyed(d)).toBe(true);
    expect(d.size).toBe(0);
    d.flash('Logged out');
    expect(d.peekFlashes()).toEqual([{ category: 'message', message: 'Logged out' }]);
  });

  it('clear() marks even an empty session modified, as Flask\'s dict does', () => {
    const s = new Session({ data: {} });
    s.clear();
    expect(s.modified).toBe(true);
    expect(internals.cleared(s)).toBe(true);
  });

  it('clear() keeps the permanent flag first when the interface asks (Flask-Session)', () => {
    const kept = new Session({ data: { a: 1, _permanent: true }, backend: { keepsPermanentOnClear: true } });
    kept.clear();
    expect(internals.snapshotData(kept)).toEqual({ _permanent: true });
    kept.set('b', 2);
    expect(Object.keys(internals.snapshotData(kept))).toEqual(['_permanent', 'b']);
    expect(internals.changedKeys(kept)).toEqual(new Set(['a', '_permanent', 'b']));
    const unset = new Session({ data: { a: 1 }, backend: { keepsPermanentOnClear: true } });
    unset.clear();
    expect(internals.snapshotData(unset)).toEqual({ _permanent: false });
    const flask = new Session({ data: { a: 1, _permanent: true } });
    flask.clear();
    expect(internals.snapshotData(flask)).toEqual({});
  });

  it('loads lazily from a synchronous source, once', () => {
    let loads = 0;
    const s = new Session({ backend: { loadSync: () => (loads++, { a: 1 }) } });
    expect(s.loaded).toBe(false);
    expect(loads).toBe(0);
    expect(s.get('a')).toBe(1);
    expect(s.get('a')).toBe(1);
    expect(loads).toBe(1);
  });

  it('an async source must be loaded before use', async () => {
    const s = new Session({ backend: { loadAsync: async () => ({ a: 1 }) } });
    expect(() => s.get('a')).toThrow(SessionNotLoadedError);
    const [first, second] = await Promise.all([s.load(), s.load()]);
    expect(first).toBe(s);
    expect(second).toBe(s);
    expect(s.get('a')).toBe(1);
  });

  it('a failed async load can be retried', async () => {
    let attempt = 0;
    const s = new Session({
      backend: {
        loadAsync: async () => {
          if (attempt++ === 0) throw new Error('down');
          return { a: 2 };
        },
      },
    });
    await expect(s.load()).rejects.toThrow('down');
    expect(s.loaded).toBe(false);
    await s.load();
    expect(s.get('a')).toBe(2);
  });

  it('setDefault and update work like dict.setdefault / dict.update', () => {
    const s = new Session<{ a?: number; b?: number }>({ data: { a: 1 } });
    expect(s.setDefault('a', 9)).toBe(1);
    expect(s.setDefault('b', 2)).toBe(2);
    s.update({ a: 3 });
    expect(s.toObject()).toEqual({ a: 3, b: 2 });
  });

  it('update(key, fn) runs fn on the current value now, stores and returns its result', () => {
    const s = new Session<{ n?: number; cart?: string[] }>({ data: { n: 1 } });
    expect(s.update('n', (n = 0) => n + 1)).toBe(2);
    expect(s.update('cart', (cart = []) => [...cart, 'tea'])).toEqual(['tea']);
    expect(s.toObject()).toEqual({ n: 2, cart: ['tea'] });
    expect(s.modified).toBe(true);
    expect(internals.changedKeys(s)).toEqual(new Set(['n', 'cart']));
    expect(s.update('n', () => undefined)).toBeUndefined();
    expect(s.has('n')).toBe(false);
    // An untyped session: the parameter's type says what the value is.
    const untyped = new Session({ data: {} });
    const visits: number = untyped.update('visits', (v: number | undefined = 0) => v + 1);
    expect(visits).toBe(1);
  });

  it('update(key, fn) records its calls in order, per key, to be re-run against a concurrent write', () => {
    const s = new Session<{ n?: number; m?: number }>({ data: {} });
    const inc = (n = 0): number => n + 1;
    const double = (n = 0): number => n * 2;
    s.update('n', inc);
    s.update('m', inc);
    s.update('n', double);
    const updates = internals.recordedUpdates(s);
    expect([...updates.keys()]).toEqual(['n', 'm']);
    expect(updates.get('n')).toEqual([inc, double]);
    expect(updates.get('m')).toEqual([inc]);
    internals.adopt(s, { data: internals.snapshotData(s), updatesWritten: true });
    expect(internals.recordedUpdates(s).size).toBe(0);
  });

  it('a direct write of a key, before or after update(key, fn), makes it an ordinary changed key', () => {
    const s = new Session<{ a?: number; b?: number; c?: number; d?: number; _flashes?: unknown[] }>({ data: { a: 1, b: 1, c: 1, d: 1 } });
    const inc = (n = 0): number => n + 1;
    s.update('a', inc);
    s.set('a', 10); // set after update: the set wins
    s.set('b', 5);
    expect(s.update('b', inc)).toBe(6); // set before update: computed from the set value, not re-run
    s.update('c', inc);
    s.delete('c');
    s.update('d', inc);
    s.pop('d');
    s.flash('hello');
    s.update('_flashes', (flashes) => flashes);
    expect(internals.recordedUpdates(s).size).toBe(0);
    expect(s.toObject()).toMatchObject({ a: 10, b: 6 });

    const cleared = new Session<{ n?: number }>({ data: { n: 1 } });
    cleared.clear();
    cleared.update('n', inc);
    expect(internals.recordedUpdates(cleared).size).toBe(0);
    cleared.destroy();
    expect(internals.recordedUpdates(cleared).size).toBe(0);
  });

  it('a value changed in place before or after update(key, fn) is a direct write', () => {
    const s = new Session<{ before?: string[]; after?: string[]; kept?: string[] }>({
      data: { before: ['x'], after: ['x'], kept: ['x'] },
      backend: { fingerprint },
    });
    s.get('before')!.push('in place');
    s.update('before', (list = []) => [...list, 'fn']);
    s.update('after', (list = []) => [...list, 'fn']);
    s.get('after')!.push('in place');
    // fn may change the value it is given in place.
    s.update('kept', (list = []) => (list.push('fn'), list));
    expect([...internals.recordedUpdates(s).keys()]).toEqual(['kept']);
    expect(s.toObject()).toEqual({ before: ['x', 'in place', 'fn'], after: ['x', 'fn', 'in place'], kept: ['x', 'fn'] });
  });

  it('update(key, value) is a TypeError that says what to call instead', () => {
    const s = new Session<{ n?: number }>({ data: {} });
    expect(() => s.update('n', 5 as never)).toThrow(TypeError);
    expect(() => s.update('n', 5 as never)).toThrow(/takes a function as its second argument, got number; to store a value use session\.set\(key, value\)/);
    expect(() => s.update('n', null as never)).toThrow(/got null/);
    expect(() => (s.update as (...args: unknown[]) => unknown)({ n: 1 }, () => 1)).toThrow(/session\.update\(values\) takes one object/);
    expect(s.has('n')).toBe(false);
    expect(() => s.update('n', () => {
      throw new Error('fn failed');
    })).toThrow('fn failed');
    expect(s.has('n')).toBe(false);
    expect(s.modified).toBe(false);
  });
});
