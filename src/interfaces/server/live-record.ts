/**
 * Reading a stored record as session data, as a request would see it.
 */
import { isPastAbsoluteLifetime, type SaveRules } from '../../decisions.js';
import { RecordFormatError, type RecordCodec } from '../../serialization/records/record-codec.js';
import type { StoreRecord } from '../../stores/store.js';

/** A stored session that is still alive. */
export interface LiveSession {
  readonly data: Record<string, unknown>;
  /** When the session was created (epoch ms); a record without that time counts as created now. */
  readonly createdAt: number;
}

/**
 * Decodes a record, or `undefined` when it is unreadable (the client then gets a new session,
 * never an error) or past its absolute lifetime. Other codec failures are thrown.
 */
export function decodeLive(record: StoreRecord, codec: RecordCodec, nowMs: number, rules: Pick<SaveRules, 'absoluteTimeoutMs'>): LiveSession | undefined {
  let decoded: ReturnType<RecordCodec['decode']>;
  try {
    decoded = codec.decode(record.value);
  } catch (error) {
    if (error instanceof RecordFormatError) return undefined;
    throw error;
  }
  const createdAt = decoded.meta.createdAt ?? nowMs;
  if (isPastAbsoluteLifetime(createdAt, nowMs, rules)) return undefined;
  return { data: decoded.data, createdAt };
}
