/**
 * The `sessionkit` CLI contract through `main(argv, io)`, in-process: argument parsing, exit
 * codes, what goes to stdout and stderr, and the recorded Flask cookies.
 */
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, USAGE } from '../../src/cli/index.js';
import { DECODE_USAGE, SIGN_USAGE } from '../../src/cli/cookie-commands.js';
import { STORE_USAGE } from '../../src/cli/store-commands.js';
import { FLASK_COOKIES } from '../interop/helpers/fixtures.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with `env` as its whole environment. */
async function cliWithEnv(env: Record<string, string>, ...argv: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
}

/** Runs the CLI in-process with an empty environment (no SESSIONKIT_SECRET or SECRET_KEY). */
function cli(...argv: string[]): Promise<Result> {
  return cliWithEnv({}, ...argv);
}

function expectOk(result: Result, stdout: string): void {
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(stdout);
  expect(result.code).toBe(0);
}

function expectRejected(result: Result, ...prefixes: Array<'bad signature:' | 'expired:' | 'malformed:'>): void {
  expect(result.stdout).toBe('');
  expect(result.code).toBe(1);
  expect(result.stderr.endsWith('\n'), JSON.stringify(result.stderr)).toBe(true);
  expect(result.stderr.slice(0, -1), 'exactly one line on stderr').not.toContain('\n');
  expect(prefixes.some((prefix) => result.stderr.startsWith(prefix)), `stderr: ${result.stderr}`).toBe(true);
}

function expectUsage(result: Result, usage: string): void {
  expect(result.stdout).toBe('');
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(usage);
}

/**
 * An itsdangerous URLSafeTimedSerializer token with Flask's session settings (salt
 * `cookie-session`, HMAC key derivation, SHA-1), written from the algorithm with node:crypto so
 * the tests can sign payloads that are not sessions. Checked against the recorded cookies below.
 */
function flaskSign(payload: string | Buffer, secret: string, timestamp: number, { dot = false } = {}): string {
  const key = createHmac('sha1', secret).update('cookie-session').digest();
  let tsBytes = Buffer.alloc(8);
  tsBytes.writeBigUInt64BE(BigInt(timestamp));
  tsBytes = tsBytes.subarray(tsBytes.findIndex((b) => b !== 0));
  const value = `${dot ? '.' : ''}${Buffer.from(payload).toString('base64url')}.${tsBytes.toString('base64url')}`;
  return `${value}.${createHmac('sha1', key).update(value).digest('base64url')}`;
}

const NOW = () => Math.floor(Date.now() / 1000);
const SECRET = 'unit secret';
const vectors = FLASK_COOKIES.vectors;

describe('help and commands', () => {
  it('--help, -h and help print the usage on stdout and exit 0', async () => {
    for (const flag of ['--help', '-h', 'help']) expectOk(await cli(flag), USAGE);
  });

  it('decode --help and sign --help print their usage and exit 0, even without --secret', async () => {
    expectOk(await cli('decode', '--help'), DECODE_USAGE);
    expectOk(await cli('decode', '-h'), DECODE_USAGE);
    expectOk(await cli('sign', '--help'), SIGN_USAGE);
    expectOk(await cli('sign', '{"a":1}', '--help'), SIGN_USAGE);
  });

  it('the usages describe the options users need', () => {
    for (const option of ['--secret', '--fallback', '--max-age', '--salt', '--digest', '--key-derivation']) {
      expect(DECODE_USAGE).toContain(option);
    }
    for (const option of ['--secret', '--timestamp', '--salt', '--digest', '--key-derivation']) expect(SIGN_USAGE).toContain(option);
    expect(USAGE).toContain('decode');
    expect(USAGE).toContain('sign');
  });

  it('no command: exit 2 with the usage on stderr', async () => {
    expectUsage(await cli(), 'Usage: sessionkit <command>');
  });

  it('an unknown command: exit 2, names it, usage on stderr', async () => {
    const result = await cli('decrypt', 'x');
    expectUsage(result, USAGE);
    expect(result.stderr).toContain('"decrypt"');
  });
});

