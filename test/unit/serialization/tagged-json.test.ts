import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import {
  DuplicateTagError,
  JsonSyntaxError,
  Markup,
  MalformedTagError,
  NestingTooDeepError,
  TaggedJSONSerializer,
  Tuple,
  UnserializableValueError,
  UUID,
  type TagDefinition,
} from '../../../src/serialization/index.js';
import { expectNoPollution } from './pollution.js';

const s = new TaggedJSONSerializer();

describe('TaggedJSONSerializer.dumps: tags', () => {
  it.each<[string, unknown, string]>([
    ['tuple', { t: Tuple.of<unknown>(1, 2, Tuple.of(3)) }, '{"t":{" t":[1,2,{" t":[3]}]}}'],
    ['empty tuple', Tuple.of(), '{" t":[]}'],
    ['flashes', { _flashes: [Tuple.of('message', 'Welcome back')] }, '{"_flashes":[{" t":["message","Welcome back"]}]}'],
    ['bytes', { b: Buffer.from('AAFiaW5hcnn/', 'base64') }, '{"b":{" b":"AAFiaW5hcnn/"}}'],
    ['Uint8Array', new Uint8Array([0, 1, 2]), '{" b":"AAEC"}'],
    ['empty bytes', new Uint8Array(0), '{" b":""}'],
    ['markup', { m: new Markup('<i>hi</i>') }, '{"m":{" m":"<i>hi</i>"}}'],
    ['markup unicode', new Markup('é'), '{" m":"\\u00e9"}'],
    ['uuid', { u: new UUID('0f0e0d0c-0b0a-0908-0706-050403020100') }, '{"u":{" u":"0f0e0d0c0b0a09080706050403020100"}}'],
    ['date', { d: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)) }, '{"d":{" d":"Wed, 02 Jan 2030 03:04:05 GMT"}}'],
    ['tag key dict', { ' t': [1] }, '{" di":{" t__":[1]}}'],
    ['di key dict', { ' di': { x: 1 } }, '{" di":{" di__":{"x":1}}}'],
    ['di twice', { ' di': { ' t': Tuple.of(1) } }, '{" di":{" di__":{" di":{" t__":{" t":[1]}}}}}'],
    ['tag-like keys among others', { ' t': 1, ' m': 2 }, '{" m":2," t":1}'],
    ['unregistered tag-like key', { ' x': 1 }, '{" x":1}'],
    ['tag key suffixed', { ' t__': 1 }, '{" t__":1}'],
    ['undefined siblings do not count', { ' t': [1], other: undefined }, '{" di":{" t__":[1]}}'],
  ])('%s', (_name, value, text) => {
    expect(s.dumps(value)).toBe(text);
  });

  it('writes a Uint8Array view without the rest of its buffer', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    expect(s.dumps(whole.subarray(2, 5))).toBe('{" b":"AQID"}');
  });

  it('drops milliseconds from dates', () => {
    expect(s.dumps(new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 999)))).toBe('{" d":"Wed, 02 Jan 2030 03:04:05 GMT"}');
  });

  it("tags any object with __html__() as Markup, in Flask's order", () => {
    class Safe {
      __html__(): string {
        return '<b>safe</b>';
      }
    }
    expect(s.dumps(new Safe())).toBe('{" m":"<b>safe</b>"}');
    // TagMarkup comes before TagUUID and TagDateTime...
    const uuidWithHtml = Object.assign(new UUID('00000000000000000000000000000001'), { __html__: () => 'u' });
    expect(s.dumps(uuidWithHtml)).toBe('{" m":"u"}');
    const dateWithHtml = Object.assign(new Date(0), { __html__: () => 'd' });
    expect(s.dumps(dateWithHtml)).toBe('{" m":"d"}');
    // ...and after TagBytes and the containers.
    const bytesWithHtml = Object.assign(new Uint8Array([1]), { __html__: () => 'b' });
    expect(s.dumps(bytesWithHtml)).toBe('{" b":"AQ=="}');
    const listWithHtml = Object.assign([1], { __html__: () => 'l' });
    expect(s.dumps(listWithHtml)).toBe('[1]');
  });

  it('refuses what Flask cannot carry, saying where', () => {
    expect(() => s.dumps({ a: [1, new Map()] })).toThrow(UnserializableValueError);
    expect(() => s.dumps({ a: [1, new Map()] })).toThrow('at $.a[1]');
    expect(() => s.dumps({ t: Tuple.of<unknown>(1, () => 2) })).toThrow('at $.t[1]');
    expect(() => s.dumps({ ' t': [Symbol('x')] })).toThrow('at $[" t"][0]');
    expect(() => s.dumps(new Set())).toThrow(UnserializableValueError);
    expect(() => s.dumps([undefined])).toThrow(UnserializableValueError);
  });

  it('refuses a Date Python cannot hold', () => {
    expect(() => s.dumps({ d: new Date(NaN) })).toThrow(UnserializableValueError);
    expect(() => s.dumps({ d: new Date(NaN) })).toThrow('at $.d');
    expect(() => s.dumps(new Date(Date.UTC(10000, 0, 1)))).toThrow(UnserializableValueError);
  });
});

