/**
 * The `sessionkit` command, run as a user runs it (`node bin/sessionkit.js`, `npx sessionkit`),
 * against the cookies recorded from Flask 3.1 and against a live Flask 2.2 app.
 */
import { Buffer } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnce, ROOT, run, sessionkit, sessionkitWithEnv, type CliRun } from './helpers/cli.js';
import { FLASK_COOKIES } from './helpers/fixtures.js';
import { DAY, FlaskApp, nowSeconds, requireFlask, tamper } from './helpers/flask.js';

const SECRET = 'cli interop secret';
/** Long enough for the recorded cookies (signed in 2023) and short of any overflow. */
const TEN_YEARS = String(10 * 365 * DAY);

let flask: FlaskApp;

beforeAll(async () => {
  flask = FlaskApp.start();
  // Build up front; a failure is reported by every test that runs the command.
  await buildOnce().catch(() => undefined);
}, 180_000);

afterAll(async () => {
  await flask?.close();
});

function expectOk(result: CliRun, stdout: string): void {
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(stdout);
  expect(result.code).toBe(0);
}

/** Exit 1, nothing on stdout, exactly one line on stderr starting with one of `prefixes`. */
function expectRejected(result: CliRun, ...prefixes: Array<'bad signature:' | 'expired:' | 'malformed:'>): void {
  expect(result.stdout).toBe('');
  expect(result.code).toBe(1);
  expect(result.stderr.endsWith('\n'), JSON.stringify(result.stderr)).toBe(true);
  expect(result.stderr.slice(0, -1), 'one line on stderr').not.toContain('\n');
  expect(prefixes.some((prefix) => result.stderr.startsWith(prefix)), `stderr: ${result.stderr}`).toBe(true);
}

/** Exit 2, nothing on stdout, the usage of `command` on stderr. */
function expectUsage(result: CliRun, command: 'decode' | 'sign' | 'store' | null): void {
  expect(result.stdout).toBe('');
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(command ? `Usage: sessionkit ${command}` : 'Usage: sessionkit <command>');
}

it('real Flask is available to /usr/bin/python3 (apt-get install python3-flask)', () => {
  expect(() => requireFlask()).not.toThrow();
});

