/**
 * Standard base64 with padding, as Python's `b64encode` writes it for Flask's ` b` tag.
 */
import { Buffer } from 'node:buffer';

const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Encodes bytes as standard base64 with `=` padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes standard base64 with padding into a `Buffer`, or returns `undefined` if the text is not
 * exactly that (no whitespace, no URL-safe alphabet, no missing padding).
 */
export function decodeBase64(text: string): Buffer | undefined {
  return CANONICAL.test(text) ? Buffer.from(text, 'base64') : undefined;
}
