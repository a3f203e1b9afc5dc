import assert from 'node:assert/strict';

// #region snippet
import { TaggedJSONSerializer, Tuple } from 'sessionkit';

const serializer = new TaggedJSONSerializer();
serializer.dumps({ _flashes: [Tuple.of('message', 'Saved')], user_id: 7 });
// '{"_flashes":[{" t":["message","Saved"]}],"user_id":7}'
serializer.loads('{"d":{" d":"Wed, 02 Jan 2030 03:04:05 GMT"}}');
// { d: 2030-01-02T03:04:05.000Z }
// #endregion snippet

// What the comments above say:
assert.equal(serializer.dumps({ _flashes: [Tuple.of('message', 'Saved')], user_id: 7 }), '{"_flashes":[{" t":["message","Saved"]}],"user_id":7}');
assert.deepEqual(serializer.loads('{"d":{" d":"Wed, 02 Jan 2030 03:04:05 GMT"}}'), { d: new Date('2030-01-02T03:04:05.000Z') });
console.log('tagged JSON as documented');