describe('TaggedJSONSerializer.loads: tags', () => {
  it('reads each tag back to its TypeScript type', () => {
    const out = s.loads(
      '{"b":{" b":"AAFiaW5hcnn/"},"d":{" d":"Wed, 02 Jan 2030 03:04:05 GMT"},"m":{" m":"<i>hi</i>"},' +
        '"t":{" t":[1,{" t":[]}]},"u":{" u":"0f0e0d0c0b0a09080706050403020100"}}',
    ) as Record<string, unknown>;
    expect(Buffer.isBuffer(out.b)).toBe(true);
    expect([...(out.b as Buffer)]).toEqual([0, 1, 98, 105, 110, 97, 114, 121, 255]);
    expect(out.d).toBeInstanceOf(Date);
    expect((out.d as Date).toISOString()).toBe('2030-01-02T03:04:05.000Z');
    expect(out.m).toBeInstanceOf(Markup);
    expect(String(out.m)).toBe('<i>hi</i>');
    expect(out.t).toBeInstanceOf(Tuple);
    expect((out.t as Tuple)[1]).toBeInstanceOf(Tuple);
    expect([...(out.t as Tuple)]).toEqual([1, Tuple.of()]);
    expect(out.u).toBeInstanceOf(UUID);
    expect(String(out.u)).toBe('0f0e0d0c-0b0a-0908-0706-050403020100');
  });

  it('unescapes " di" bottom-up, as Flask', () => {
    expect(s.loads('{" di":{" t__":[1]}}')).toEqual({ ' t': [1] });
    const twice = s.loads('{" di":{" di__":{" di":{" t__":{" t":[1]}}}}}') as Record<string, Record<string, unknown>>;
    expect(Object.keys(twice)).toEqual([' di']);
    expect(twice[' di']?.[' t']).toBeInstanceOf(Tuple);
  });

  it('treats " di" keys as Flask does: the first key, minus its last two characters', () => {
    expect(s.loads('{" di":{"ab":1}}')).toEqual({ '': 1 });
    expect(s.loads('{" di":{"x__":1,"y__":2}}')).toEqual({ x: 1 });
  });

  it('leaves objects with a non-tag single key, or several keys, alone', () => {
    expect(s.loads('{" x":{" t":[1]}}')).toEqual({ ' x': Tuple.of(1) });
    const multi = s.loads('{" t":[1]," b":"x"}') as Record<string, unknown>;
    expect(multi).toEqual({ ' t': [1], ' b': 'x' });
    expect(multi[' t']).not.toBeInstanceOf(Tuple);
  });

  it('finds tags however their keys are escaped in the text', () => {
    expect(s.loads('{"\\u0020t":[1]}')).toBeInstanceOf(Tuple);
    expect(s.loads('{" \\u0074":[1]}')).toBeInstanceOf(Tuple);
  });

  it('reads exact numbers inside tagged values', () => {
    const out = s.loads('{" t":[12345678901234567890,NaN,-0,-0.0,1.5]}') as Tuple;
    expect(out).toBeInstanceOf(Tuple);
    expect(out[0]).toBe(12345678901234567890n);
    expect(out[1]).toBeNaN();
    expect(Object.is(out[2], 0)).toBe(true);
    expect(Object.is(out[3], -0)).toBe(true);
    expect(out[4]).toBe(1.5);
  });

  it('reports invalid JSON with a named error', () => {
    expect(() => s.loads('{"a":')).toThrow(JsonSyntaxError);
  });
});

