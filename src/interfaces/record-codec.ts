/** The record codecs live in `serialization/records/`; this path re-exports them. */
export { RecordFormatError, TaggedJsonRecordCodec, type RecordCodec, type RecordMeta } from '../serialization/records/record-codec.js';
