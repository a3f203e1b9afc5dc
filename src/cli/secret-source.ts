import { readFileSync } from 'node:fs';
import type { Secret } from '../signing/index.js';
import { UsageError } from './io.js';

/** Environment variables holding the secret, in the order they are tried. */
export const SECRET_ENV_VARIABLES = ['SESSIONKIT_SECRET', 'SECRET_KEY'] as const;

const LF = 0x0a;
const CR = 0x0d;

/** `bytes` without one final line break (`echo "$KEY" > file` writes one; it is not part of the key). */
function withoutFinalLineBreak(bytes: Buffer): Buffer {
  if (bytes.at(-1) !== LF) return bytes;
  return bytes.subarray(0, bytes.at(-2) === CR ? -2 : -1);
}

function readSecretFile(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read --secret-file ${path} (${code})`);
  }
  const secret = withoutFinalLineBreak(bytes);
  if (secret.length === 0) throw new UsageError(`--secret-file ${path} is empty`);
  return secret;
}

/**
 * The secret key, from the first of: `--secret S`, `--secret-file PATH` (the file's bytes, less
 * one final line break; not both options), the `SESSIONKIT_SECRET` environment variable, then
 * `SECRET_KEY` (empty variables count as unset). A `UsageError` when there is none; no message
 * ever contains the secret.
 */
export function resolveSecret(
  values: { secret?: string | undefined; 'secret-file'?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
): Secret {
  const { secret, 'secret-file': file } = values;
  if (secret !== undefined && file !== undefined) throw new UsageError('give the secret once: --secret or --secret-file, not both');
  if (secret !== undefined) {
    if (secret === '') throw new UsageError('--secret must not be empty');
    return secret;
  }
  if (file !== undefined) return readSecretFile(file);
  for (const name of SECRET_ENV_VARIABLES) {
    const value = env[name];
    if (value) return value;
  }
  throw new UsageError(`a secret is required: --secret S, --secret-file PATH, or the environment variable ${SECRET_ENV_VARIABLES.join(' or ')}`);
}