describe('decode', () => {
  it('the test signer reproduces the recorded cookies (so the payloads below are signed correctly)', () => {
    for (const vector of vectors.filter((v) => !v.compressed)) {
      expect(flaskSign(vector.tagged_json, vector.secret, vector.timestamp)).toBe(vector.cookie);
    }
  });

  it('prints the tagged JSON of every recorded cookie (--max-age none)', async () => {
    for (const vector of vectors) {
      expectOk(await cli('decode', vector.cookie, '--secret', vector.secret, '--max-age', 'none'), `${vector.tagged_json}\n`);
    }
  });

  it('refuses the recorded (2023) cookies as expired with the default 31-day max-age', async () => {
    for (const vector of vectors) expectRejected(await cli('decode', vector.cookie, '--secret', vector.secret), 'expired:');
  });

  it('--max-age counts seconds from the signing time', async () => {
    const now = NOW();
    const cookie = flaskSign('{"a":1}', SECRET, now - 100);
    expectOk(await cli('decode', cookie, '--secret', SECRET, '--max-age', '1000'), '{"a":1}\n');
    expectRejected(await cli('decode', cookie, '--secret', SECRET, '--max-age', '10'), 'expired:');
    expectOk(await cli('decode', cookie, '--secret', SECRET), '{"a":1}\n');
    const old = flaskSign('{"a":1}', SECRET, now - 32 * 86400);
    expectRejected(await cli('decode', old, '--secret', SECRET), 'expired:');
    expectOk(await cli('decode', old, '--secret', SECRET, '--max-age', String(33 * 86400)), '{"a":1}\n');
  });

  it('refuses a cookie dated in the future as expired', async () => {
    const cookie = flaskSign('{"a":1}', SECRET, NOW() + 3600);
    expectRejected(await cli('decode', cookie, '--secret', SECRET), 'expired:');
    expectRejected(await cli('decode', cookie, '--secret', SECRET, '--max-age', '999999'), 'expired:');
  });

  it('opens the fallback vector only with --fallback; several fallbacks may be given', async () => {
    const { old_secret, new_secret, cookie, tagged_json } = FLASK_COOKIES.fallback;
    expectOk(await cli('decode', cookie, '--secret', new_secret, '--fallback', old_secret, '--max-age', 'none'), `${tagged_json}\n`);
    expectOk(await cli('decode', cookie, '--secret', new_secret, '--fallback', 'x', '--fallback', old_secret, '--max-age', 'none'), `${tagged_json}\n`);
    expectRejected(await cli('decode', cookie, '--secret', new_secret, '--max-age', 'none'), 'bad signature:');
  });

  it('tampering with payload, timestamp or signature → bad signature', async () => {
    const cookie = flaskSign('{"user":"mallory"}', SECRET, NOW());
    const [payload, ts, sig] = cookie.split('.') as [string, string, string];
    const flip = (s: string) => (s[2] === 'A' ? `${s.slice(0, 2)}g${s.slice(3)}` : `${s.slice(0, 2)}A${s.slice(3)}`);
    for (const bad of [`${flip(payload)}.${ts}.${sig}`, `${payload}.${flip(ts)}.${sig}`, `${payload}.${ts}.${flip(sig)}`, `${payload}.${ts}`]) {
      expectRejected(await cli('decode', bad, '--secret', SECRET), 'bad signature:');
    }
    expectRejected(await cli('decode', cookie, '--secret', 'wrong'), 'bad signature:');
    expectOk(await cli('decode', cookie, '--secret', SECRET), '{"user":"mallory"}\n');
  });

  it('a valid signature over bytes that are not tagged JSON → malformed', async () => {
    const now = NOW();
    for (const payload of ['{"user": ', '{"b":{" b":"***"}}', '{"u":{" u":"zz"}}', Buffer.from([0x7b, 0xff, 0x7d])]) {
      expectRejected(await cli('decode', flaskSign(payload, SECRET, now), '--secret', SECRET), 'malformed:');
    }
    expectRejected(await cli('decode', flaskSign('{"a":1}', SECRET, now, { dot: true }), '--secret', SECRET), 'malformed:');
  });

  it.each(['[1,2]', '"text"', 'null', '7', '{" t":[1,2]}', '{" b":"AA=="}', '{" u":"12345678123456781234567812345678"}'])('a valid signature over %s (not a session dict) → malformed', async (payload) => {
    expectRejected(await cli('decode', flaskSign(payload, SECRET, NOW()), '--secret', SECRET), 'malformed:');
  });

  it('garbage → bad signature or malformed', async () => {
    for (const garbage of ['.', 'a.b', '...', 'x'.repeat(3000), '!!.@@.##']) {
      expectRejected(await cli('decode', garbage, '--secret', SECRET), 'bad signature:', 'malformed:');
    }
  });

  it('surrounding whitespace around the cookie is ignored; --secret=S works', async () => {
    const cookie = flaskSign('{"a":1}', SECRET, NOW());
    expectOk(await cli('decode', ` ${cookie}\n`, `--secret=${SECRET}`), '{"a":1}\n');
  });

  it('prints canonical JSON: keys sorted by code point, non-ASCII escaped, Python float spelling', async () => {
    const cookie = flaskSign('{"z":1,"a":1.0,"é":1e-5,"big":1180591620717411303424}', SECRET, NOW());
    expectOk(await cli('decode', cookie, '--secret', SECRET), '{"a":1.0,"big":1180591620717411303424,"z":1,"\\u00e9":1e-05}\n');
  });
});

