/**
 * The fast path of `TaggedJSONSerializer.dumps` with the default tags: writes a value straight
 * to JSON text, trying the tags of `DEFAULT_TAGS` in their order and letting the first that
 * claims a value write it. Gives the same text as tagging with the default tags and then
 * `dumpsPythonJson`.
 */
import { MAX_DEPTH, NestingTooDeepError } from './errors.js';
import { Refusal, writeArrayOf, writeObjectOf, writeValue } from './python-json-writer.js';
import { DEFAULT_TAGS, type TagContext, type TextWriter } from './tags.js';
import { describeType } from './value-kinds.js';

/**
 * A writer of the default tags for one serializer (`context` is its view for the tags' checks).
 * The returned function writes a root value; it throws {@link Refusal}.
 */
export function taggedTextWriter(context: TagContext): (value: unknown) => string {
  const writer: TextWriter = {
    value: writeTagged,
    list: (items, depth) => writeArrayOf(items, depth, writeTagged),
    dict: (obj, depth) => writeObjectOf(obj, depth, writeTagged),
  };

  function writeTagged(value: unknown, depth: number): string {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return writeValue(value, depth);
    if (depth >= MAX_DEPTH) throw new NestingTooDeepError('serialize');
    for (const tag of DEFAULT_TAGS) {
      if (tag.check(value, context)) return tag.write(value, depth + 1, writer);
    }
    throw new Refusal(describeType(value));
  }

  return (value) => writeTagged(value, 0);
}
