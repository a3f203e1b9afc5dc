/** Signing compatible with itsdangerous 2.x, the layer under Flask's session cookie. */
export { BadData, BadPayload, BadSignature, BadTimeSignature, SignatureExpired } from './errors.js';
export {
  DEFAULT_SIGNER_SALT,
  Signer,
  type Digest,
  type KeyDerivation,
  type Secret,
  type SignerOptions,
} from './signer.js';
export {
  TimestampSigner,
  type SignTimestampOptions,
  type TimestampedValue,
  type TimestampSignerOptions,
  type UnsignTimestampOptions,
} from './timestamp-signer.js';
export {
  DEFAULT_SERIALIZER_SALT,
  JSON_SERIALIZER,
  URLSafeSerializer,
  URLSafeTimedSerializer,
  type SerializerSignerOptions,
  type TextSerializer,
  type TimestampedData,
  type TimestampedText,
  type URLSafeSerializerOptions,
  type URLSafeTimedSerializerOptions,
} from './serializer.js';
export { DEFAULT_MAX_DECOMPRESSED_BYTES } from './payload.js';
