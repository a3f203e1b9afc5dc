/**
 * Interop with Python's itsdangerous (Debian's python3-itsdangerous, pulled in by python3-flask):
 * what itsdangerous signs, sessionkit verifies and signs to the identical string; what sessionkit
 * signs, itsdangerous verifies; both reject malformed input with the same error class; and the
 * payload compression matches Python's zlib byte for byte. Each direction is one Python process.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { zlibCompress } from '../../src/signing/deflate.js';
import { inflateSync } from 'node:zlib';
import { base64UrlEncode } from '../../src/signing/encoding.js';
import {
  BadData,
  Signer,
  TimestampSigner,
  URLSafeSerializer,
  URLSafeTimedSerializer,
  type Digest,
  type KeyDerivation,
  type Secret,
  type TextSerializer,
} from '../../src/signing/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./py/itsdangerous_interop.py', import.meta.url));

type SecretSpec = string | { hex: string };
type Kind = 'signer' | 'timestamp' | 'serializer' | 'timed-serializer';

interface Case {
  kind: Kind;
  secret: SecretSpec | SecretSpec[];
  salt?: SecretSpec;
  sep?: string;
  keyDerivation?: KeyDerivation;
  digest?: Digest;
  value: string;
  timestamp?: number;
  signed?: string;
  maxAge?: number;
}

type Verified =
  | { ok: true; value: string; timestamp?: number }
  | { ok: false; error: string; message: string };

let pythonChecked = false;

/** Fails (never skips) when Debian's itsdangerous is missing. */
function requireItsdangerous(): void {
  if (pythonChecked) return;
  try {
    execFileSync(PYTHON, ['-c', 'import itsdangerous'], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `${PYTHON} cannot import itsdangerous, which this interop test needs: run \`apt-get install python3-flask\` ` +
        `(${error instanceof Error ? error.message : String(error)})`,
    );
  }
  pythonChecked = true;
}

function python<T>(mode: 'sign' | 'verify', cases: readonly unknown[]): T[] {
  requireItsdangerous();
  const out = execFileSync(PYTHON, [SCRIPT, mode], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, PYTHONIOENCODING: 'utf-8' },
  });
  const answers = JSON.parse(out) as T[];
  expect(answers).toHaveLength(cases.length);
  return answers;
}

const passThrough: TextSerializer<string> = { dumps: (text) => text, loads: (text) => text };

function toSecret(spec: SecretSpec): Secret {
  return typeof spec === 'string' ? spec : Buffer.from(spec.hex, 'hex');
}

/** The sessionkit object a case describes; `sign`/`open` hide the per-class method names. */
function make(c: Case): { sign(value: string): string; open(signed: string): { value: string; timestamp?: number } } {
  const secret = Array.isArray(c.secret) ? c.secret.map(toSecret) : toSecret(c.secret);
  const salt = c.salt === undefined ? undefined : toSecret(c.salt);
  const signerOptions = { sep: c.sep, keyDerivation: c.keyDerivation, digest: c.digest };
  const timestamp = c.timestamp === undefined ? undefined : { timestamp: c.timestamp };
  const age = c.maxAge === undefined ? undefined : { maxAge: c.maxAge };
  switch (c.kind) {
    case 'signer': {
      const s = new Signer({ secret, salt, ...signerOptions });
      return { sign: (v) => s.sign(v), open: (signed) => ({ value: s.unsign(signed) }) };
    }
    case 'timestamp': {
      const s = new TimestampSigner({ secret, salt, ...signerOptions });
      return { sign: (v) => s.sign(v, timestamp), open: (signed) => s.unsignWithTimestamp(signed, age) };
    }
    case 'serializer': {
      const s = new URLSafeSerializer<string>({ secret, salt, serializer: passThrough, signer: signerOptions });
      return { sign: (v) => s.dumpsText(v), open: (signed) => ({ value: s.loadsText(signed) }) };
    }
    case 'timed-serializer': {
      const s = new URLSafeTimedSerializer<string>({ secret, salt, serializer: passThrough, signer: signerOptions });
      return {
        sign: (v) => s.dumpsText(v, timestamp),
        open: (signed) => {
          const { text, timestamp: when } = s.loadsText(signed, age);
          return { value: text, timestamp: when };
        },
      };
    }
  }
}

// ---- The combinations ----

