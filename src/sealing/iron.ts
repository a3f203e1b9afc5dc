/**
 * `IronSealer`: session data encrypted and authenticated in iron's `Fe26.2` format, as iron-session
 * 8 seals cookies, synchronously on `node:crypto`. What iron-session seals opens here and what is
 * sealed here opens in iron-session, with the same passwords.
 */
import { ConfigError } from '../errors.js';
import { pickOption, rejectUnknownOptions, validate } from '../config.js';
import { SealDataError } from './errors.js';
import { composeMacBase, composeSeal, decodeBase64Url, parseSeal, type SealParts } from './format.js';
import { BoundedLru } from './lru.js';
import { resolvePasswords, type IronPassword, type PasswordSet } from './passwords.js';
import { IV_BYTES, SALT_BYTES, decrypt, deriveKey, encrypt, mac, macMatches, type DerivedKeys } from './primitives.js';
import { RandomPool } from './random-pool.js';
import { sealedSize } from './size.js';

/** iron-session's default `ttl`: 14 days, in seconds. */
export const DEFAULT_SEAL_TTL = 14 * 24 * 3600;

/**
 * iron's `timestampSkewSec` (60 s): a seal stays valid this long past its expiration, so servers
 * sharing a password tolerate that much clock drift between them.
 */
export const TIMESTAMP_SKEW_MS = 60_000;

/**
 * Seals made with one salt pair (so one pair of derived keys) before a new random pair is drawn.
 * Every seal still has its own random IV, so reuse leaks nothing about the data; the limit keeps
 * how much one key pair protects small, and the cost negligible (two derivations per 65,536 seals).
 */
export const SALT_PAIR_MAX_SEALS = 65_536;

/**
 * Longest time one salt pair seals (5 minutes). Seals sharing salts show that they were made by the
 * same process at about the same time; this bounds that window also on a quiet server. It also
 * bounds how many pairs are in circulation, which keeps the unseal cache's hit rate high.
 */
export const SALT_PAIR_MAX_AGE_MS = 5 * 60_000;

/**
 * Derived key pairs remembered for unsealing, by (password id, salts). A returning user sends the
 * same cookie again and again; this sealer's own salt pairs are few. Each entry is ~0.3 KB. Only
 * pairs whose MAC verified are stored, so forged cookies cannot evict good entries.
 */
export const UNSEAL_KEY_CACHE_ENTRIES = 512;

/**
 * Seals this sealer made recently, remembered with their JSON text. A cookie sent back exactly as
 * it was sealed here is authentic by construction (the same bytes carry the same valid MAC), so it
 * opens with a map lookup and a `JSON.parse` instead of an HMAC and a decryption; its expiration is
 * still checked. A user's next request usually sends the seal of the previous response. Each entry
 * holds the seal and its JSON, ~0.5 KB for a small session (at most ~7 KB at the cookie limit).
 */
export const RECENT_SEAL_CACHE_ENTRIES = 512;

/** Options of `IronSealer`. */
export interface IronSealerOptions {
  /**
   * At least 32 characters, or passwords by whole-number id for rotation, `{ 1: old, 2: new }`:
   * the highest id seals, every id unseals (iron-session's rule). A plain string has id `1`.
   */
  password: IronPassword;
  /**
   * Lifetime of a seal in seconds (rounded up to the millisecond); `0` seals without expiration.
   * Default 14 days, iron-session's. A seal stays valid 60 s past it (`TIMESTAMP_SKEW_MS`).
   */
  ttl?: number;
  /** Current time in epoch milliseconds; inject one to test expiry. Default: `Date.now`. */
  clock?: () => number;
}

/** What `unsealWithExpiration` returns for a seal that opened. */
export interface UnsealedSeal {
  /** The data, as `JSON.parse` gave it. */
  readonly data: unknown;
  /** The expiration written in the seal (epoch ms); `undefined` when it never expires. */
  readonly expiresAt: number | undefined;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['password', 'ttl', 'clock']);

/** A seal made here: what it holds and when it expires. */
interface RecentSeal {
  readonly json: string;
  readonly expiresAt: number | undefined;
}

/** Keys of the salt pair this sealer currently seals with. */
interface SealingKeys extends DerivedKeys {
  readonly encryptionSalt: string;
  readonly integritySalt: string;
  readonly createdAt: number;
  seals: number;
}

