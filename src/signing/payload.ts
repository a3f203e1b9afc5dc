/**
 * The URL-safe payload of itsdangerous' `URLSafeSerializerMixin`: UTF-8 text, zlib-compressed
 * when that saves at least two bytes (then prefixed with `.`), in unpadded base64url.
 */
import { inflateSync } from 'node:zlib';
import { zlibCompress } from './deflate.js';
import { base64UrlDecode, utf8Decode } from './encoding.js';
import { BadPayload } from './errors.js';

/** Default cap on the size of a decompressed payload: 1 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 1024 * 1024;

/** Encodes serialized text as itsdangerous' `dump_payload` does, byte for byte. */
export function encodePayload(text: string): string {
  const data = Buffer.from(text, 'utf8');
  // itsdangerous keeps the compressed form only when it is shorter than `len(json) - 1`.
  const compressed = zlibCompress(data, data.length - 2);
  return compressed === undefined ? data.toString('base64url') : `.${compressed.toString('base64url')}`;
}

/**
 * Decodes a payload back to its text as itsdangerous' `load_payload` does (decompressing when it
 * starts with `.`). Every failure is a `BadPayload` wrapping the cause, including a decompressed
 * size above `maxDecompressedBytes` (decompression stops there) and invalid UTF-8.
 */
export function decodePayload(payload: string, maxDecompressedBytes: number): string {
  const compressed = payload.charCodeAt(0) === 0x2e; /* . */
  let data: Uint8Array;
  try {
    data = base64UrlDecode(compressed ? payload.slice(1) : payload);
  } catch (error) {
    throw new BadPayload('Could not base64 decode the payload because of an exception', error);
  }
  if (compressed) {
    try {
      // Stops at the limit instead of inflating a zip bomb (RangeError past maxOutputLength).
      data = inflateSync(data, { maxOutputLength: maxDecompressedBytes });
    } catch (error) {
      throw new BadPayload('Could not zlib decompress the payload before decoding the payload', error);
    }
  }
  try {
    return utf8Decode(data);
  } catch (error) {
    throw new BadPayload(
      'Could not load the payload because an exception occurred on unserializing the data.',
      error,
    );
  }
}