describe('installed command', () => {
  it('npx sessionkit --help works from the repository root', async () => {
    await buildOnce();
    const result = await run('npx', ['sessionkit', '--help']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: sessionkit <command>');
    expect(result.stdout).toContain('decode <cookie>');
    expect(result.stdout).toContain('sign <tagged-json>');
  }, 60_000);

  it('--help of the command and of each subcommand exits 0 with its usage on stdout', async () => {
    const [top, decode, sign, decodeShort] = await Promise.all([
      sessionkit('--help'),
      sessionkit('decode', '--help'),
      sessionkit('sign', '--help'),
      sessionkit('decode', '-h'),
    ]);
    expectOk(top, top.stdout);
    expect(top.stdout).toContain('Usage: sessionkit <command>');
    expectOk(decode, decode.stdout);
    expect(decode.stdout).toContain('Usage: sessionkit decode <cookie> (--secret S | --secret-file PATH)');
    expect(decode.stdout).toContain('--max-age');
    expect(decode.stdout).toContain('--fallback');
    expectOk(sign, sign.stdout);
    expect(sign.stdout).toContain('Usage: sessionkit sign <tagged-json> (--secret S | --secret-file PATH)');
    expect(sign.stdout).toContain('--timestamp');
    expect(decodeShort.stdout).toBe(decode.stdout);
  });
});

describe.concurrent('decode: cookies recorded from Flask 3.1', () => {
  it.each(FLASK_COOKIES.vectors.map((v, i) => [i, v] as const))('vector %i decodes to its tagged JSON (--max-age none)', async (_i, vector) => {
    expectOk(await sessionkit('decode', vector.cookie, '--secret', vector.secret, '--max-age', 'none'), `${vector.tagged_json}\n`);
  });

  it('a large --max-age works too, and options may come before the cookie', async () => {
    const vector = FLASK_COOKIES.vectors[0]!;
    expectOk(await sessionkit('decode', '--max-age', TEN_YEARS, '--secret', vector.secret, vector.cookie), `${vector.tagged_json}\n`);
  });

  it.each(FLASK_COOKIES.vectors.map((v, i) => [i, v] as const))('vector %i is expired for the default 31-day max-age', async (_i, vector) => {
    const result = await sessionkit('decode', vector.cookie, '--secret', vector.secret);
    expectRejected(result, 'expired:');
  });

  it('the fallback vector opens with --fallback and not without', async () => {
    const { old_secret, new_secret, cookie, tagged_json } = FLASK_COOKIES.fallback;
    const [withFallback, withoutFallback, oldAsSecret] = await Promise.all([
      sessionkit('decode', cookie, '--secret', new_secret, '--fallback', old_secret, '--max-age', 'none'),
      sessionkit('decode', cookie, '--secret', new_secret, '--max-age', 'none'),
      sessionkit('decode', cookie, '--secret', old_secret, '--max-age', 'none'),
    ]);
    expectOk(withFallback, `${tagged_json}\n`);
    expectRejected(withoutFallback, 'bad signature:');
    expectOk(oldAsSecret, `${tagged_json}\n`);
  });
});

describe.concurrent('sign: cookies as Flask 3.1 made them', () => {
  const uncompressed = FLASK_COOKIES.vectors.filter((v) => !v.compressed);
  const compressed = FLASK_COOKIES.vectors.filter((v) => v.compressed);

  it('the fixtures hold both kinds', () => {
    expect(uncompressed.length).toBeGreaterThan(5);
    expect(compressed.length).toBeGreaterThan(0);
  });

  it.each(uncompressed.map((v) => [v.cookie.split('.')[0]!.slice(0, 24), v] as const))('%s… is reproduced byte for byte', async (_name, vector) => {
    const result = await sessionkit('sign', vector.tagged_json, '--secret', vector.secret, '--timestamp', String(vector.timestamp));
    expectOk(result, `${vector.cookie}\n`);
  });

  it.each(compressed.map((v, i) => [i, v] as const))('compressed vector %i: "."-prefixed, and real Flask opens it to the same data', async (_i, vector) => {
    const result = await sessionkit('sign', vector.tagged_json, '--secret', vector.secret, '--timestamp', String(vector.timestamp));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    const cookie = result.stdout.slice(0, -1);
    expect(cookie.startsWith('.')).toBe(true);
    expect(cookie.split('.')).toHaveLength(4);
    // Same timestamp as Flask's cookie.
    expect(cookie.split('.')[2]).toBe(vector.cookie.split('.')[2]);
    const read = await flask.read({ secret: vector.secret, cookie, config: { PERMANENT_SESSION_LIFETIME: 10 * 365 * DAY } });
    expect(read.reason).toBeNull();
    expect(read.tagged_json).toBe(vector.tagged_json);
    expectOk(await sessionkit('decode', cookie, '--secret', vector.secret, '--max-age', 'none'), `${vector.tagged_json}\n`);
  });

  it('non-canonical input (spacing, key order, float spelling) signs as its canonical form', async () => {
    const vector = FLASK_COOKIES.vectors[0]!;
    const spaced = JSON.stringify(JSON.parse(vector.tagged_json) as object, null, 2);
    expectOk(await sessionkit('sign', spaced, '--secret', vector.secret, '--timestamp', String(vector.timestamp)), `${vector.cookie}\n`);
    const floats = FLASK_COOKIES.vectors.find((v) => v.tagged_json.includes('1e-05'))!;
    const reordered = '{"j": -0.0, "i": 1152921504606846976, "h": 1.00, "g": 0.00001, "f": 1E-1}';
    expectOk(await sessionkit('sign', reordered, '--secret', floats.secret, '--timestamp', String(floats.timestamp)), `${floats.cookie}\n`);
  });
});

describe('decode and sign against a live Flask 2.2 app', () => {
  it("decode prints Flask's own tagged JSON for every value kind", async () => {
    const sessions = await Promise.all([
      flask.make({ secret: SECRET, scenarios: ['kinds', 'flash', 'permanent'] }),
      flask.make({ secret: SECRET, scenarios: ['large'] }),
      flask.make({ secret: SECRET, data: { user: 'alice', n: 1 } }),
      flask.make({ secret: SECRET, data: { 'ключ': 'значение', '😀': ['☃'] } }),
    ]);
    expect(sessions[0]!.cookie!.startsWith('.')).toBe(true);
    const results = await Promise.all(sessions.map((made) => sessionkit('decode', made.cookie!, '--secret', SECRET)));
    results.forEach((result, i) => expectOk(result, `${sessions[i]!.tagged_json}\n`));
  });

  it('decode honours --salt, --digest and --key-derivation as Flask configures them', async () => {
    const variants = [
      { salt: 'custom-salt' },
      { digest: 'sha256' as const },
      { digest: 'sha512' as const },
      { key_derivation: 'concat' as const },
      { key_derivation: 'django-concat' as const },
      { key_derivation: 'none' as const },
      { salt: 'x', digest: 'sha256' as const, key_derivation: 'django-concat' as const },
    ];
    await Promise.all(
      variants.map(async (variant) => {
        const made = await flask.make({ secret: SECRET, ...variant, data: { variant: JSON.stringify(variant) } });
        const flags = [
          ...(variant.salt ? ['--salt', variant.salt] : []),
          ...(variant.digest ? ['--digest', variant.digest] : []),
          ...(variant.key_derivation ? ['--key-derivation', variant.key_derivation] : []),
        ];
        const [right, signed] = await Promise.all([
          sessionkit('decode', made.cookie!, '--secret', SECRET, ...flags),
          sessionkit('sign', made.tagged_json, '--secret', SECRET, ...flags),
        ]);
        expectOk(right, `${made.tagged_json}\n`);
        // And sign with the same flags makes a cookie that Flask, configured alike, opens.
        expect(signed.code, signed.stderr).toBe(0);
        const read = await flask.read({ secret: SECRET, ...variant, cookie: signed.stdout.trim() });
        expect(read.reason, JSON.stringify(variant)).toBeNull();
        expect(read.tagged_json).toBe(made.tagged_json);
      }),
    );
    // Without the flags, the signature does not match.
    const made = await flask.make({ secret: SECRET, salt: 'x', digest: 'sha256', key_derivation: 'django-concat', data: { a: 1 } });
    expectRejected(await sessionkit('decode', made.cookie!, '--secret', SECRET, '--salt', 'x', '--digest', 'sha256'), 'bad signature:');
  });

  it('sign (current time) makes cookies real Flask opens to the same data', async () => {
    const kinds = await flask.make({ secret: SECRET, scenarios: ['kinds', 'flash', 'permanent'] });
    const inputs = [
      kinds.tagged_json,
      '{"user":"alice"}',
      '{"cart":[1,2,3],"f":0.5,"g":1.0,"n":1180591620717411303424}',
      '{"_flashes":[{" t":["info","Welcome"]}],"_permanent":true}',
      `{"text":"${'x'.repeat(3000)}"}`,
    ];
    const signed = await Promise.all(inputs.map((input) => sessionkit('sign', input, '--secret', SECRET)));
    for (const [i, result] of signed.entries()) {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      const cookie = result.stdout.trim();
      const read = await flask.read({ secret: SECRET, cookie });
      expect(read.reason, inputs[i]).toBeNull();
      expect(read.tagged_json).toBe(inputs[i]);
    }
    const kindsRead = await flask.read({ secret: SECRET, cookie: signed[0]!.stdout.trim() });
    expect(kindsRead.permanent).toBe(true);
    expect(kindsRead.flashes).toBe("[('info', 'Welcome'), ('message', 'Plain message')]");
    expect(kindsRead.values!.tuple).toEqual({ type: 'tuple', repr: "(1, 'two', (3,))" });
    expect(kindsRead.values!.f1).toEqual({ type: 'float', repr: '1.0' });
    // Signed now: an hour of max-age is plenty, a timestamp from the future is not.
    expect(signed[4]!.stdout.startsWith('.')).toBe(true);
    expectOk(await sessionkit('decode', signed[1]!.stdout.trim(), '--secret', SECRET, '--max-age', '3600'), '{"user":"alice"}\n');
  });

  it('sign refuses tagged values that are not a dict at the top: Flask cannot open such a cookie', async () => {
    const texts = ['{" b":"AA=="}', '{" u":"12345678123456781234567812345678"}', '{" m":"<b>x</b>"}', '{" d":"Wed, 02 Jan 2030 03:04:05 GMT"}', '{" t":[1]}'];
    const [results, reads] = await Promise.all([
      Promise.all(texts.map((text) => sessionkit('sign', text, '--secret', SECRET))),
      Promise.all(texts.map(async (json_text) => flask.read({ secret: SECRET, cookie: await flask.signRaw({ secret: SECRET, json_text }) }))),
    ]);
    // Flask 2.2 fails the request on each (dict() of bytes, UUID, Markup, datetime, tuple).
    expect(reads.map((read) => read.status)).toEqual(texts.map(() => 500));
    const outcome = (result: CliRun) => ({ code: result.code, stdout: result.stdout, usage: result.stderr.includes('Usage: sessionkit sign') });
    expect(Object.fromEntries(results.map((result, i) => [texts[i], outcome(result)]))).toEqual(
      Object.fromEntries(texts.map((text) => [text, { code: 2, stdout: '', usage: true }])),
    );
  });

  it('a cookie signed with --timestamp in the future is refused by Flask and by decode', async () => {
    const future = nowSeconds() + DAY;
    const result = await sessionkit('sign', '{"user":"early"}', '--secret', SECRET, '--timestamp', String(future));
    const cookie = result.stdout.trim();
    const read = await flask.read({ secret: SECRET, cookie });
    expect(read.reason).toBe('SignatureExpired');
    expect(read.empty).toBe(true);
    expectRejected(await sessionkit('decode', cookie, '--secret', SECRET), 'expired:');
    expectRejected(await sessionkit('decode', cookie, '--secret', SECRET, '--max-age', TEN_YEARS), 'expired:');
  });
});

describe.concurrent('decode refuses bad cookies: exit 1, one line on stderr, nothing on stdout', () => {
  it('tampered payload, timestamp or signature → bad signature', async () => {
    const plain = await flask.make({ secret: SECRET, data: { user: 'mallory' } });
    const large = await flask.make({ secret: SECRET, scenarios: ['large'] });
    const cases = [plain.cookie!, large.cookie!].flatMap((cookie) => [0, 1, 2].map((segment) => tamper(cookie, segment as 0 | 1 | 2)));
    const results = await Promise.all(cases.map((cookie) => sessionkit('decode', cookie, '--secret', SECRET)));
    results.forEach((result) => expectRejected(result, 'bad signature:'));
    // Control: untouched, they decode.
    expectOk(await sessionkit('decode', plain.cookie!, '--secret', SECRET), `${plain.tagged_json}\n`);
  });

  it('wrong secret → bad signature', async () => {
    const made = await flask.make({ secret: SECRET, data: { user: 'eve' } });
    expectRejected(await sessionkit('decode', made.cookie!, '--secret', 'not the secret'), 'bad signature:');
  });

  it('signed 32 days ago → expired (default max-age), fine with a longer --max-age or none', async () => {
    const made = await flask.make({ secret: SECRET, at: nowSeconds() - 32 * DAY, data: { user: 'old' } });
    const [byDefault, longer, none, short] = await Promise.all([
      sessionkit('decode', made.cookie!, '--secret', SECRET),
      sessionkit('decode', made.cookie!, '--secret', SECRET, '--max-age', String(40 * DAY)),
      sessionkit('decode', made.cookie!, '--secret', SECRET, '--max-age', 'none'),
      sessionkit('decode', made.cookie!, '--secret', SECRET, '--max-age', String(31 * DAY)),
    ]);
    expectRejected(byDefault, 'expired:');
    expectOk(longer, '{"user":"old"}\n');
    expectOk(none, '{"user":"old"}\n');
    expectRejected(short, 'expired:');
  });

  it('signed two hours ago with --max-age 3600 → expired', async () => {
    const made = await flask.make({ secret: SECRET, at: nowSeconds() - 7200, data: { user: 'recent' } });
    expectRejected(await sessionkit('decode', made.cookie!, '--secret', SECRET, '--max-age', '3600'), 'expired:');
    expectOk(await sessionkit('decode', made.cookie!, '--secret', SECRET, '--max-age', '10000'), '{"user":"recent"}\n');
  });

  it('dated in the future → expired, whatever the max-age', async () => {
    const made = await flask.make({ secret: SECRET, at: nowSeconds() + DAY, data: { user: 'early' } });
    expectRejected(await sessionkit('decode', made.cookie!, '--secret', SECRET), 'expired:');
    expectRejected(await sessionkit('decode', made.cookie!, '--secret', SECRET, '--max-age', String(40 * DAY)), 'expired:');
  });

  it('valid signature over content that is not session data → malformed', async () => {
    const payloads = await Promise.all([
      flask.signRaw({ secret: SECRET, json_text: '{"user": ' }),
      flask.signRaw({ secret: SECRET, raw: 'not*base64!' }),
      flask.signRaw({ secret: SECRET, json_text: '{"user": "bob"}', dot: true }),
      flask.signRaw({ secret: SECRET, payload_b64: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64') }),
      flask.signRaw({ secret: SECRET, json_text: '{"b": {" b": "***"}}' }),
      flask.signRaw({ secret: SECRET, json_text: '{"u": {" u": "not hex"}}' }),
    ]);
    const results = await Promise.all(payloads.map((cookie) => sessionkit('decode', cookie, '--secret', SECRET)));
    for (const result of results) expectRejected(result, 'malformed:');
  });

  it('valid signature over JSON that is not an object (a list, a string, null…) → malformed', async () => {
    // Flask cannot open these either (dict() of a list fails the request, null gives nothing).
    const texts = ['[1, 2]', '"user"', 'null', '42', '{" t": [1, 2]}', '{" b": "AA=="}'];
    const payloads = await Promise.all(texts.map((json_text) => flask.signRaw({ secret: SECRET, json_text })));
    const results = await Promise.all(payloads.map((cookie) => sessionkit('decode', cookie, '--secret', SECRET)));
    const outcome = (result: CliRun) => ({ code: result.code, stdout: result.stdout, kind: result.stderr.split(':')[0] });
    expect(Object.fromEntries(results.map((result, i) => [texts[i], outcome(result)]))).toEqual(
      Object.fromEntries(texts.map((text) => [text, { code: 1, stdout: '', kind: 'malformed' }])),
    );
    for (const result of results) expectRejected(result, 'malformed:');
  });

  it('garbage → bad signature or malformed, never a crash', async () => {
    const garbage = ['.', 'a.b', '...', 'x'.repeat(5000), '!!!!.@@@@.####', 'eyJ1c2VyIjoiYm9iIn0.ZVPxAA.'];
    const results = await Promise.all(garbage.map((cookie) => sessionkit('decode', cookie, '--secret', SECRET)));
    results.forEach((result) => expectRejected(result, 'bad signature:', 'malformed:'));
  });
});

// The full list of argument errors runs in-process in test/unit/cli.test.ts; here, the main ones
// through the real command.
describe.concurrent('argument errors: exit 2 with the usage on stderr', () => {
  const cookie = FLASK_COOKIES.vectors[0]!.cookie;
  const cases: Array<[string, string[], 'decode' | 'sign' | null]> = [
    ['decode without --secret', ['decode', cookie], 'decode'],
    ['decode with an unknown flag', ['decode', cookie, '--secret', 's', '--bogus'], 'decode'],
    ['decode with a bad --digest', ['decode', cookie, '--secret', 's', '--digest', 'md5'], 'decode'],
    ['decode with two cookies', ['decode', cookie, cookie, '--secret', 's'], 'decode'],
    ['decode with a bad --max-age', ['decode', cookie, '--secret', 's', '--max-age', 'soon'], 'decode'],
    ['sign without --secret', ['sign', '{"a":1}'], 'sign'],
    ['sign with a bad --digest', ['sign', '{"a":1}', '--secret', 's', '--digest', 'sha3'], 'sign'],
    ['sign with invalid JSON', ['sign', '{"a":', '--secret', 's'], 'sign'],
    ['sign with two positionals', ['sign', '{"a":1}', '{"b":2}', '--secret', 's'], 'sign'],
    ['an unknown command', ['frobnicate'], null],
  ];

  it.each(cases)('%s', async (_name, args, command) => {
    expectUsage(await sessionkit(...args), command);
  });

  it('no command at all', async () => {
    expectUsage(await sessionkit(), null);
  });
});

describe('version, secret sources, typos and exit codes through the real command', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-cli-interop-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--version and -V print the version of package.json, also through npx', async () => {
    const [long, short, npx] = await Promise.all([sessionkit('--version'), sessionkit('-V'), buildOnce().then(() => run('npx', ['sessionkit', '--version']))]);
    expectOk(long, `${version}\n`);
    expectOk(short, `${version}\n`);
    expectOk(npx, `${version}\n`);
  }, 60_000);

  it("a Flask app's cookie decodes with the secret from --secret-file, SESSIONKIT_SECRET or SECRET_KEY", async () => {
    const made = await flask.make({ secret: SECRET, data: { user: 'from-env' } });
    const path = join(dir, 'secret-key');
    writeFileSync(path, `${SECRET}\n`);
    const [file, sessionkitVar, secretKeyVar, both] = await Promise.all([
      sessionkit('decode', made.cookie!, '--secret-file', path),
      sessionkitWithEnv({ SESSIONKIT_SECRET: SECRET }, 'decode', made.cookie!),
      sessionkitWithEnv({ SECRET_KEY: SECRET }, 'decode', made.cookie!),
      sessionkitWithEnv({ SESSIONKIT_SECRET: SECRET, SECRET_KEY: 'not the key' }, 'decode', made.cookie!),
    ]);
    for (const result of [file, sessionkitVar, secretKeyVar, both]) expectOk(result, `${made.tagged_json}\n`);
    // The environment is read only without --secret / --secret-file.
    expectRejected(await sessionkitWithEnv({ SECRET_KEY: SECRET }, 'decode', made.cookie!, '--secret', 'not the key'), 'bad signature:');
  });

  it('sign with --secret-file makes a cookie the Flask app opens', async () => {
    const path = join(dir, 'signing-key');
    writeFileSync(path, SECRET);
    const signed = await sessionkit('sign', '{"user":"filed"}', '--secret-file', path);
    expect(signed.code, signed.stderr).toBe(0);
    const read = await flask.read({ secret: SECRET, cookie: signed.stdout.trim() });
    expect(read.reason).toBeNull();
    expect(read.tagged_json).toBe('{"user":"filed"}');
  });

  it('a mistyped option: "did you mean", the usage, exit 2; the secret is not printed', async () => {
    const secret = 'interop-secret-never-printed';
    const result = await sessionkit('decode', FLASK_COOKIES.vectors[0]!.cookie, '--secert', secret);
    expectUsage(result, 'decode');
    expect(result.stderr.split('\n')[0]).toBe('sessionkit decode: unknown option --secert; did you mean --secret?');
    expect(result.stderr).not.toContain(secret);
    const missing = await sessionkit('decode', FLASK_COOKIES.vectors[0]!.cookie);
    expectUsage(missing, 'decode');
    expect(missing.stderr.split('\n')[0]).toContain('a secret is required');
  });

  it('exit codes as documented: 0 ok, 1 refused, 2 usage (a bad --store URL included)', async () => {
    const vector = FLASK_COOKIES.vectors[0]!;
    const [ok, refused, usage, storeUrl] = await Promise.all([
      sessionkit('decode', vector.cookie, '--secret', vector.secret, '--max-age', 'none'),
      sessionkit('decode', vector.cookie, '--secret', 'wrong', '--max-age', 'none'),
      sessionkit('sign', '{}', '--secret', 's', '--bogus'),
      sessionkit('store', 'list', '--store', 'gopher://x'),
    ]);
    expect([ok.code, refused.code, usage.code, storeUrl.code]).toEqual([0, 1, 2, 2]);
    expectUsage(storeUrl, 'store');
  });
});