const UTF8 = new TextDecoder();

/**
 * Seals data into iron-session 8's cookie format and opens such seals.
 *
 * Sealing reuses one random salt pair, and so its derived keys, for up to `SALT_PAIR_MAX_SEALS`
 * seals or `SALT_PAIR_MAX_AGE_MS`, with a fresh random IV each time; the format carries the salts
 * in every seal, so any iron implementation opens them. Unsealing remembers derived keys by salt
 * pair (`UNSEAL_KEY_CACHE_ENTRIES`), so a cookie seen before costs one HMAC and one decryption,
 * and remembers its own recent seals (`RECENT_SEAL_CACHE_ENTRIES`), so a cookie it sealed opens
 * without either.
 */
export class IronSealer {
  readonly #passwords: PasswordSet;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  readonly #random = new RandomPool();
  readonly #unsealKeys = new BoundedLru<string, DerivedKeys>(UNSEAL_KEY_CACHE_ENTRIES);
  readonly #recentSeals = new BoundedLru<string, RecentSeal>(RECENT_SEAL_CACHE_ENTRIES);
  #sealing: SealingKeys | undefined;

  constructor(options: IronSealerOptions) {
    rejectUnknownOptions(options, KNOWN_OPTIONS, 'IronSealer');
    const password = pickOption(options, 'password');
    if (!password) throw new ConfigError('password', `required: a secret of at least 32 characters, or a map { 1: "...", 2: "..." }`);
    this.#passwords = resolvePasswords(password.value);
    const ttl = pickOption(options, 'ttl');
    this.#ttlMs = Math.ceil((ttl ? validate.seconds('ttl', ttl.value, { min: 0 }) : DEFAULT_SEAL_TTL) * 1000);
    const clock = pickOption(options, 'clock');
    this.#clock = clock ? validate.function<() => number>('clock', clock.value) : Date.now;
  }

  /** Id of the password that seals: the highest one. */
  get passwordId(): string {
    return this.#passwords.sealing.id;
  }

  /** Lifetime of a seal in seconds; `0` means seals never expire. */
  get ttl(): number {
    return this.#ttlMs / 1000;
  }

  /**
   * Seals `data` (its `JSON.stringify` text) with the newest password; iron-session's
   * `unsealData` and `getIronSession` read the result. Throws `SealDataError` when the data has no
   * JSON text (`undefined`, a `BigInt`, a cycle).
   */
  seal(data: unknown, nowMs?: number): string {
    const now = this.#now(nowMs);
    return this.#seal(data, now, this.#ttlMs === 0 ? undefined : Math.floor(now) + this.#ttlMs);
  }

