import { SessionKitError } from '../errors.js';

/**
 * Bad data of any kind was found while verifying or decoding a signed value; the base class of
 * every signing error (itsdangerous' `BadData`).
 */
export class BadData extends SessionKitError {}

/** The signature is missing or does not match (itsdangerous' `BadSignature`). */
export class BadSignature extends BadData {
  /**
   * The value that failed the check, when it could be split from its signature. It is NOT
   * trustworthy: only inspect it for diagnostics.
   */
  readonly payload: string | undefined;
  constructor(message: string, payload?: string) {
    super(message);
    this.payload = payload;
  }
}

/** A time-stamped signature is invalid or its timestamp is missing or malformed. */
export class BadTimeSignature extends BadSignature {
  /** When the value was signed, if the timestamp could be read (untrusted unless expired). */
  readonly dateSigned: Date | undefined;
  constructor(message: string, payload?: string, dateSigned?: Date) {
    super(message, payload);
    this.dateSigned = dateSigned;
  }
}

/**
 * The signature is valid but older than the allowed age, or dated in the future. `dateSigned`
 * is always set.
 */
export class SignatureExpired extends BadTimeSignature {}

/**
 * The signature is valid but the payload could not be decoded (base64, zlib or the serializer
 * failed). `originalError` (also `cause`) holds the underlying error.
 */
export class BadPayload extends BadData {
  /** The error raised by the decoding step that failed. */
  readonly originalError: unknown;
  constructor(message: string, originalError?: unknown) {
    super(message, { cause: originalError });
    this.originalError = originalError;
  }
}
