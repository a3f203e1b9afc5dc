/**
 * How a server-side session is stored: the `RecordCodec` contract and sessionkit's own format.
 */
import { SessionKitError } from '../../errors.js';
import { TaggedJSONSerializer } from '../tagged-json.js';
import { isSessionData } from '../value-kinds.js';

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
}

/** Thrown by a codec for bytes that are not a session record it can read. */
export class RecordFormatError extends SessionKitError {}

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
}
