/**
 * The `password` option, normalized as iron-session 8 does: a string is the map `{ 1: password }`;
 * a map's ids are whole numbers and the numerically highest one seals, while every id unseals.
 */
import { ConfigError } from '../errors.js';
import { describe, validate } from '../config.js';

/** One password, or passwords by id (`{ 1: old, 2: new }`) for rotation. */
export type IronPassword = string | Readonly<Record<string, string>>;

/**
 * Shortest password accepted, in UTF-16 code units (JavaScript's `length`): iron's
 * `minPasswordlength`, which iron-session enforces on every password of a map.
 */
export const MIN_PASSWORD_LENGTH = 32;

/** Id iron-session gives a password passed as a plain string. */
export const SINGLE_PASSWORD_ID = '1';

/**
 * A canonical whole number: iron-session picks the sealing id with `Math.max(...ids.map(Number))`
 * and reads the password back under `String(max)`, so "01", "1e3" or "a" would break its sealing.
 */
const PASSWORD_ID = /^(?:0|[1-9][0-9]*)$/;

/** The passwords a sealer uses. */
export interface PasswordSet {
  /** Id and password that seal: the highest id. */
  readonly sealing: { readonly id: string; readonly password: string };
  /** Every password by id; all of them unseal. */
  readonly byId: ReadonlyMap<string, string>;
}

/** Validates and normalizes the `password` option; throws `ConfigError` naming what to fix. */
export function resolvePasswords(value: unknown, option = 'password'): PasswordSet {
  if (typeof value === 'string') {
    const password = checkPassword(option, value);
    return { sealing: { id: SINGLE_PASSWORD_ID, password }, byId: new Map([[SINGLE_PASSWORD_ID, password]]) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(option, `expected a string of at least ${MIN_PASSWORD_LENGTH} characters or a map { 1: "...", 2: "..." }, got ${describe(value)}`);
  }
  const byId = new Map<string, string>();
  let sealingId: string | undefined;
  for (const [id, password] of Object.entries(value)) {
    if (!PASSWORD_ID.test(id) || !Number.isSafeInteger(Number(id))) {
      throw new ConfigError(`${option}.${id}`, 'password ids must be whole numbers such as "1" or "2" (the highest seals, every one unseals)');
    }
    byId.set(id, checkPassword(`${option}.${id}`, password));
    if (sealingId === undefined || Number(id) > Number(sealingId)) sealingId = id;
  }
  if (sealingId === undefined) throw new ConfigError(option, 'the password map is empty; give at least one password');
  return { sealing: { id: sealingId, password: byId.get(sealingId)! }, byId };
}

function checkPassword(name: string, value: unknown): string {
  const password = validate.string(name, value);
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ConfigError(
      name,
      `must be at least ${MIN_PASSWORD_LENGTH} characters long (iron's minimum), got ${password.length}; ` +
        'generate one with `openssl rand -base64 32`',
    );
  }
  return password;
}