describe('TaggedJSONSerializer.loads: malformed tagged values', () => {
  it.each([
    ['{" b":"AAA"}', ' b'],
    ['{" b":"A==="}', ' b'],
    ['{" b":"AA\\nAA=="}', ' b'],
    ['{" b":"-_8="}', ' b'],
    ['{" b":5}', ' b'],
    ['{" u":"xyz"}', ' u'],
    ['{" u":"0f0e0d0c0b0a0908070605040302010"}', ' u'],
    ['{" u":null}', ' u'],
    ['{" d":"yesterday"}', ' d'],
    ['{" d":"Wed, 31 Feb 2030 03:04:05 GMT"}', ' d'],
    ['{" d":1700000000}', ' d'],
    ['{" t":"abc"}', ' t'],
    ['{" t":{"a":1}}', ' t'],
    ['{" m":5}', ' m'],
    ['{" di":"x"}', ' di'],
    ['{" di":{}}', ' di'],
    ['{" di":[1]}', ' di'],
    ['{" di":{" t":[1]}}', ' di'],
    ['{"deep":[{"x":{" b":"!"}}]}', ' b'],
  ])('%s → MalformedTagError(%j)', (text, tag) => {
    let caught: unknown;
    try {
      s.loads(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MalformedTagError);
    expect((caught as MalformedTagError).tag).toBe(tag);
  });
});

describe('TaggedJSONSerializer.loads: prototype pollution', () => {
  it.each([
    '{"__proto__":{"polluted":1}}',
    '{" di":{"__proto____":{"polluted":1}}}',
    '{"__proto__":{" t":[1]}}',
    '{"__proto__":{" b":"AA=="},"n":NaN}',
    '[{"__proto__":{"polluted":1}},{" t":[{"__proto__":{"polluted":1}}]}]',
    '{"a":{"__proto__":{"polluted":1}},"n":12345678901234567890}',
    '{"constructor":{"prototype":{"polluted":1}}}',
    '{" di":{"constructor__":{"prototype":{"polluted":1}}}}',
  ])('%s keeps __proto__/constructor as own data', (text) => {
    const out = s.loads(text);
    expectNoPollution(out);
  });

  it('gives a replaced __proto__ value as an own property, prototype intact', () => {
    const out = s.loads('{"__proto__":{" t":[1]},"x":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBeInstanceOf(Tuple);
    const di = s.loads('{" di":{"__proto____":{"polluted":1}}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(di)).toBe(Object.prototype);
    expect(Object.keys(di)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(di, '__proto__')?.value).toEqual({ polluted: 1 });
  });

  it('writes an own __proto__ key back as data', () => {
    const text = '{" di":{"__proto____":{"polluted":1}}}';
    expect(s.dumps(s.loads(text))).toBe('{"__proto__":{"polluted":1}}');
    expect(s.dumps(s.loads('{"__proto__":{" t":[1]}}'))).toBe('{"__proto__":{" t":[1]}}');
  });
});

describe('TaggedJSONSerializer.tag / untag', () => {
  it('tag() gives the JSON-ready tree', () => {
    const tree = s.tag({ t: Tuple.of<unknown>(new Uint8Array([1]), { ' u': 1 }), d: new Date(0) });
    expect(tree).toEqual({
      t: { ' t': [{ ' b': 'AQ==' }, { ' di': { ' u__': 1 } }] },
      d: { ' d': 'Thu, 01 Jan 1970 00:00:00 GMT' },
    });
  });

  it('tag() passes through what no tag claims', () => {
    const map = new Map();
    expect((s.tag({ m: map }) as { m: unknown }).m).toBe(map);
  });

  it('untag() rebuilds values without modifying its input', () => {
    const tree = { a: { ' t': [1, { ' b': 'AQ==' }] }, b: [{ ' di': { ' t__': 2 } }] };
    const before = JSON.stringify(tree);
    const out = s.untag(tree) as { a: Tuple; b: unknown[] };
    expect(JSON.stringify(tree)).toBe(before);
    expect(out.a).toBeInstanceOf(Tuple);
    expect(Buffer.isBuffer(out.a[1])).toBe(true);
    expect(out.b).toEqual([{ ' t': 2 }]);
    expect(out.b).not.toBe(tree.b);
  });

  it('untag(tag(x)) gives x back', () => {
    const value = { t: Tuple.of<unknown>('a', Tuple.of(2)), ' t': { ' b': [1] }, u: new UUID('00000000000000000000000000000002') };
    const back = s.untag(s.tag(value));
    expect(back).toEqual(value);
  });
});

describe('TaggedJSONSerializer.register', () => {
  // A Map, as the list of its [key, value] pairs (like Flask's OrderedDict example).
  const mapTag: TagDefinition<Map<unknown, unknown>> = {
    key: ' map',
    check: (value) => value instanceof Map,
    toJSON: (value, context) => [...value].map(([k, v]) => [context.tag(k), context.tag(v)]),
    toValue: (json) => new Map(json as [unknown, unknown][]),
  };

  it('writes and reads a custom tag', () => {
    const custom = new TaggedJSONSerializer();
    custom.register(mapTag);
    const value = { m: new Map<unknown, unknown>([['a', Tuple.of(1)], ['b', 2]]) };
    const text = custom.dumps(value);
    expect(text).toBe('{"m":{" map":[["a",{" t":[1]}],["b",2]]}}');
    const back = custom.loads(text) as { m: Map<string, unknown> };
    expect(back.m).toBeInstanceOf(Map);
    expect(back.m.get('a')).toBeInstanceOf(Tuple);
    expect(back.m.get('b')).toBe(2);
  });

  it('escapes one-key dicts whose key is a custom tag key', () => {
    const custom = new TaggedJSONSerializer();
    custom.register(mapTag);
    expect(custom.dumps({ ' map': 1 })).toBe('{" di":{" map__":1}}');
    expect(custom.loads('{" di":{" map__":1}}')).toEqual({ ' map': 1 });
    expect(s.dumps({ ' map': 1 })).toBe('{" map":1}');
  });

  it('tries tags in order: index 0 comes before the dict tags', () => {
    const custom = new TaggedJSONSerializer();
    const pointTag: TagDefinition<{ x: unknown; y: unknown }> = {
      key: ' pt',
      check: (value) => typeof value === 'object' && value !== null && 'x' in value && 'y' in value,
      toJSON: (value) => [value.x, value.y],
      toValue: (json) => ({ x: (json as unknown[])[0], y: (json as unknown[])[1] }),
    };
    custom.register(pointTag, { index: 0 });
    expect(custom.dumps({ p: { x: 1, y: 2 } })).toBe('{"p":{" pt":[1,2]}}');
    // Appended, it comes after PassDict, which claims every plain object first.
    const appended = new TaggedJSONSerializer();
    appended.register(pointTag);
    expect(appended.dumps({ p: { x: 1, y: 2 } })).toBe('{"p":{"x":1,"y":2}}');
  });

  it('refuses a taken key unless forced', () => {
    const custom = new TaggedJSONSerializer();
    expect(() => custom.register({ key: ' t', check: () => false, toJSON: (v) => v, toValue: (v) => v })).toThrow(
      DuplicateTagError,
    );
    custom.register({ key: ' t', check: () => false, toJSON: (v) => v, toValue: (json) => `tuple:${String(json)}` }, { force: true });
    expect(custom.loads('{" t":[1,2]}')).toBe('tuple:1,2');
    // As in Flask, the replaced tag still tags values (it stays in the order).
    expect(custom.dumps(Tuple.of(1))).toBe('{" t":[1]}');
  });

  it('refuses a keyed tag without toValue', () => {
    const custom = new TaggedJSONSerializer();
    expect(() => custom.register({ key: ' z', check: () => false, toJSON: (v) => v })).toThrow(ConfigError);
  });

  it('supports pass-through tags without a key', () => {
    const custom = new TaggedJSONSerializer();
    custom.register({ check: (value) => value instanceof Set, toJSON: (value: Set<unknown>) => [...value].sort() });
    expect(custom.dumps({ s: new Set([3, 1, 2]) })).toBe('{"s":[1,2,3]}');
  });

  it('refuses circular data with a named error on the tag-tree path too', () => {
    const custom = new TaggedJSONSerializer();
    custom.register({ key: ' z', check: () => false, toJSON: (v) => v, toValue: (v) => v });
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = Tuple.of(loop);
    expect(() => custom.dumps(loop)).toThrow(NestingTooDeepError);
    expect(() => custom.tag(loop)).toThrow(NestingTooDeepError);
    expect(() => s.dumps(loop)).toThrow(NestingTooDeepError);
    // The serializer is still usable afterwards.
    expect(custom.dumps({ a: Tuple.of(1) })).toBe('{"a":{" t":[1]}}');
  });

  it('turns a failing toValue into MalformedTagError with the cause', () => {
    const custom = new TaggedJSONSerializer();
    const cause = new Error('bad payload');
    custom.register({ key: ' z', check: () => false, toJSON: (v) => v, toValue: () => {
      throw cause;
    } });
    let caught: unknown;
    try {
      custom.loads('{"a":{" z":1}}');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(MalformedTagError);
    expect((caught as MalformedTagError).tag).toBe(' z');
    expect((caught as MalformedTagError).cause).toBe(cause);
  });

  it('writes the same text with and without registered tags (tag tree vs direct writer)', () => {
    const generic = new TaggedJSONSerializer();
    generic.register({ key: ' never', check: () => false, toJSON: (v) => v, toValue: (v) => v });
    const corpus: unknown[] = [
      { _flashes: [Tuple.of('message', 'Hi')], user: 'zoë', n: 1e20, f: 0.1, z: -0, big: 2n ** 70n },
      { ' t': [1], ' di': { ' b': new Uint8Array([1, 2]) }, x: undefined },
      { ' t': Tuple.of(1), other: undefined },
      Tuple.of<unknown>(new Date(Date.UTC(2001, 8, 9, 1, 46, 40)), new UUID('0f0e0d0c0b0a09080706050403020100'), new Markup('<p>')),
      { '😀': 1, '\uffff': [NaN, Infinity, -Infinity, null, true], __proto__: null },
      JSON.parse('{"__proto__":{" t":[1]}}'),
      [[[[{ a: [{ ' m': 'x' }] }]]]],
      'plain string',
    ];
    for (const value of corpus) expect(generic.dumps(value)).toBe(s.dumps(value));
    for (const bad of [{ a: new Map() }, [undefined], { d: new Date(NaN) }, Symbol('s')]) {
      expect(() => generic.dumps(bad)).toThrow(UnserializableValueError);
      expect(() => s.dumps(bad)).toThrow(UnserializableValueError);
    }
    for (const text of ['{" t":[1]}', '{"a":{" di":{" b__":{" b":"AQ=="}}}}', '{"x":1}']) {
      expect(generic.loads(text)).toEqual(s.loads(text));
    }
  });
});

describe('TaggedJSONSerializer: round trips', () => {
  it.each([
    '{"_permanent":true,"user_id":7}',
    '{"t":{" t":[1,2,{" t":[3]}]}}',
    '{" di":{" di__":{"x":1}}}',
    '{"big":1267650600228229401496703205376,"f":0.1,"nan":NaN,"z":-0.0}',
    '{"s":"\\ud800\\u007f\\u0000\\ud83d\\ude00"}',
    '{"d":{" d":"Sun, 09 Sep 2001 01:46:40 GMT"}}',
  ])('%s', (text) => {
    expect(s.dumps(s.loads(text))).toBe(text);
  });
});
