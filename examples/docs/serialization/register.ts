import assert from 'node:assert/strict';
import { TaggedJSONSerializer } from 'sessionkit';

const serializer = new TaggedJSONSerializer();

// #region snippet
serializer.register<Map<unknown, unknown>>(
  {
    key: ' map',
    check: (value) => value instanceof Map,
    toJSON: (map, context) => [...map].map(([k, v]) => [context.tag(k), context.tag(v)]),
    toValue: (json) => new Map(json as [unknown, unknown][]),
  },
  { index: 0 }, // optional: position in the order (Python's list.insert); appended by default
);
// #endregion snippet

const text = serializer.dumps({ prefs: new Map([['theme', 'dark']]) });
assert.equal(text, '{"prefs":{" map":[["theme","dark"]]}}');
assert.deepEqual(serializer.loads(text), { prefs: new Map([['theme', 'dark']]) });
console.log(`custom tag: ${text}`);