const KINDS: readonly Kind[] = ['signer', 'timestamp', 'serializer', 'timed-serializer'];
const DERIVATIONS: readonly KeyDerivation[] = ['hmac', 'django-concat', 'concat', 'none'];
const DIGESTS: readonly Digest[] = ['sha1', 'sha256', 'sha512'];
const SECRETS: readonly (SecretSpec | SecretSpec[])[] = [
  'secret-key',
  { hex: 'ff00fe01fd02' },
  'ключ 🔑',
  ['oldest', { hex: '00' }, 'newest'],
  ['only-one'],
];
const SALTS: readonly (SecretSpec | undefined)[] = [undefined, 'cookie-session', 'соль', { hex: '80ff' }, ''];
const SEPS: readonly (string | undefined)[] = [undefined, '|', '::', '~', '.'];
// Python cannot turn timestamps past year 9999 into a datetime, so none go beyond.
const TIMESTAMPS = [1_700_000_000, 0, 255, 4_102_444_800, 2 ** 37];
const SIGNER_VALUES = ['hello', 'значение ✓ 😀', '', 'a.b|c::d', 'x'.repeat(300)];
const PAYLOADS = [
  '{"user":"alice"}',
  '{"name":"Zoë","cjk":"会话","emoji":"😀"}',
  '{"k":"bababaaabaaabbaba"}',
  '{"k":"baaaaaababaaaabbbbaa"}',
  `{"list":[${Array.from({ length: 120 }, (_, i) => i % 7).join(',')}]}`,
  `{"_permanent":true,"csrf_token":"${'8f1b2c3d4e5f6071'.repeat(3)}","user_id":42,"name":"alice"}`,
  '',
];

function combinations(): Case[] {
  const cases: Case[] = [];
  let i = 0;
  for (const kind of KINDS) {
    for (const keyDerivation of DERIVATIONS) {
      for (const digest of DIGESTS) {
        for (let variant = 0; variant < 3; variant++, i++) {
          const values = kind === 'signer' || kind === 'timestamp' ? SIGNER_VALUES : PAYLOADS;
          const c: Case = {
            kind,
            secret: SECRETS[i % SECRETS.length]!,
            keyDerivation,
            digest,
            value: values[(i * 3 + variant) % values.length]!,
          };
          const salt = SALTS[(i + variant) % SALTS.length];
          if (salt !== undefined) c.salt = salt;
          const sep = SEPS[(i * 7 + variant) % SEPS.length];
          if (sep !== undefined) c.sep = sep;
          if (kind === 'timestamp' || kind === 'timed-serializer') c.timestamp = TIMESTAMPS[i % TIMESTAMPS.length]!;
          cases.push(c);
        }
      }
    }
  }
  // Flask's cookie profile with every payload, and the itsdangerous defaults.
  for (const value of PAYLOADS) {
    cases.push({
      kind: 'timed-serializer',
      secret: ['fallback', 'secret'],
      salt: 'cookie-session',
      keyDerivation: 'hmac',
      digest: 'sha1',
      value,
      timestamp: 1_700_000_000,
    });
    cases.push({ kind: 'serializer', secret: 'secret', value });
  }
  cases.push({ kind: 'signer', secret: 'secret', value: 'defaults' });
  cases.push({ kind: 'timestamp', secret: 'secret', value: 'defaults', timestamp: 1 });
  return cases;
}

/** Inputs for the compression comparison: JSON-like, repetitive, random and skewed bytes. */
function zlibInputs(): Buffer[] {
  const inputs: Buffer[] = [];
  let x = 12345;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const words = ['"user"', ':', '42', ',', '{', '}', 'alice', 'csrf_token', '"', 'Zoë', '[1,2]', 'true', ' t'];
  for (let n = 0; n < 150; n++) {
    const count = Math.floor(next() * 2 ** (1 + (n % 11)));
    inputs.push(Buffer.from(Array.from({ length: count }, () => words[Math.floor(next() * words.length)]).join('')));
  }
  for (let n = 0; n < 50; n++) {
    inputs.push(Buffer.from(Array.from({ length: Math.floor(next() * 3000) }, () => Math.floor(next() * 256))));
  }
  for (let n = 0; n < 50; n++) {
    const skew = 1 + n / 10;
    const length = Math.floor(next() * 12000);
    inputs.push(Buffer.from(Array.from({ length }, () => Math.floor(40 * next() ** skew))));
  }
  return inputs;
}

