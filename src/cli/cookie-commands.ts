import { DEFAULT_PERMANENT_LIFETIME } from '../config.js';
import { canonicalPythonJson, TaggedJSONSerializer } from '../serialization/index.js';
import { isSessionData } from '../serialization/value-kinds.js';
import { BadPayload, SignatureExpired, URLSafeTimedSerializer, type Digest, type KeyDerivation, type Secret } from '../signing/index.js';
import { parseCommandLine } from './args.js';
import { EXIT, UsageError, type CliIo } from './io.js';
import { resolveSecret } from './secret-source.js';

/** How the secret can be given, shared by the usages of `decode` and `sign`. */
const SECRET_HELP = `  --secret S          the app's SECRET_KEY (other local users can see it in the process list;
                      --secret-file or the environment keeps it out of sight)
  --secret-file PATH  read the secret from a file (one final line break is ignored)
                      without either option: the environment variable SESSIONKIT_SECRET, else SECRET_KEY`;

/** Usage of `sessionkit decode`. */
export const DECODE_USAGE = `Usage: sessionkit decode <cookie> (--secret S | --secret-file PATH) [--fallback S2]... [--max-age SECONDS|none]
                         [--salt X] [--digest sha1|sha256|sha512] [--key-derivation hmac|django-concat|concat|none]

Verifies a Flask session cookie and prints its data as the compact tagged JSON Flask stores
inside it (keys sorted). Exit 0 on success; 1 with one line on stderr when the cookie has a bad
signature, is expired (or dated in the future) or is malformed; 2 on bad arguments.

${SECRET_HELP}
  --fallback S        an old key from SECRET_KEY_FALLBACKS (repeatable)
  --max-age SECONDS   reject cookies signed longer ago (default ${DEFAULT_PERMANENT_LIFETIME}, 31 days); "none" to skip
  --salt X            default "cookie-session"
  --digest D          default sha1
  --key-derivation K  default hmac
`;

/** Usage of `sessionkit sign`. */
export const SIGN_USAGE = `Usage: sessionkit sign <tagged-json> (--secret S | --secret-file PATH) [--timestamp EPOCH] [--salt X]
                       [--digest sha1|sha256|sha512] [--key-derivation hmac|django-concat|concat|none]

Prints the session cookie value Flask would send for this session data (tagged JSON as printed
by "sessionkit decode"), signed now or at --timestamp (seconds since the epoch). Payloads that
compress well are zlib-compressed, as Flask does. Exit 0 on success; 2 on bad arguments.

${SECRET_HELP}
  --timestamp EPOCH   sign at this time instead of now
  --salt X            default "cookie-session"
  --digest D          default sha1
  --key-derivation K  default hmac
`;

const SIGNING_OPTIONS = {
  secret: { type: 'string' },
  'secret-file': { type: 'string' },
  salt: { type: 'string', default: 'cookie-session' },
  digest: { type: 'string', default: 'sha1' },
  'key-derivation': { type: 'string', default: 'hmac' },
  help: { type: 'boolean', short: 'h' },
} as const;

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function serializerFor(secret: Secret, values: { salt: string; digest: string; 'key-derivation': string }, fallbacks: string[] = []) {
  return new URLSafeTimedSerializer<unknown>({
    secret: [...fallbacks, secret],
    salt: values.salt,
    signer: {
      digest: oneOf<Digest>('digest', values.digest, ['sha1', 'sha256', 'sha512']),
      keyDerivation: oneOf<KeyDerivation>('key-derivation', values['key-derivation'], ['hmac', 'django-concat', 'concat', 'none']),
    },
  });
}

/** `sessionkit decode`: verify a Flask cookie and print its tagged JSON. */
export function decodeCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseCommandLine({
    args,
    options: { ...SIGNING_OPTIONS, fallback: { type: 'string', multiple: true }, 'max-age': { type: 'string' } },
  });
  if (values.help) {
    io.stdout(DECODE_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('expected exactly one cookie value');
  const maxAgeText = values['max-age'];
  let maxAge: number | undefined = DEFAULT_PERMANENT_LIFETIME;
  if (maxAgeText === 'none') maxAge = undefined;
  else if (maxAgeText !== undefined) {
    if (!/^\d+$/.test(maxAgeText)) throw new UsageError(`--max-age must be a whole number of seconds or "none", got "${maxAgeText}"`);
    maxAge = Number(maxAgeText);
  }
  const serializer = serializerFor(resolveSecret(values, io.env ?? process.env), values, values.fallback ?? []);
  const cookie = positionals[0]!.trim();
  let text: string;
  try {
    text = serializer.loadsText(cookie, { maxAge }).text;
  } catch (error) {
    io.stderr(`${describeRejection(error)}\n`);
    return EXIT.rejected;
  }
  let data: unknown;
  try {
    data = new TaggedJSONSerializer().loads(text);
  } catch (error) {
    io.stderr(`malformed: the signed payload is not valid tagged JSON (${(error as Error).message})\n`);
    return EXIT.rejected;
  }
  if (!isSessionData(data)) {
    io.stderr('malformed: the signed payload is not a session (a JSON object)\n');
    return EXIT.rejected;
  }
  io.stdout(`${canonicalPythonJson(text)}\n`);
  return EXIT.ok;
}

/** One line saying why a cookie was refused: bad signature, expired or malformed. */
function describeRejection(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof SignatureExpired) return `expired: ${message}`;
  if (error instanceof BadPayload) return `malformed: ${message}`;
  return `bad signature: ${message}`;
}

/** `sessionkit sign`: print the cookie value Flask would produce. */
export function signCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parseCommandLine({
    args,
    options: { ...SIGNING_OPTIONS, timestamp: { type: 'string' } },
  });
  if (values.help) {
    io.stdout(SIGN_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError('expected exactly one tagged-JSON argument');
  const serializer = serializerFor(resolveSecret(values, io.env ?? process.env), values);
  const timestampText = values.timestamp;
  if (timestampText !== undefined && !/^\d+$/.test(timestampText)) {
    throw new UsageError(`--timestamp must be whole seconds since the epoch, got "${timestampText}"`);
  }
  let text: string;
  try {
    text = canonicalPythonJson(positionals[0]!);
    const data = new TaggedJSONSerializer().loads(text);
    if (!isSessionData(data)) throw new Error('a session is a JSON object');
  } catch (error) {
    throw new UsageError(`<tagged-json> is not valid session data: ${(error as Error).message}`);
  }
  const timestamp = timestampText === undefined ? undefined : Number(timestampText);
  io.stdout(`${serializer.dumpsText(text, { timestamp })}\n`);
  return EXIT.ok;
}
