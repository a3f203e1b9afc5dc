/**
 * Byte/text encodings shared by the signing layer, matching itsdangerous' `encoding` module:
 * unpadded URL-safe base64 and minimal big-endian integers.
 */
import { isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { BadData } from './errors.js';

/** Characters of the URL-safe base64 alphabet (RFC 4648 §5), without padding. */
const BASE64URL_BODY = /^[A-Za-z0-9_-]*$/;

/**
 * Encodes bytes (or the UTF-8 bytes of a string) as URL-safe base64 without `=` padding, as
 * itsdangerous' `base64_encode` does.
 */
export function base64UrlEncode(data: Uint8Array | string): string {
  const buffer =
    typeof data === 'string'
      ? Buffer.from(data, 'utf8')
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return buffer.toString('base64url');
}

/**
 * Decodes URL-safe base64. Missing padding is tolerated (so is up to two `=`), but any character
 * outside the URL-safe alphabet, or a length no encoder produces, throws `BadData`.
 */
export function base64UrlDecode(text: string): Buffer {
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */) {
    end -= 1;
    if (end > 0 && text.charCodeAt(end - 1) === 0x3d) end -= 1;
  }
  const body = end === text.length ? text : text.slice(0, end);
  if (body.length % 4 === 1 || !BASE64URL_BODY.test(body)) {
    throw new BadData('Invalid base64-encoded data');
  }
  return Buffer.from(body, 'base64url');
}

/**
 * Big-endian bytes of a non-negative integer with leading zero bytes removed (0 gives no bytes),
 * like itsdangerous' `int_to_bytes`. Throws `RangeError` for negative, fractional or unsafe
 * integers.
 */
export function intToBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`intToBytes needs a non-negative safe integer, got ${value}`);
  }
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0) {
    bytes.push(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return Uint8Array.from(bytes.reverse());
}

/**
 * Reads a big-endian unsigned integer of at most 8 bytes, like itsdangerous' `bytes_to_int`.
 * Throws `RangeError` for more than 8 bytes or a value beyond `Number.MAX_SAFE_INTEGER`.
 */
export function bytesToInt(bytes: Uint8Array): number {
  if (bytes.length > 8) throw new RangeError(`bytesToInt reads at most 8 bytes, got ${bytes.length}`);
  let value = 0;
  for (const byte of bytes) value = value * 256 + byte;
  if (value > Number.MAX_SAFE_INTEGER) throw new RangeError('bytesToInt: integer is not safe');
  return value;
}

/** The UTF-8 bytes of a string. */
export function utf8Encode(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/**
 * Decodes UTF-8 strictly, keeping a leading byte order mark as Python's `bytes.decode('utf-8')`
 * does; invalid UTF-8 throws `BadData`.
 */
export function utf8Decode(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) throw new BadData('Invalid UTF-8 data');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Whether the bytes are well-formed UTF-8. */
export function isUtf8(bytes: Uint8Array): boolean {
  return nodeIsUtf8(bytes);
}
