import { TaggedJSONSerializer } from '../serialization/index.js';
import { isSessionData } from '../serialization/value-kinds.js';

/** What a stored record holds besides the data. */
export interface RecordMeta {
  /** When the session was created (epoch ms); drives the absolute timeout. */
  createdAt: number;
}

/**
 * Turns a server-side session into the bytes a store keeps, and back. `decode` throws on bytes
 * it cannot read.
 */
export interface RecordCodec {
  /** Short name for messages. */
  readonly name: string;
  encode(data: Record<string, unknown>, meta: RecordMeta): Uint8Array;
  decode(bytes: Uint8Array): { data: Record<string, unknown>; meta: Partial<RecordMeta> };
  /** Serializes one value, to detect in-place changes of values read from the session. */
  fingerprint(value: unknown): string;
}

/** Thrown by a codec for bytes that are not a session record it can read. */
export class RecordFormatError extends Error {
  override name = 'RecordFormatError';
}

/**
 * The native record format: UTF-8 tagged JSON (Flask's type tags, so tuples, bytes, dates,
 * UUIDs and big integers survive) of `{"c": createdAtMs, "d": data}`.
 */
export class TaggedJsonRecordCodec implements RecordCodec {
  readonly name = 'tagged-json';
  readonly #json = new TaggedJSONSerializer();
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });

  encode(data: Record<string, unknown>, meta: RecordMeta): Uint8Array {
    return this.#encoder.encode(this.#json.dumps({ c: meta.createdAt, d: data }));
  }

  decode(bytes: Uint8Array): { data: Record<string, unknown>; meta: Partial<RecordMeta> } {
    let envelope: unknown;
    try {
      envelope = this.#json.loads(this.#decoder.decode(bytes));
    } catch (error) {
      throw new RecordFormatError(`not a ${this.name} session record: ${(error as Error).message}`);
    }
    if (!isSessionData(envelope) || !isSessionData(envelope.d)) throw new RecordFormatError(`not a ${this.name} session record`);
    const createdAt = typeof envelope.c === 'number' ? envelope.c : undefined;
    return { data: envelope.d, meta: createdAt === undefined ? {} : { createdAt } };
  }

  fingerprint(value: unknown): string {
    return this.#json.dumps(value);
  }
}
