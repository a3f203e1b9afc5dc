/**
 * The layout of a session item in memcached. The value memcached holds is
 *
 *   byte 0        layout version (1)
 *   bytes 1..8    expiresAt, epoch milliseconds, unsigned 64-bit big-endian
 *   byte 9        length n of the version token
 *   bytes 10..    the version token (n ASCII bytes), then the session bytes
 *
 * and the item's 32-bit flags are `ITEM_FLAGS`, so an item written by something else under the
 * same key is recognised instead of misread. The expiry is kept in the item (memcached cannot
 * report an item's expiry) so `load` returns it and expiry is exact to the millisecond;
 * memcached's own expiry is set a little later and only frees the memory.
 */

/** Flags marking a sessionkit item ("sk" and layout 1). */
export const ITEM_FLAGS = 0x736b_0001;
const LAYOUT = 1;
const HEADER = 10;

/** A decoded session item. */
export interface SessionItem {
  value: Uint8Array;
  version: string;
  expiresAt: number;
}

/** The bytes stored for `item`. */
export function encodeItem(item: SessionItem): Uint8Array {
  const version = Buffer.from(item.version, 'latin1');
  if (version.length > 255) throw new RangeError('version token longer than 255 bytes');
  const bytes = new Uint8Array(HEADER + version.length + item.value.byteLength);
  const view = new DataView(bytes.buffer);
  bytes[0] = LAYOUT;
  view.setBigUint64(1, BigInt(item.expiresAt));
  bytes[9] = version.length;
  bytes.set(version, HEADER);
  bytes.set(item.value, HEADER + version.length);
  return bytes;
}

/**
 * Reads an item back; throws when the bytes or flags are not a sessionkit item. The value is a
 * fresh copy, never a view of the driver's buffer.
 */
export function decodeItem(bytes: Uint8Array, flags: number): SessionItem {
  if (flags !== ITEM_FLAGS || bytes.byteLength < HEADER || bytes[0] !== LAYOUT) {
    throw new Error('the item under this key was not written by sessionkit (unexpected flags or layout)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expiresAt = Number(view.getBigUint64(1));
  const length = bytes[9] ?? 0;
  if (bytes.byteLength < HEADER + length) throw new Error('truncated sessionkit item');
  const version = Buffer.from(bytes.buffer, bytes.byteOffset + HEADER, length).toString('latin1');
  return { value: new Uint8Array(bytes.subarray(HEADER + length)), version, expiresAt };
}