  /**
   * Seals `data` like `seal`, with the expiration `expiresAtMs` (epoch milliseconds, a whole
   * number) written into the seal instead of now + `ttl`. Readers accept it until 60 s after
   * that instant (`TIMESTAMP_SKEW_MS`).
   */
  sealUntil(data: unknown, expiresAtMs: number, nowMs?: number): string {
    if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs < 0) {
      throw new RangeError(`expiresAtMs must be whole epoch milliseconds, got ${String(expiresAtMs)}`);
    }
    return this.#seal(data, this.#now(nowMs), expiresAtMs);
  }

  /**
   * Opens a seal made by this sealer or by iron-session with any of the passwords, and returns
   * its data; `null` when the seal is malformed, tampered with, expired (60 s of skew allowed),
   * made with an unknown password id, or not iron-session 8's `~2` format. Never throws on input.
   */
  unseal(sealed: string, nowMs?: number): unknown {
    const opened = this.unsealWithExpiration(sealed, nowMs);
    return opened === null ? null : opened.data;
  }

  /**
   * `unseal`, also returning the expiration written in the seal (epoch milliseconds; `undefined`
   * for a seal that never expires), so a caller can apply its own limits; `null` as `unseal`.
   */
  unsealWithExpiration(sealed: string, nowMs?: number): UnsealedSeal | null {
    const now = this.#now(nowMs);
    if (typeof sealed !== 'string') return null;
    const recent = this.#recentSeals.get(sealed);
    if (recent !== undefined) {
      if (recent.expiresAt !== undefined && recent.expiresAt <= now - TIMESTAMP_SKEW_MS) return null;
      return { data: JSON.parse(recent.json) as unknown, expiresAt: recent.expiresAt };
    }
    const parts = parseSeal(sealed);
    if (!parts) return null;
    if (parts.expiresAt !== undefined && parts.expiresAt <= now - TIMESTAMP_SKEW_MS) return null;
    const keys = this.#verifiedKeys(parts);
    if (!keys) return null;
    const iv = decodeBase64Url(parts.iv);
    const ciphertext = decodeBase64Url(parts.ciphertext);
    if (!iv || !ciphertext) return null;
    const plaintext = decrypt(keys.encryption, iv, ciphertext);
    if (!plaintext || plaintext.byteLength === 0) return null;
    try {
      return { data: JSON.parse(UTF8.decode(plaintext)) as unknown, expiresAt: parts.expiresAt };
    } catch {
      return null;
    }
  }

  /** Length of the seal of `jsonBytes` bytes of JSON with this sealer's password id and ttl. */
  sealedSize(jsonBytes: number): number {
    return sealedSize(jsonBytes, { passwordId: this.#passwords.sealing.id, expires: this.#ttlMs !== 0 });
  }

  #seal(data: unknown, now: number, expiresAt: number | undefined): string {
    const json = toJson(data);
    const keys = this.#sealingKeys(now);
    const iv = this.#random.take(IV_BYTES);
    const ciphertext = encrypt(keys.encryption, iv, json);
    const macBase = composeMacBase(this.#passwords.sealing.id, keys.encryptionSalt, iv, ciphertext, expiresAt);
    const sealed = composeSeal(macBase, keys.integritySalt, mac(keys.integrity, macBase));
    this.#recentSeals.set(sealed, { json, expiresAt });
    return sealed;
  }

  #now(nowMs: number | undefined): number {
    const now = nowMs ?? this.#clock();
    if (!Number.isFinite(now)) throw new ConfigError('clock', `expected the time in epoch milliseconds, got ${String(now)}`);
    return now;
  }

  /** The current salt pair's keys, drawing a new pair when the current one is used up or old. */
  #sealingKeys(now: number): SealingKeys {
    const current = this.#sealing;
    if (current && current.seals < SALT_PAIR_MAX_SEALS && now >= current.createdAt && now - current.createdAt < SALT_PAIR_MAX_AGE_MS) {
      current.seals++;
      return current;
    }
    const { id, password } = this.#passwords.sealing;
    const encryptionSalt = this.#random.take(SALT_BYTES).toString('hex');
    const integritySalt = this.#random.take(SALT_BYTES).toString('hex');
    const keys: SealingKeys = {
      encryption: deriveKey(password, encryptionSalt),
      integrity: deriveKey(password, integritySalt),
      encryptionSalt,
      integritySalt,
      createdAt: now,
      seals: 1,
    };
    this.#unsealKeys.set(unsealCacheKey(id, encryptionSalt, integritySalt), keys);
    this.#sealing = keys;
    return keys;
  }

  /** The keys of a seal whose MAC verifies, from the cache or derived; `undefined` otherwise. */
  #verifiedKeys(parts: SealParts): DerivedKeys | undefined {
    const password = this.#passwords.byId.get(parts.passwordId);
    if (password === undefined) return undefined;
    const cacheKey = unsealCacheKey(parts.passwordId, parts.encryptionSalt, parts.integritySalt);
    const cached = this.#unsealKeys.get(cacheKey);
    const integrity = cached?.integrity ?? deriveKey(password, parts.integritySalt);
    if (!macMatches(integrity, parts.macBase, parts.mac)) return undefined;
    if (cached) return cached;
    const keys: DerivedKeys = { encryption: deriveKey(password, parts.encryptionSalt), integrity };
    this.#unsealKeys.set(cacheKey, keys);
    return keys;
  }
}

/** Salts never contain `*` (it separates components), so this key is unambiguous. */
function unsealCacheKey(passwordId: string, encryptionSalt: string, integritySalt: string): string {
  return `${passwordId}*${encryptionSalt}*${integritySalt}`;
}

/** `JSON.stringify(data)`, as iron encodes, or `SealDataError` when there is no JSON text. */
function toJson(data: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(data) as string | undefined;
  } catch (error) {
    throw new SealDataError(error instanceof Error ? error.message : String(error), { cause: error });
  }
  if (json === undefined) throw new SealDataError(`JSON.stringify gives no text for ${data === undefined ? 'undefined' : typeof data}`);
  return json;
}
