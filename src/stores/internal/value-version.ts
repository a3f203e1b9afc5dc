import { createHash } from 'node:crypto';

/** What a value version looks like: 40 lowercase hex digits. */
const VALUE_VERSION = /^[0-9a-f]{40}$/;

/**
 * The version of a record whose layout has no room for one (Flask-Session's): the SHA-1 (hex)
 * of the stored value, as the Redis Flask-Session layout computes it. A conditional write then
 * applies only while the stored value is still the one read. Two writes of identical bytes
 * share a version; that is harmless, since a save over an identical value loses nothing.
 */
export function valueVersion(value: Uint8Array): string {
  return createHash('sha1').update(value).digest('hex');
}

/** Whether `token` can be a value version at all (anything else never matches a record). */
export function isValueVersion(token: string): boolean {
  return VALUE_VERSION.test(token);
}