describe('sign', () => {
  it('reproduces every uncompressed recorded cookie byte for byte', async () => {
    for (const vector of vectors.filter((v) => !v.compressed)) {
      expectOk(await cli('sign', vector.tagged_json, '--secret', vector.secret, '--timestamp', String(vector.timestamp)), `${vector.cookie}\n`);
    }
  });

  it('compresses the compressible recorded sessions ("." prefix) and decode reads them back', async () => {
    for (const vector of vectors.filter((v) => v.compressed)) {
      const signed = await cli('sign', vector.tagged_json, '--secret', vector.secret, '--timestamp', String(vector.timestamp));
      expect(signed.code).toBe(0);
      expect(signed.stdout.startsWith('.')).toBe(true);
      expect(signed.stdout.split('.')[2]).toBe(vector.cookie.split('.')[2]);
      expectOk(await cli('decode', signed.stdout.trim(), '--secret', vector.secret, '--max-age', 'none'), `${vector.tagged_json}\n`);
    }
  });

  it('signs at the current time without --timestamp', async () => {
    const before = NOW();
    const signed = await cli('sign', '{"a":1}', '--secret', SECRET);
    const after = NOW();
    expect(signed.code).toBe(0);
    const cookie = signed.stdout.trim();
    const ts = Buffer.from(cookie.split('.')[1]!, 'base64url').readUIntBE(0, 4);
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(after);
    expect(cookie).toBe(flaskSign('{"a":1}', SECRET, ts));
  });

  it('--salt, --digest and --key-derivation round-trip through decode, and only with the same flags', async () => {
    const flagSets = [
      ['--salt', 'other'],
      ['--digest', 'sha256'],
      ['--digest', 'sha512'],
      ['--key-derivation', 'concat'],
      ['--key-derivation', 'django-concat'],
      ['--key-derivation', 'none'],
    ];
    for (const flags of flagSets) {
      const signed = await cli('sign', '{"a":[1,{" t":[2]}]}', '--secret', SECRET, ...flags);
      expect(signed.code, flags.join(' ')).toBe(0);
      const cookie = signed.stdout.trim();
      expectOk(await cli('decode', cookie, '--secret', SECRET, ...flags), '{"a":[1,{" t":[2]}]}\n');
      expectRejected(await cli('decode', cookie, '--secret', SECRET), 'bad signature:');
    }
  });

  it('accepts a dict whose only key is a tag key (" di")', async () => {
    const signed = await cli('sign', '{" di":{" t__":[1]}}', '--secret', SECRET);
    expect(signed.code, signed.stderr).toBe(0);
    expectOk(await cli('decode', signed.stdout.trim(), '--secret', SECRET), '{" di":{" t__":[1]}}\n');
  });

  it('canonicalizes its input: spacing and key order do not change the cookie', async () => {
    const vector = vectors[0]!;
    const loose = ` { "username" : "alice" } `;
    expectOk(await cli('sign', loose, '--secret', vector.secret, '--timestamp', String(vector.timestamp)), `${vector.cookie}\n`);
  });
});

