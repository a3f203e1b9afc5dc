/**
 * itsdangerous' `URLSafeSerializer` and `URLSafeTimedSerializer`: serialize a value to text, pack
 * it as a URL-safe payload and sign it; verify the signature before decoding anything.
 */
import { ConfigError } from '../errors.js';
import { BadPayload } from './errors.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, decodePayload, encodePayload } from './payload.js';
import { Signer, type Digest, type KeyDerivation, type Secret } from './signer.js';
import {
  TimestampSigner,
  type SignTimestampOptions,
  type UnsignTimestampOptions,
} from './timestamp-signer.js';

/** Turns values into text and back; `loads` throws on bad input. */
export interface TextSerializer<T> {
  /** The text form of `value`. */
  dumps(value: T): string;
  /** The value of `text`. */
  loads(text: string): T;
}

/** Plain JSON (`JSON.stringify`/`JSON.parse`), the default serializer. */
export const JSON_SERIALIZER: TextSerializer<unknown> = {
  dumps(value: unknown): string {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} cannot be serialized as JSON`);
    return text;
  },
  loads(text: string): unknown {
    return JSON.parse(text);
  },
};

/** Signer settings of a serializer (itsdangerous' `signer_kwargs`). */
export interface SerializerSignerOptions {
  /** Default `'django-concat'` (Flask's cookie sessions use `'hmac'`). */
  keyDerivation?: KeyDerivation;
  /** Default `'sha1'`. */
  digest?: Digest;
  /** Default `'.'`. */
  sep?: string;
}

/** Options of `URLSafeSerializer`. */
export interface URLSafeSerializerOptions<T> {
  /** Secret key, or keys oldest → newest (the last signs, all verify). */
  secret: Secret | readonly Secret[];
  /** Default `'itsdangerous'` (Flask's cookie sessions use `'cookie-session'`). */
  salt?: Secret;
  /** Default: JSON. */
  serializer?: TextSerializer<T>;
  /** Key derivation, digest and separator of the signer. */
  signer?: SerializerSignerOptions;
  /**
   * Largest decompressed payload accepted; a bigger one (a zip bomb) fails as `BadPayload`
   * without being inflated further. Default 1 MiB.
   */
  maxDecompressedBytes?: number;
}

/** Options of `URLSafeTimedSerializer`. */
export interface URLSafeTimedSerializerOptions<T> extends URLSafeSerializerOptions<T> {
  /** The clock, in epoch seconds. Default: the system clock. */
  now?: () => number;
}

/** Text opened by `URLSafeTimedSerializer.loadsText`, with its signing time. */
export interface TimestampedText {
  /** The serialized payload text, exactly as signed. */
  text: string;
  /** When it was signed, in epoch seconds. */
  timestamp: number;
}

/** A loaded value with its signing time. */
export interface TimestampedData<T> {
  /** The deserialized value. */
  value: T;
  /** When it was signed, in epoch seconds. */
  timestamp: number;
}

/** Default salt of itsdangerous' serializers. */
export const DEFAULT_SERIALIZER_SALT = 'itsdangerous';

function maxDecompressed(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_DECOMPRESSED_BYTES;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError('maxDecompressedBytes', 'expected a positive whole number of bytes');
  }
  return value;
}

function deserialize<T>(serializer: TextSerializer<T>, text: string): T {
  try {
    return serializer.loads(text);
  } catch (error) {
    throw new BadPayload(
      'Could not load the payload because an exception occurred on unserializing the data.',
      error,
    );
  }
}

/** Signed, URL-safe serialized values without timestamp (itsdangerous' `URLSafeSerializer`). */
export class URLSafeSerializer<T = unknown> {
  readonly #signer: Signer;
  readonly #serializer: TextSerializer<T>;
  readonly #maxDecompressedBytes: number;

  constructor(options: URLSafeSerializerOptions<T>) {
    this.#serializer = options.serializer ?? (JSON_SERIALIZER as TextSerializer<T>);
    this.#maxDecompressedBytes = maxDecompressed(options.maxDecompressedBytes);
    this.#signer = new Signer({
      ...options.signer,
      secret: options.secret,
      salt: options.salt ?? DEFAULT_SERIALIZER_SALT,
    });
  }

  /** Serializes and signs `value`. */
  dumps(value: T): string {
    return this.dumpsText(this.#serializer.dumps(value));
  }

  /** Signs already-serialized text. */
  dumpsText(text: string): string {
    return this.#signer.sign(encodePayload(text));
  }

  /** Verifies and deserializes; throws `BadSignature` or `BadPayload`. */
  loads(signed: string): T {
    return deserialize(this.#serializer, this.loadsText(signed));
  }

  /** Verifies and returns the serialized text exactly as signed. */
  loadsText(signed: string): string {
    return decodePayload(this.#signer.unsign(signed), this.#maxDecompressedBytes);
  }
}

/**
 * Signed, time-stamped, URL-safe serialized values (itsdangerous' `URLSafeTimedSerializer`), the
 * format of Flask's session cookie.
 */
export class URLSafeTimedSerializer<T = unknown> {
  readonly #signer: TimestampSigner;
  readonly #serializer: TextSerializer<T>;
  readonly #maxDecompressedBytes: number;

  constructor(options: URLSafeTimedSerializerOptions<T>) {
    this.#serializer = options.serializer ?? (JSON_SERIALIZER as TextSerializer<T>);
    this.#maxDecompressedBytes = maxDecompressed(options.maxDecompressedBytes);
    this.#signer = new TimestampSigner({
      ...options.signer,
      secret: options.secret,
      salt: options.salt ?? DEFAULT_SERIALIZER_SALT,
      ...(options.now ? { now: options.now } : {}),
    });
  }

  /** Serializes, time-stamps and signs `value`. */
  dumps(value: T, options?: SignTimestampOptions): string {
    return this.dumpsText(this.#serializer.dumps(value), options);
  }

  /** Time-stamps and signs already-serialized text. */
  dumpsText(text: string, options?: SignTimestampOptions): string {
    return this.#signer.sign(encodePayload(text), options);
  }

  /**
   * Verifies (signature first, then age when `maxAge` is given) and deserializes. Throws
   * `BadSignature`/`BadTimeSignature`, `SignatureExpired` or `BadPayload`.
   */
  loads(signed: string, options?: UnsignTimestampOptions): T {
    return this.loadsWithTimestamp(signed, options).value;
  }

  /** Like `loads`, also returning when the value was signed. */
  loadsWithTimestamp(signed: string, options?: UnsignTimestampOptions): TimestampedData<T> {
    const { text, timestamp } = this.loadsText(signed, options);
    return { value: deserialize(this.#serializer, text), timestamp };
  }

  /** Like `loadsWithTimestamp`, returning the serialized text exactly as signed. */
  loadsText(signed: string, options?: UnsignTimestampOptions): TimestampedText {
    const { value, timestamp } = this.#signer.unsignWithTimestamp(signed, options);
    return { text: decodePayload(value, this.#maxDecompressedBytes), timestamp };
  }
}
