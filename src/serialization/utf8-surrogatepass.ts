/**
 * UTF-8 with Python's `surrogatepass` error handler, which pickle uses for `str`: a lone surrogate
 * (legal in both Python and JavaScript strings) is written as its 3-byte form `ED A0..BF xx`
 * instead of being refused or replaced.
 */
import { Buffer } from 'node:buffer';

/** Matches a lone surrogate; paired surrogates form one code point and do not match. */
const LONE_SURROGATE = /\p{Cs}/u;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Code units gathered before each `String.fromCharCode` call (well below engine argument limits). */
const CHUNK_UNITS = 8192;

/** Encodes `text` as CPython's `text.encode('utf-8', 'surrogatepass')`. */
export function encodeUtf8SurrogatePass(text: string): Buffer {
  if (!LONE_SURROGATE.test(text)) return Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      const cp = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
      out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
      i++;
    } else if (unit < 0x80) {
      out.push(unit);
    } else if (unit < 0x800) {
      out.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    } else {
      // includes lone surrogates, written as their 3-byte form
      out.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
    }
  }
  return Buffer.from(out);
}

/**
 * The outcome of decoding: the text, or an error: `'invalid'` for bytes that are not UTF-8 even
 * with surrogatepass, `'surrogate-pair'` when two encoded surrogates form a pair (Python keeps
 * them as two code points; a JavaScript string cannot tell them from the one character they spell).
 */
export type SurrogatePassResult = { text: string } | { error: 'invalid' | 'surrogate-pair' };

const INVALID = { error: 'invalid' } as const;
const SURROGATE_PAIR = { error: 'surrogate-pair' } as const;

/** Decodes as CPython's `bytes.decode('utf-8', 'surrogatepass')`. */
export function decodeUtf8SurrogatePass(bytes: Uint8Array): SurrogatePassResult {
  try {
    return { text: STRICT_UTF8.decode(bytes) };
  } catch {
    return decodeSlowly(bytes);
  }
}

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

function decodeSlowly(bytes: Uint8Array): SurrogatePassResult {
  let text = '';
  let units: number[] = [];
  let lastWasPassedHigh = false;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i] as number;
    let passedSurrogate = false;
    if (b0 < 0x80) {
      units.push(b0);
      i += 1;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      const b1 = bytes[i + 1];
      if (!isContinuation(b1)) return INVALID;
      units.push(((b0 & 0x1f) << 6) | ((b1 as number) & 0x3f));
      i += 2;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      const b1 = bytes[i + 1];
      const b2 = bytes[i + 2];
      if (!isContinuation(b1) || !isContinuation(b2)) return INVALID;
      const unit = ((b0 & 0x0f) << 12) | (((b1 as number) & 0x3f) << 6) | ((b2 as number) & 0x3f);
      if (unit < 0x800) return INVALID; // overlong
      if (unit >= 0xd800 && unit <= 0xdfff) {
        passedSurrogate = true;
        if (lastWasPassedHigh && unit >= 0xdc00) return SURROGATE_PAIR;
      }
      units.push(unit);
      i += 3;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      const b1 = bytes[i + 1];
      const b2 = bytes[i + 2];
      const b3 = bytes[i + 3];
      if (!isContinuation(b1) || !isContinuation(b2) || !isContinuation(b3)) return INVALID;
      const cp = ((b0 & 0x07) << 18) | (((b1 as number) & 0x3f) << 12) | (((b2 as number) & 0x3f) << 6) | ((b3 as number) & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return INVALID;
      units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      i += 4;
    } else {
      return INVALID;
    }
    lastWasPassedHigh = passedSurrogate && (units[units.length - 1] as number) <= 0xdbff;
    if (units.length >= CHUNK_UNITS) {
      text += String.fromCharCode(...units);
      units = [];
    }
  }
  return { text: text + String.fromCharCode(...units) };
}
