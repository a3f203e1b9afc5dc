/**
 * Secret keys: the one place that checks them. The session interfaces read `secret` /
 * `SECRET_KEY` and `secretFallbacks` / `SECRET_KEY_FALLBACKS` with `resolveSecrets`; the signer
 * checks what it is given with `checkSecrets`. Messages name the option as the caller spelled it
 * and never quote a secret.
 */
import { pickOption } from './config.js';
import { ConfigError } from './errors.js';
import { describeSecretArrayHint } from './option-hints.js';

/** A secret key or salt: a string (taken as UTF-8) or raw bytes. */
export type Secret = string | Uint8Array;

/** The secret options of both session interfaces, under camelCase or Flask's names. */
export interface SecretOptions {
  /** The secret key that signs (`SECRET_KEY`). Keep it out of source control. */
  secret?: Secret;
  /** @see secret */
  SECRET_KEY?: Secret;
  /**
   * Old secrets that still verify, oldest first; only `secret` signs (`SECRET_KEY_FALLBACKS`).
   * Rotate by moving the old secret here.
   */
  secretFallbacks?: readonly Secret[];
  /** @see secretFallbacks */
  SECRET_KEY_FALLBACKS?: readonly Secret[];
}

/** Every option name `resolveSecrets` reads. */
export const SECRET_OPTION_NAMES: readonly string[] = ['secret', 'SECRET_KEY', 'secretFallbacks', 'SECRET_KEY_FALLBACKS'];

/** What `resolveSecrets` found. */
export interface ResolvedSecrets {
  /** The name the signing secret was given under: `secret` or `SECRET_KEY`. */
  readonly option: string;
  /** Every secret, oldest first: the fallbacks, then the secret that signs (itsdangerous' order). */
  readonly secrets: readonly Secret[];
}

/** What a refused secret is, for messages: its kind, never its value. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return 'an empty string';
  if (value instanceof Uint8Array) return 'empty bytes';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function isSecret(value: unknown): value is Secret {
  return (typeof value === 'string' || value instanceof Uint8Array) && value.length > 0;
}

/** One secret key: a non-empty string or `Uint8Array`. `where` prefixes the message (`entry 2: `). */
function checkSecret(option: string, value: unknown, where = ''): Secret {
  if (!isSecret(value)) throw new ConfigError(option, `${where}expected a non-empty string or Uint8Array, got ${kindOf(value)}`);
  return value;
}

/** A list of secret keys, each checked (messages name the entry); `nonEmpty` refuses an empty list. */
function checkSecretList(option: string, value: unknown, nonEmpty: boolean): Secret[] {
  if (!Array.isArray(value)) {
    throw new ConfigError(option, `expected a list of secret keys (non-empty strings or Uint8Arrays), got ${kindOf(value)}`);
  }
  if (nonEmpty && value.length === 0) throw new ConfigError(option, 'expected at least one secret key, got an empty list');
  return value.map((item: unknown, index) => checkSecret(option, item, `entry ${index}: `));
}

/**
 * Checks what a signer is given: one secret, or a list of them oldest first (at least one).
 * Throws `ConfigError` naming `option`.
 */
export function checkSecrets(option: string, value: unknown): Secret[] {
  return Array.isArray(value) ? checkSecretList(option, value, true) : [checkSecret(option, value)];
}

/**
 * Reads and checks the secret options (camelCase or Flask's names). A missing, `null` or empty
 * secret fails with a message that says `purpose` ("to sign session cookies"); a bad fallback
 * names `secretFallbacks` (or `SECRET_KEY_FALLBACKS`) and the entry.
 */
export function resolveSecrets(options: object, purpose: string): ResolvedSecrets {
  const secretOpt = pickOption(options, 'secret', 'SECRET_KEY');
  const missing = !secretOpt || secretOpt.value === null || secretOpt.value === '';
  if (missing) {
    throw new ConfigError(
      secretOpt?.name ?? 'secret',
      `a non-empty secret key is required ${purpose}; set secret (or SECRET_KEY) to a long random string`,
    );
  }
  // express-session and @fastify/session take `secret: [newest, …older]`.
  if (Array.isArray(secretOpt.value)) throw new ConfigError(secretOpt.name, describeSecretArrayHint());
  const secret = checkSecret(secretOpt.name, secretOpt.value);
  const fallbacksOpt = pickOption(options, 'secretFallbacks', 'SECRET_KEY_FALLBACKS');
  const fallbacks = fallbacksOpt && fallbacksOpt.value !== null ? checkSecretList(fallbacksOpt.name, fallbacksOpt.value, false) : [];
  return { option: secretOpt.name, secrets: [...fallbacks, secret] };
}
