/**
 * The record format of Flask-Session 0.8's `filesystem` and `cachelib` backends: the session dict
 * pickled (protocol 5, as cachelib's `FileSystemSerializer` writes it). These backends ignore
 * `SESSION_SERIALIZATION_FORMAT`; the store in its Flask-Session layout adds cachelib's expiry
 * header and names the file.
 */
import { dumpsFlaskSession, loadsRestricted } from '../pickle.js';
import { isSessionData } from '../value-kinds.js';
import { RecordFormatError, type RecordCodec, type RecordMeta } from './record-codec.js';

/**
 * Reads and writes pickled session dicts with sessionkit's restricted pickle reader: only the
 * opcodes and the few globals a session dict needs (datetime, UUID, Markup, …) are accepted, so
 * a file crafted to run code is refused as an unreadable record (a fresh session), never run.
 * Like Flask-Session's other formats, there is no room for a creation time.
 */
export class FlaskSessionPickleCodec implements RecordCodec {
  /** Always `"flask-session-pickle"`. */
  readonly name = 'flask-session-pickle';

  encode(data: Record<string, unknown>, _meta: RecordMeta): Uint8Array {
    return dumpsFlaskSession(data);
  }

  decode(bytes: Uint8Array): { data: Record<string, unknown>; meta: Partial<RecordMeta> } {
    let data: unknown;
    try {
      data = loadsRestricted(bytes);
    } catch (error) {
      throw new RecordFormatError(`not a ${this.name} session: ${(error as Error).message}`);
    }
    if (!isSessionData(data)) throw new RecordFormatError(`not a ${this.name} session: not a dict with str keys`);
    return { data, meta: {} };
  }
}
