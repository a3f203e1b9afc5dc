/** Iron (`Fe26.2`) sealing compatible with iron-session 8: encrypted, authenticated session data. */
export {
  DEFAULT_SEAL_TTL,
  IronSealer,
  SALT_PAIR_MAX_AGE_MS,
  SALT_PAIR_MAX_SEALS,
  TIMESTAMP_SKEW_MS,
  RECENT_SEAL_CACHE_ENTRIES,
  UNSEAL_KEY_CACHE_ENTRIES,
  type IronSealerOptions,
  type UnsealedSeal,
} from './iron.js';
export { MIN_PASSWORD_LENGTH, type IronPassword } from './passwords.js';
export { EXPIRATION_DIGITS, sealedSize, type SealedSizeOptions } from './size.js';
export { SealDataError } from './errors.js';
export { checkJsonData } from './json-data.js';
