/**
 * Flask-compatible session serialization: Python's JSON text and Flask's tagged JSON.
 */
export { canonicalPythonJson, dumpsPythonJson, parsePythonJson, pyFloatRepr } from './python-json.js';
export { TaggedJSONSerializer, type RegisterOptions } from './tagged-json.js';
export type { TagContext, TagDefinition } from './tags.js';
export type { HtmlLike } from './value-kinds.js';
export { Markup, Tuple, UUID } from './values.js';
export { DuplicateTagError, JsonSyntaxError, MalformedTagError, MAX_DEPTH, NestingTooDeepError, UnserializableValueError } from './errors.js';
