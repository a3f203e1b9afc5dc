/**
 * itsdangerous' `TimestampSigner`: signs `value + sep + base64url(timestamp)` so a signature can
 * expire.
 */
import { base64UrlDecode, base64UrlEncode, bytesToInt, intToBytes, utf8Encode } from './encoding.js';
import { BadSignature, BadTimeSignature, SignatureExpired } from './errors.js';
import { Signer, valueText, type SignerOptions } from './signer.js';

/** Options of `TimestampSigner`. */
export interface TimestampSignerOptions extends SignerOptions {
  /** The clock, in epoch seconds (fractions are dropped). Default: the system clock. */
  now?: () => number;
}

/** Options of `TimestampSigner.sign`. */
export interface SignTimestampOptions {
  /** Signing time in epoch seconds (a non-negative integer). Default: the signer's clock. */
  timestamp?: number;
}

/** Options of `TimestampSigner.unsign` and friends. */
export interface UnsignTimestampOptions {
  /** Maximum age in seconds; older signatures, and ones dated in the future, are expired. */
  maxAge?: number;
  /** The current time in epoch seconds, instead of the signer's clock. */
  now?: number;
}

/** A verified value with the time it was signed. */
export interface TimestampedValue {
  /** The value without timestamp and signature. */
  value: string;
  /** When it was signed, in epoch seconds. */
  timestamp: number;
}

/** The last second Python's `datetime` can represent (9999-12-31T23:59:59Z). */
const MAX_DATETIME_SECONDS = 253_402_300_799;

const systemClock = (): number => Date.now() / 1000;

/** Reads an encoded timestamp; `undefined` when it is not one (itsdangerous swallows the error). */
function decodeTimestamp(text: string): number | undefined {
  try {
    return bytesToInt(base64UrlDecode(text));
  } catch {
    return undefined;
  }
}

/** Signs with a timestamp and checks age on the way back, exactly as itsdangerous 2.x. */
export class TimestampSigner extends Signer {
  readonly #clock: () => number;
  #lastTimestamp = Number.NaN;
  #lastEncoded = '';

  constructor(options: TimestampSignerOptions) {
    super(options);
    this.#clock = options.now ?? systemClock;
  }

  /** The current time from the signer's clock, in whole epoch seconds. */
  getTimestamp(): number {
    return Math.floor(this.#clock());
  }

  /** `base64url(intToBytes(seconds))`, remembering the last one (it changes once a second). */
  #encodeTimestamp(seconds: number): string {
    if (seconds !== this.#lastTimestamp) {
      this.#lastEncoded = base64UrlEncode(intToBytes(seconds));
      this.#lastTimestamp = seconds;
    }
    return this.#lastEncoded;
  }

  /** `value + sep + timestamp + sep + signature`. */
  override sign(value: string | Uint8Array, options?: SignTimestampOptions): string {
    const seconds = options?.timestamp ?? this.getTimestamp();
    const stamped = valueText(value) + this.sep + this.#encodeTimestamp(seconds);
    return stamped + this.sep + this.getSignature(stamped);
  }

  /**
   * Verifies the signature, then the age, returning the value and when it was signed. Throws
   * `BadSignature`/`BadTimeSignature` (invalid), `SignatureExpired` (age over `maxAge`, or
   * negative).
   */
  unsignWithTimestamp(signed: string, options?: UnsignTimestampOptions): TimestampedValue {
    let result: string;
    let sigError: BadSignature | undefined;
    try {
      result = super.unsign(signed);
    } catch (error) {
      if (!(error instanceof BadSignature)) throw error;
      sigError = error;
      result = error.payload ?? '';
    }

    const sep = this.sep;
    const at = result.lastIndexOf(sep);
    // No timestamp at all: report the signature error if there was one.
    if (at < 0) {
      if (sigError) throw sigError;
      throw new BadTimeSignature('timestamp missing', result);
    }
    const value = result.slice(0, at);
    const timestamp = decodeTimestamp(result.slice(at + sep.length));

    if (sigError) {
      let dateSigned: Date | undefined;
      if (timestamp !== undefined) {
        if (timestamp > MAX_DATETIME_SECONDS) throw new BadTimeSignature('Malformed timestamp', value);
        dateSigned = new Date(timestamp * 1000);
      }
      throw new BadTimeSignature(sigError.message, value, dateSigned);
    }
    if (timestamp === undefined) throw new BadTimeSignature('Malformed timestamp', value);

    const maxAge = options?.maxAge;
    if (maxAge !== undefined) {
      if (typeof maxAge !== 'number' || Number.isNaN(maxAge)) {
        throw new RangeError(`maxAge must be a number of seconds, got ${String(maxAge)}`);
      }
      const now = options?.now;
      const age = (now === undefined ? this.getTimestamp() : Math.floor(now)) - timestamp;
      if (age > maxAge) {
        throw new SignatureExpired(
          `Signature age ${age} > ${maxAge} seconds`,
          value,
          new Date(timestamp * 1000),
        );
      }
      if (age < 0) {
        throw new SignatureExpired(`Signature age ${age} < 0 seconds`, value, new Date(timestamp * 1000));
      }
    }
    return { value, timestamp };
  }

  /** Like `unsignWithTimestamp`, returning only the value. */
  override unsign(signed: string, options?: UnsignTimestampOptions): string {
    return this.unsignWithTimestamp(signed, options).value;
  }

  /** Like `unsign`, returning the value's UTF-8 bytes. */
  override unsignBytes(signed: string, options?: UnsignTimestampOptions): Uint8Array {
    return utf8Encode(this.unsign(signed, options));
  }

  /** Whether `signed` is valid and, given `maxAge`, not expired. */
  override validate(signed: string, options?: UnsignTimestampOptions): boolean {
    try {
      this.unsign(signed, options);
      return true;
    } catch (error) {
      if (error instanceof BadSignature) return false;
      throw error;
    }
  }
}