describe('argument errors → exit 2, usage on stderr, nothing on stdout', () => {
  const cookie = vectors[0]!.cookie;
  const decodeCases: string[][] = [
    ['decode', cookie],
    ['decode', cookie, '--secret', ''],
    ['decode', cookie, '--secret'],
    ['decode', cookie, '--secret', 's', '--bogus'],
    ['decode', cookie, '--secret', 's', '--digest', 'md5'],
    ['decode', cookie, '--secret', 's', '--key-derivation', 'pbkdf2'],
    ['decode', cookie, cookie, '--secret', 's'],
    ['decode', '--secret', 's'],
    ['decode', cookie, '--secret', 's', '--max-age', 'soon'],
    ['decode', cookie, '--secret', 's', '--max-age', '1.5'],
    ['decode', cookie, '--secret', 's', '--max-age=-5'],
    ['decode', cookie, '--secret', 's', '--timestamp', '5'],
  ];
  const signCases: string[][] = [
    ['sign', '{"a":1}'],
    ['sign', '{"a":1}', '--secret', 's', '--fallback', 'x'],
    ['sign', '{"a":1}', '--secret', 's', '--digest', 'sha3'],
    ['sign', '{"a":', '--secret', 's'],
    ['sign', '', '--secret', 's'],
    ['sign', '[1,2]', '--secret', 's'],
    ['sign', 'null', '--secret', 's'],
    ['sign', '{" t":[1]}', '--secret', 's'],
    // Tagged values that are not a dict: Flask cannot open such a session.
    ['sign', '{" b":"AA=="}', '--secret', 's'],
    ['sign', '{" u":"12345678123456781234567812345678"}', '--secret', 's'],
    ['sign', '{" m":"<b>x</b>"}', '--secret', 's'],
    ['sign', '{" d":"Wed, 02 Jan 2030 03:04:05 GMT"}', '--secret', 's'],
    ['sign', '{"b":{" b":"***"}}', '--secret', 's'],
    ['sign', '{"a":1}', '{"b":2}', '--secret', 's'],
    ['sign', '--secret', 's'],
    ['sign', '{"a":1}', '--secret', 's', '--timestamp', 'yesterday'],
    ['sign', '{"a":1}', '--secret', 's', '--timestamp', '-1'],
  ];

  const title = (argv: string[]) => argv.map((a) => (a.length > 20 ? `${a.slice(0, 12)}…` : JSON.stringify(a))).join(' ');

  it.each(decodeCases.map((argv) => [title(argv), argv] as const))('%s', async (_title, argv) => {
    expectUsage(await cli(...argv), DECODE_USAGE);
  });

  it.each(signCases.map((argv) => [title(argv), argv] as const))('%s', async (_title, argv) => {
    expectUsage(await cli(...argv), SIGN_USAGE);
  });

  it('the message before the usage names the problem', async () => {
    expect((await cli('decode', cookie)).stderr).toMatch(/^sessionkit decode: .*--secret/);
    expect((await cli('sign', '{"a":1}', '--secret', 's', '--digest', 'sha3')).stderr).toMatch(/^sessionkit sign: .*--digest/);
    expect((await cli('sign', '[1]', '--secret', 's')).stderr).toMatch(/^sessionkit sign: .*tagged-json/);
  });
});

describe('--version', () => {
  const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

  it('--version and -V print the version of package.json on stdout and exit 0', async () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expectOk(await cli('--version'), `${version}\n`);
    expectOk(await cli('-V'), `${version}\n`);
  });

  it('the usage lists --version, -V, --help and the exit status', () => {
    for (const text of ['--version', '-V', '--help', '-h', 'Exit status: 0 success; 1 ', '2 bad arguments']) expect(USAGE).toContain(text);
  });
});

describe('mistyped options and commands: exit 2, "did you mean", usage', () => {
  const cookie = vectors[0]!.cookie;

  it.each([
    [['decode', cookie, '--secert', 's'], 'unknown option --secert; did you mean --secret?', DECODE_USAGE],
    [['decode', cookie, '--secret', 's', '--max_age', '5'], 'unknown option --max_age; did you mean --max-age?', DECODE_USAGE],
    [['decode', cookie, '--secret', 's', '--fallbacks=x'], 'unknown option --fallbacks; did you mean --fallback?', DECODE_USAGE],
    [['decode', cookie, '--secret-fil', '/x'], 'unknown option --secret-fil; did you mean --secret-file?', DECODE_USAGE],
    [['sign', '{}', '--secret', 's', '--timestmap', '1'], 'unknown option --timestmap; did you mean --timestamp?', SIGN_USAGE],
    [['sign', '{}', '--secret', 's', '--key-derivaton', 'none'], 'unknown option --key-derivaton; did you mean --key-derivation?', SIGN_USAGE],
    [['store', 'list', '--stor', 'memory://'], 'unknown option --stor; did you mean --store?', STORE_USAGE],
    [['store', 'list', '--store', 'memory://', '--flask-sesion'], 'unknown option --flask-sesion; did you mean --flask-session?', STORE_USAGE],
  ])('%j', async (argv, message, usage) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(`sessionkit ${argv[0]}: ${message}`);
    expect(result.stderr).toContain(usage);
    expect(result.stderr).not.toContain('ERR_PARSE_ARGS');
  });

  it('an option close to none: no suggestion; a short option is named as typed', async () => {
    const far = await cli('decode', cookie, '--secret', 's', '--frobnicate');
    expect(far.code).toBe(2);
    expect(far.stderr.split('\n')[0]).toBe('sessionkit decode: unknown option --frobnicate');
    const short = await cli('decode', cookie, '--secret', 's', '-x');
    expect(short.stderr.split('\n')[0]).toBe('sessionkit decode: unknown option -x');
  });

  it('a string option without its value, and a value given to a flag', async () => {
    expect((await cli('decode', cookie, '--secret')).stderr.split('\n')[0]).toBe('sessionkit decode: --secret needs a value');
    const taken = await cli('decode', cookie, '--secret', '--salt', 'x');
    expect(taken.code).toBe(2);
    expect(taken.stderr.split('\n')[0]).toBe('sessionkit decode: --secret needs a value (write --secret=VALUE for a value starting with "-")');
    expect((await cli('store', 'purge', '--store', 'memory://', '--all=yes')).stderr.split('\n')[0]).toBe('sessionkit store: --all takes no value');
  });

  it('a mistyped command or top-level option', async () => {
    const command = await cli('decod', cookie);
    expect(command.code).toBe(2);
    expect(command.stderr.split('\n')[0]).toBe('sessionkit: unknown command "decod"; did you mean decode?');
    expect(command.stderr).toContain(USAGE);
    const option = await cli('--verison');
    expect(option.code).toBe(2);
    expect(option.stderr.split('\n')[0]).toBe('sessionkit: unknown option --verison; did you mean --version?');
  });
});

