/**
 * The format of a record file:
 *
 *   offset 0   4 bytes  magic "SKS1"
 *   offset 4   8 bytes  expiresAt, epoch ms, float64 big-endian
 *   offset 12  1 byte   version length V (ASCII)
 *   offset 13  4 bytes  key length K (UTF-8 bytes), uint32 big-endian
 *   offset 17  V bytes  version
 *   then       K bytes  key
 *   then       the value, to the end of the file
 */

const MAGIC = Buffer.from('SKS1', 'latin1');
/** Bytes before the version: magic, expiry, version length, key length. */
export const FIXED_HEADER_BYTES = 17;

/** What precedes the value in a record file. */
export interface FileRecordHeader {
  key: string;
  version: string;
  expiresAt: number;
  /** Offset of the value in the file. */
  valueOffset: number;
}

/** A record file's full contents. */
export interface FileRecord extends FileRecordHeader {
  value: Uint8Array;
}

/** A record file is not in the expected format (truncated, foreign or damaged). */
export class FileRecordFormatError extends Error {
  constructor(detail: string) {
    super(`not a valid session record file: ${detail}`);
    this.name = 'FileRecordFormatError';
  }
}

/** Serializes a record into the bytes of its file. */
export function encodeFileRecord(key: string, version: string, expiresAt: number, value: Uint8Array): Buffer {
  const versionBytes = Buffer.from(version, 'latin1');
  const keyBytes = Buffer.from(key, 'utf8');
  if (versionBytes.length > 255) throw new RangeError('version token too long');
  const header = Buffer.alloc(FIXED_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeDoubleBE(expiresAt, 4);
  header.writeUInt8(versionBytes.length, 12);
  header.writeUInt32BE(keyBytes.length, 13);
  return Buffer.concat([header, versionBytes, keyBytes, value]);
}

/**
 * Reads the header from the first bytes of a record file. Returns the number of bytes needed
 * when `bytes` is too short to hold the whole header.
 */
export function decodeFileRecordHeader(bytes: Buffer): FileRecordHeader | { needBytes: number } {
  if (bytes.length < FIXED_HEADER_BYTES) {
    if (bytes.length >= MAGIC.length && !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new FileRecordFormatError('bad magic');
    }
    return { needBytes: FIXED_HEADER_BYTES };
  }
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new FileRecordFormatError('bad magic');
  const expiresAt = bytes.readDoubleBE(4);
  const versionLength = bytes.readUInt8(12);
  const keyLength = bytes.readUInt32BE(13);
  const valueOffset = FIXED_HEADER_BYTES + versionLength + keyLength;
  if (bytes.length < valueOffset) return { needBytes: valueOffset };
  const version = bytes.toString('latin1', FIXED_HEADER_BYTES, FIXED_HEADER_BYTES + versionLength);
  const key = bytes.toString('utf8', FIXED_HEADER_BYTES + versionLength, valueOffset);
  return { key, version, expiresAt, valueOffset };
}

/** Parses a whole record file. */
export function decodeFileRecord(bytes: Buffer): FileRecord {
  const header = decodeFileRecordHeader(bytes);
  if ('needBytes' in header) throw new FileRecordFormatError(`truncated (${bytes.length} bytes)`);
  const value = bytes.subarray(header.valueOffset);
  return { ...header, value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
}
