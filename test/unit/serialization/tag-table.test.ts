/**
 * The one table of Flask's default tags drives both ways of writing: the tagged tree (`toJSON`,
 * then `dumpsPythonJson`) and the fast path straight to text (`write`). These tests hold the two
 * against each other.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  dumpsPythonJson,
  Markup,
  NestingTooDeepError,
  TaggedJSONSerializer,
  Tuple,
  UnserializableValueError,
  UUID,
  type TagContext,
} from '../../../src/serialization/index.js';
import { DEFAULT_TAGS, type TextWriter } from '../../../src/serialization/tags.js';

/** A serializer on the tag-tree path: one extra tag that claims nothing turns the fast path off. */
function treeSerializer(): TaggedJSONSerializer {
  const serializer = new TaggedJSONSerializer();
  serializer.register({ key: ' never', check: () => false, toJSON: (v) => v, toValue: (v) => v });
  return serializer;
}

const fast = new TaggedJSONSerializer();
const tree = treeSerializer();
const context: TagContext = { tag: (value) => tree.tag(value), hasTag: (key) => tree.hasTag(key) };
const passDict = DEFAULT_TAGS[1]!;
const passList = DEFAULT_TAGS[3]!;
/** Writes nested values through the tag tree, so a tag's `write` is compared on its own. */
const treeWriter: TextWriter = {
  value: (value) => dumpsPythonJson(tree.tag(value)),
  list: (items) => dumpsPythonJson(passList.toJSON(items, context)),
  dict: (obj) => dumpsPythonJson(passDict.toJSON(obj, context)),
};

const withHtml = <T extends object>(value: T): T => Object.assign(value, { __html__: () => '<b>html</b>' });

/** Values each default tag claims, by the tag's position in the table. */
const SAMPLES: ReadonlyArray<readonly unknown[]> = [
  [{ ' t': [1, 2] }, { ' di': { x: 1 } }, { ' b': Tuple.of('a') }],
  [{}, { a: 1, b: [Tuple.of(1)] }, { ' t': 1, other: 2 }, { 'zoë': '😀', __proto__: null }],
  [Tuple.of(), Tuple.of<unknown>(1, 'two', Tuple.of(3)), Tuple.of<unknown>(new Date(0), new Uint8Array([1]))],
  [[], [1, [2, [3]]], [{ ' m': 'x' }, null, true, 1.5, 2n ** 64n]],
  [new Uint8Array([]), Buffer.from('hello'), new Uint8Array([0, 255, 128]).subarray(1)],
  [new Markup('<p>&amp;</p>'), withHtml(new Map()), withHtml(() => 'a function')],
  [new UUID('0f0e0d0c0b0a09080706050403020100'), new UUID('{12345678-1234-5678-1234-567812345678}')],
  [new Date(Date.UTC(2001, 8, 9, 1, 46, 40, 999)), new Date(Date.UTC(9999, 11, 31, 23, 59, 59))],
];

describe('the default tag table', () => {
  it("lists Flask's default tags in Flask's order", () => {
    // TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime
    expect(DEFAULT_TAGS.map((tag) => tag.key ?? 'pass')).toEqual([' di', 'pass', ' t', 'pass', ' b', ' m', ' u', ' d']);
    expect(SAMPLES).toHaveLength(DEFAULT_TAGS.length);
  });

  it.each(DEFAULT_TAGS.map((tag, index) => [tag.key ?? `pass-through #${index}`, index] as const))(
    'tag %j: write() gives the text of its tree form, for the values it claims first',
    (_name, index) => {
      const tag = DEFAULT_TAGS[index]!;
      for (const value of SAMPLES[index]!) {
        const claimedBy = DEFAULT_TAGS.findIndex((candidate) => candidate.check(value, context));
        expect(claimedBy).toBe(index);
        const json = tag.toJSON(value, context);
        const expected = dumpsPythonJson(tag.key === undefined ? json : { [tag.key]: json });
        expect(tag.write(value, 1, treeWriter)).toBe(expected);
        expect(fast.dumps(value)).toBe(tree.dumps(value));
      }
    },
  );

  it('gives a value several tags could claim to the first of them, on both paths', () => {
    const cases: Array<[unknown, string]> = [
      [withHtml(Tuple.of(1)), ' t'],
      [withHtml(new Uint8Array([1])), ' b'],
      [withHtml(new Date(0)), ' m'],
      [withHtml(new UUID('0f0e0d0c0b0a09080706050403020100')), ' m'],
      [withHtml([1]), 'list'],
      [{ ' u': new UUID('0f0e0d0c0b0a09080706050403020100') }, ' di'],
    ];
    for (const [value, winner] of cases) {
      const text = fast.dumps(value);
      expect(text).toBe(tree.dumps(value));
      expect(winner === 'list' ? text.startsWith('[') : text.startsWith(`{"${winner}":`)).toBe(true);
    }
  });

  it('refuses the same values with the same message and path on both paths', () => {
    const refused = [
      { a: [1, { b: new Date(Number.NaN) }] },
      { a: new Set([1]) },
      Tuple.of<unknown>(1, new Date(Number.NaN)),
      { list: [1, () => 2] },
      [undefined],
      { nested: { d: Symbol('s') } },
    ];
    for (const value of refused) {
      const fastError = catchError(() => fast.dumps(value));
      const treeError = catchError(() => tree.dumps(value));
      expect(fastError).toBeInstanceOf(UnserializableValueError);
      expect(treeError).toBeInstanceOf(UnserializableValueError);
      expect((fastError as UnserializableValueError).message).toBe((treeError as UnserializableValueError).message);
      expect((fastError as UnserializableValueError).path).toBe((treeError as UnserializableValueError).path);
    }
  });

  it('stops at the same nesting depth on both paths', () => {
    for (const wrap of [(v: unknown) => [v], (v: unknown) => ({ a: v }), (v: unknown) => ({ ' t': v })]) {
      let deepestFast = 0;
      let deepestTree = 0;
      let value: unknown = 1;
      for (let depth = 1; depth <= 1100; depth++) {
        value = wrap(value);
        if (!(catchError(() => fast.dumps(value)) instanceof NestingTooDeepError)) deepestFast = depth;
        if (!(catchError(() => tree.dumps(value)) instanceof NestingTooDeepError)) deepestTree = depth;
      }
      expect(deepestFast).toBeGreaterThan(100);
      expect(deepestFast).toBe(deepestTree);
    }
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