describe('where the secret comes from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-cli-secret-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const now = NOW();
  const signedWith = (secret: string) => flaskSign('{"who":"me"}', secret, now);

  it('--secret-file: the file content, one final line break (LF or CRLF) ignored', async () => {
    expectOk(await cli('decode', signedWith('from a file'), '--secret-file', file('plain', 'from a file')), '{"who":"me"}\n');
    expectOk(await cli('decode', signedWith('from a file'), '--secret-file', file('lf', 'from a file\n')), '{"who":"me"}\n');
    expectOk(await cli('decode', signedWith('from a file'), `--secret-file=${file('crlf', 'from a file\r\n')}`), '{"who":"me"}\n');
    // Only one line break goes: a key that ends in a line break keeps it.
    expectOk(await cli('decode', signedWith('two lines\n'), '--secret-file', file('two', 'two lines\n\n')), '{"who":"me"}\n');
  });

  it('--secret-file: bytes that are not UTF-8 are the key as they are (as Flask takes a bytes SECRET_KEY)', async () => {
    const key = Buffer.from([0x00, 0xff, 0x80, 0x41, 0x0a]);
    const secretKey = createHmac('sha1', key.subarray(0, 4)).update('cookie-session').digest();
    const payload = Buffer.from('{"b":1}').toString('base64url');
    const ts = Buffer.from([0x65, 0x00, 0x00, 0x00]).toString('base64url');
    const cookie = `${payload}.${ts}.${createHmac('sha1', secretKey).update(`${payload}.${ts}`).digest('base64url')}`;
    expectOk(await cli('decode', cookie, '--secret-file', file('binary', key), '--max-age', 'none'), '{"b":1}\n');
  });

  it('sign takes --secret-file and the environment too', async () => {
    const viaFile = await cli('sign', '{"a":1}', '--secret-file', file('sign', 'signing key\n'), '--timestamp', '1700000000');
    const viaEnv = await cliWithEnv({ SECRET_KEY: 'signing key' }, 'sign', '{"a":1}', '--timestamp', '1700000000');
    expectOk(viaFile, `${flaskSign('{"a":1}', 'signing key', 1_700_000_000)}\n`);
    expectOk(viaEnv, viaFile.stdout);
  });

  it('SESSIONKIT_SECRET, then SECRET_KEY, when no option gives the secret; empty variables count as unset', async () => {
    expectOk(await cliWithEnv({ SESSIONKIT_SECRET: 'env one' }, 'decode', signedWith('env one')), '{"who":"me"}\n');
    expectOk(await cliWithEnv({ SECRET_KEY: 'env two' }, 'decode', signedWith('env two')), '{"who":"me"}\n');
    expectOk(await cliWithEnv({ SESSIONKIT_SECRET: 'env one', SECRET_KEY: 'env two' }, 'decode', signedWith('env one')), '{"who":"me"}\n');
    expectRejected(await cliWithEnv({ SESSIONKIT_SECRET: 'env one', SECRET_KEY: 'env two' }, 'decode', signedWith('env two')), 'bad signature:');
    expectOk(await cliWithEnv({ SESSIONKIT_SECRET: '', SECRET_KEY: 'env two' }, 'decode', signedWith('env two')), '{"who":"me"}\n');
  });

  it('--secret and --secret-file win over the environment', async () => {
    const env = { SESSIONKIT_SECRET: 'env one', SECRET_KEY: 'env two' };
    expectOk(await cliWithEnv(env, 'decode', signedWith('flag'), '--secret', 'flag'), '{"who":"me"}\n');
    expectOk(await cliWithEnv(env, 'decode', signedWith('flag'), '--secret-file', file('flag', 'flag')), '{"who":"me"}\n');
    expectRejected(await cliWithEnv(env, 'decode', signedWith('env one'), '--secret', 'flag'), 'bad signature:');
  });

  it('no secret, both options, an empty or unreadable file: exit 2 with the usage', async () => {
    const none = await cli('decode', signedWith('x'));
    expectUsage(none, DECODE_USAGE);
    expect(none.stderr.split('\n')[0]).toBe('sessionkit decode: a secret is required: --secret S, --secret-file PATH, or the environment variable SESSIONKIT_SECRET or SECRET_KEY');
    const both = await cli('decode', signedWith('x'), '--secret', 'x', '--secret-file', file('both', 'x'));
    expectUsage(both, DECODE_USAGE);
    expect(both.stderr).toContain('--secret or --secret-file, not both');
    const empty = await cli('decode', signedWith('x'), '--secret-file', file('empty', '\n'));
    expectUsage(empty, DECODE_USAGE);
    expect(empty.stderr).toContain('is empty');
    const missing = await cli('sign', '{}', '--secret-file', join(dir, 'does-not-exist'));
    expectUsage(missing, SIGN_USAGE);
    expect(missing.stderr.split('\n')[0]).toBe(`sessionkit sign: cannot read --secret-file ${join(dir, 'does-not-exist')} (ENOENT)`);
    expectUsage(await cli('sign', '{}', '--secret-file', dir), SIGN_USAGE);
  });

  it('the secret never appears in what the command prints when it fails', async () => {
    const secret = 'Zq8-very-secret-value-Zq8';
    const path = file('secret', secret);
    const cookie = flaskSign('{"a":1}', 'another key', now);
    const failures = await Promise.all([
      cli('decode', cookie, '--secret', secret),
      cli('decode', cookie, '--secret-file', path),
      cliWithEnv({ SESSIONKIT_SECRET: secret }, 'decode', cookie),
      cliWithEnv({ SECRET_KEY: secret }, 'decode', 'garbage'),
      cli('decode', cookie, `--secret=${secret}`, '--max-age', 'soon'),
      cli('decode', cookie, '--secret', secret, '--secret-file', path),
      cli('decode', cookie, '--secert', secret),
      cli('decode', cookie, `--secert=${secret}`),
      cli('decode', cookie, '--secret', `-${secret}`),
      cli('sign', '{"a":', '--secret', secret),
      cli('sign', '{"a":1}', '--secret', secret, '--digest', 'md5'),
    ]);
    for (const result of failures) {
      expect(result.code).not.toBe(0);
      expect(result.stdout + result.stderr).not.toContain(secret.slice(3, -3));
    }
  });
});

describe('exit codes of store', () => {
  it('an unsupported or malformed --store URL is a usage error: exit 2 with the usage', async () => {
    for (const url of ['gopher://x', 'not a url', 'memory://?bogus=1']) {
      const result = await cli('store', 'list', '--store', url);
      expect(result.code, url).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^sessionkit store: --store is not a usable store URL \(/);
      expect(result.stderr).toContain(STORE_USAGE);
    }
  });

  it('the URL is not repeated in the message (it may carry a password)', async () => {
    const result = await cli('store', 'list', '--store', 'gopher://user:hunter2-password@host');
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('hunter2-password');
  });

  it('a session that does not exist: exit 1, one line', async () => {
    const result = await cli('store', 'get', 'missing', '--store', 'memory://');
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'no session stored under session:missing\n' });
  });

  it('a store that cannot be reached: exit 1, no usage', async () => {
    const result = await cli('store', 'list', '--store', 'redis://127.0.0.1:1/0?connectTimeoutMs=2000');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^sessionkit store: /);
    expect(result.stderr).not.toContain('Usage:');
  });
});