describe('interop with Python itsdangerous', () => {
  it('has itsdangerous installed for /usr/bin/python3', () => {
    requireItsdangerous();
  });

  it('itsdangerous signs; sessionkit verifies and signs the identical strings', () => {
    const cases = combinations();
    const signedByPython = python<string>('sign', cases);
    let compressed = 0;
    cases.forEach((c, index) => {
      const label = JSON.stringify(c);
      const pythonSigned = signedByPython[index]!;
      const ours = make(c);
      expect(ours.sign(c.value), label).toBe(pythonSigned);
      const opened = ours.open(pythonSigned);
      expect(opened.value, label).toBe(c.value);
      if (c.timestamp !== undefined) expect(opened.timestamp, label).toBe(c.timestamp);
      if (c.kind.endsWith('serializer') && pythonSigned.startsWith('.')) compressed++;
    });
    expect(cases.length).toBeGreaterThan(150);
    expect(compressed).toBeGreaterThan(5);
  });

  it('sessionkit signs; itsdangerous verifies', () => {
    const cases = combinations().map((c) => ({ ...c, value: `${c.value}✓` }));
    const toVerify = cases.map((c) => ({ ...c, signed: make(c).sign(c.value) }));
    const answers = python<Verified>('verify', toVerify);
    cases.forEach((c, index) => {
      const answer = answers[index]!;
      expect(answer, JSON.stringify(toVerify[index])).toMatchObject({ ok: true, value: c.value });
      if (c.timestamp !== undefined) expect(answer.ok && answer.timestamp).toBe(c.timestamp);
    });
  });

  it('both reject malformed input with the same error class', () => {
    const timed: Case = { kind: 'timed-serializer', secret: 'k', salt: 'cookie-session', keyDerivation: 'hmac', value: '' };
    const stamper: Case = { kind: 'timestamp', secret: 'k', salt: 'cookie-session', keyDerivation: 'hmac', value: '' };
    const plain = new Signer({ secret: 'k', salt: 'cookie-session', keyDerivation: 'hmac' });
    const stamp = new TimestampSigner({ secret: 'k', salt: 'cookie-session', keyDerivation: 'hmac' });
    const good = make({ ...timed, timestamp: 1_700_000_000 }).sign('{"a":1}');
    const [payload, ts, sig] = good.split('.');
    const malformed: [Case, string][] = [
      [timed, 'no-separator-at-all'],
      [timed, `${payload}.${ts}.${sig!.slice(0, -1)}A`],
      [timed, `${payload!.slice(0, -1)}A.${ts}.${sig}`],
      [timed, `${payload}.${sig}`],
      [timed, plain.sign(payload!)],
      [timed, plain.sign(`${payload}.A`)],
      [timed, plain.sign(`${payload}.AAAAAAAAAAAA`)],
      [timed, stamp.sign('A', { timestamp: 1_700_000_000 })],
      [timed, stamp.sign(`.${base64UrlEncode('not zlib data')}`, { timestamp: 1_700_000_000 })],
      [timed, stamp.sign(base64UrlEncode(Uint8Array.of(0x7b, 0xff)), { timestamp: 1_700_000_000 })],
      [{ ...timed, maxAge: 60 }, good],
      [{ ...timed, maxAge: 60 }, stamp.sign(payload!, { timestamp: 2 ** 37 })],
      [{ ...stamper, maxAge: 60 }, stamp.sign('v', { timestamp: 1 })],
      [stamper, `v.${ts}.${sig}`],
      [stamper, 'v.c2ln'],
      [{ ...stamper, kind: 'signer' }, 'v.c2ln'],
      [{ ...stamper, kind: 'signer' }, 'no separator'],
    ];
    const answers = python<Verified>(
      'verify',
      malformed.map(([c, signed]) => ({ ...c, signed })),
    );
    malformed.forEach(([c, signed], index) => {
      const answer = answers[index]!;
      expect(answer.ok, signed).toBe(false);
      let ours: unknown;
      try {
        make(c).open(signed);
      } catch (error) {
        ours = error;
      }
      expect(ours, signed).toBeInstanceOf(BadData);
      expect((ours as Error).name, signed).toBe(answer.ok ? 'none' : answer.error);
    });
  });

  it('compresses payloads exactly like Python zlib', () => {
    const inputs = zlibInputs();
    const expected = python<string>(
      'sign',
      inputs.map((input) => ({ kind: 'zlib', input: input.toString('hex') })),
    );
    inputs.forEach((input, index) => {
      expect(zlibCompress(input)!.toString('hex'), `input ${index} (${input.length} bytes)`).toBe(expected[index]);
    });
  });

  it('decompresses, and refuses to, exactly what Python zlib does (truncated and corrupted streams)', () => {
    const streams = zlibInputs()
      .filter((input) => input.length > 0 && input.length < 600)
      .slice(0, 25)
      .map((input) => zlibCompress(input)!);
    const damaged: Buffer[] = [];
    for (const stream of streams) {
      damaged.push(stream, Buffer.concat([stream, Buffer.from('trailing')]));
      for (let cut = 0; cut < stream.length; cut += 3) damaged.push(stream.subarray(0, cut));
      for (let bit = 0; bit < stream.length * 8; bit += 5) {
        const corrupt = Buffer.from(stream);
        corrupt[bit >> 3]! ^= 1 << (bit & 7);
        damaged.push(corrupt);
      }
    }
    const expected = python<string>(
      'sign',
      damaged.map((input) => ({ kind: 'unzlib', input: input.toString('hex') })),
    );
    let rejected = 0;
    damaged.forEach((input, index) => {
      let ours: string;
      try {
        // What the payload decoder uses for compressed payloads.
        ours = inflateSync(input, { maxOutputLength: 1 << 24 }).toString('hex');
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
        ours = 'error';
        rejected++;
      }
      expect(ours, input.toString('hex')).toBe(expected[index]);
    });
    expect(rejected).toBeGreaterThan(damaged.length / 2);
  });
});
