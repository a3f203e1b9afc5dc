/**
 * Tampering: every single-character change, deletion and insertion of a seal, thousands of
 * random mutations, and every mix of components of two seals sharing a salt pair make `unseal`
 * return null — never throw, never return other data. Seals carrying a valid MAC over bad
 * contents (made with iron-webcrypto's own primitives, as a password holder could) are null too.
 */
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealData, unsealData } from 'iron-session';
import { base64urlEncode, defaults, encrypt, hmacWithPassword, macPrefix } from 'iron-webcrypto';
import { IronSealer } from '../../../src/sealing/index.js';

const PASSWORD = 'tamper-password-tamper-password-tamper';
const T = Date.UTC(2032, 2, 3);
const DATA = { user: 'ada', role: 'user', n: 7 };

/** Characters tried at every position: the seal alphabet, separators and a few outsiders. */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_*~.= %é\u0000🔑';

/** Deterministic PRNG (mulberry32), so a failure is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Asserts that `mutated` opens to nothing unless it is the original text. */
function expectRefused(sealer: IronSealer, original: string, mutated: string): void {
  if (mutated === original) return;
  const result = sealer.unseal(mutated, T);
  if (result !== null) throw new Error(`a tampered seal opened: ${JSON.stringify(mutated)} → ${JSON.stringify(result)}`);
}

async function seals(): Promise<{ name: string; sealed: string }[]> {
  const theirs = await sealData(DATA, { password: PASSWORD, ttl: 0 });
  return [
    { name: 'a seal made here', sealed: new IronSealer({ password: PASSWORD }).seal(DATA, T) },
    { name: 'a seal made by iron-session', sealed: theirs },
  ];
}

describe('every position', () => {
  it('changing, deleting or inserting any one character makes the seal unreadable', async () => {
    const sealer = new IronSealer({ password: PASSWORD });
    for (const { sealed } of await seals()) {
      expect(sealer.unseal(sealed, T)).toEqual(DATA);
      let tried = 0;
      const chars = [...ALPHABET];
      for (let i = 0; i <= sealed.length; i++) {
        const head = sealed.slice(0, i);
        const tail = sealed.slice(i + 1);
        if (i < sealed.length) expectRefused(sealer, sealed, head + tail);
        for (const c of chars) {
          if (i < sealed.length) expectRefused(sealer, sealed, head + c + tail);
          expectRefused(sealer, sealed, head + c + sealed.slice(i));
          tried += 2;
        }
      }
      expect(tried).toBeGreaterThan(2 * chars.length * sealed.length);
      expect(sealer.unseal(sealed, T)).toEqual(DATA);
    }
  });

  it('every prefix (truncation) is refused', async () => {
    const sealer = new IronSealer({ password: PASSWORD });
    for (const { sealed } of await seals()) {
      for (let i = 0; i < sealed.length; i++) expectRefused(sealer, sealed, sealed.slice(0, i));
    }
  });
});

describe('random mutations', () => {
  it('5,000 random multi-point mutations are refused (seed 20240611)', async () => {
    const random = prng(20240611);
    const pick = (n: number) => Math.floor(random() * n);
    const sealer = new IronSealer({ password: PASSWORD });
    const all = await seals();
    const chars = [...ALPHABET];
    for (let round = 0; round < 5000; round++) {
      const { sealed } = all[round % all.length]!;
      let text = sealed;
      const edits = 1 + pick(5);
      for (let e = 0; e < edits; e++) {
        const at = pick(text.length + 1);
        switch (pick(5)) {
          case 0: // replace
            text = text.slice(0, at) + chars[pick(chars.length)]! + text.slice(at + 1);
            break;
          case 1: // delete a run
            text = text.slice(0, at) + text.slice(at + 1 + pick(8));
            break;
          case 2: // duplicate a run
            text = text.slice(0, at) + text.slice(at, at + 1 + pick(20)) + text.slice(at);
            break;
          case 3: // flip a bit of a character
            text = text.slice(0, at) + String.fromCharCode((text.charCodeAt(at) || 65) ^ (1 << pick(7))) + text.slice(at + 1);
            break;
          default: // swap two components
            {
              const parts = text.split('*');
              const i = pick(parts.length);
              const j = pick(parts.length);
              [parts[i], parts[j]] = [parts[j]!, parts[i]!];
              text = parts.join('*');
            }
        }
      }
      expectRefused(sealer, sealed, text);
    }
  });
});

describe('mixing two seals that share a salt pair', () => {
  it('every mix of components opens as one of the two originals or not at all', () => {
    const sealer = new IronSealer({ password: PASSWORD, ttl: 60 });
    const user = sealer.seal({ role: 'user' }, T);
    const admin = sealer.seal({ role: 'admin' }, T + 1);
    const a = user.slice(0, -2).split('*');
    const b = admin.slice(0, -2).split('*');
    expect(a[2]).toBe(b[2]);
    expect(a[6]).toBe(b[6]);
    let opened = 0;
    for (let mask = 0; mask < 1 << a.length; mask++) {
      const mixed = a.map((part, i) => (mask & (1 << i) ? b[i]! : part)).join('*') + '~2';
      const result = sealer.unseal(mixed, T);
      if (mixed === user) expect(result).toEqual({ role: 'user' });
      else if (mixed === admin) expect(result).toEqual({ role: 'admin' });
      else expect(result).toBeNull();
      if (result !== null) opened++;
    }
    // Prefix, id and salts are equal, so 16 masks rebuild each original.
    expect(opened).toBe(32);
  });
});

describe('suffix and version', () => {
  it('only iron-session 8’s exact ~2 suffix is accepted', async () => {
    const sealer = new IronSealer({ password: PASSWORD });
    for (const { sealed } of await seals()) {
      const body = sealed.slice(0, -2);
      for (const suffix of ['', '~', '~1', '~3', '~22', '~2~2', '~2 ', '~02', '~2a']) expect(sealer.unseal(body + suffix, T)).toBeNull();
      expect(sealer.unseal(body.replace('Fe26.2', 'Fe26.1') + '~2', T)).toBeNull();
    }
  });
});

/** Encrypts raw bytes as iron does (random salt and iv), returning the components. */
async function encryptRaw(bytes: Uint8Array): Promise<{ salt: string; iv: string; ciphertext: string }> {
  const { encrypted, key } = await encrypt(webcrypto as never, PASSWORD, { ...defaults.encryption }, bytes as never);
  return { salt: key.salt, iv: base64urlEncode(key.iv!), ciphertext: base64urlEncode(encrypted) };
}

/**
 * A seal of the given components with a valid MAC over them (iron-webcrypto's `hmacWithPassword`):
 * what a holder of the password can make, whatever the contents.
 */
async function authenticFrom(raw: { salt: string; iv: string; ciphertext: string }, expiration = '', id = '1'): Promise<string> {
  const base = `${macPrefix}*${id}*${raw.salt}*${raw.iv}*${raw.ciphertext}*${expiration}`;
  const mac = await hmacWithPassword(webcrypto as never, PASSWORD, { ...defaults.integrity }, base);
  return `${base}*${mac.salt}*${mac.digest}~2`;
}

describe('a valid MAC over bad contents', () => {
  const sealer = new IronSealer({ password: PASSWORD });
  const utf8 = (text: string) => new TextEncoder().encode(text);

  it('the primitives build seals both sides accept', async () => {
    const sealed = await authenticFrom(await encryptRaw(utf8('{"ok":true}')));
    expect(sealer.unseal(sealed, T)).toEqual({ ok: true });
    expect(await unsealData(sealed, { password: PASSWORD })).toEqual({ ok: true });
  });

  it('plaintext that is not JSON, or invalid UTF-8, or empty → null', async () => {
    for (const bytes of [utf8('not json'), utf8('{"a":'), Uint8Array.of(0xff, 0xfe, 0x7b, 0x7d), new Uint8Array(0)]) {
      expect(sealer.unseal(await authenticFrom(await encryptRaw(bytes)), T)).toBeNull();
    }
  });

  it('a leading UTF-8 BOM is dropped before JSON.parse, as iron’s TextDecoder does', async () => {
    const sealed = await authenticFrom(await encryptRaw(Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8('{"bom":1}'))));
    expect(await unsealData(sealed, { password: PASSWORD })).toEqual({ bom: 1 });
    expect(sealer.unseal(sealed, T)).toEqual({ bom: 1 });
  });

  it('a ciphertext with a changed last block (bad padding) → null', async () => {
    const raw = await encryptRaw(utf8('{"a":1}'));
    const bytes = Buffer.from(raw.ciphertext, 'base64url');
    for (let i = 0; i < 16; i++) {
      const changed = Buffer.from(bytes);
      changed[changed.length - 1 - i]! ^= 0x5a;
      expect(sealer.unseal(await authenticFrom({ ...raw, ciphertext: changed.toString('base64url') }), T)).toBeNull();
    }
  });

  it('an IV or ciphertext of the wrong size or alphabet → null', async () => {
    const raw = await encryptRaw(utf8('{"a":1}'));
    const cases = [
      { iv: raw.iv.slice(0, 20) },
      { iv: raw.iv + 'AAAA' },
      { iv: '' },
      { iv: raw.iv.slice(0, -1) + '+' },
      { ciphertext: raw.ciphertext.slice(0, 10) },
      { ciphertext: '' },
      { ciphertext: raw.ciphertext + '=' },
      { ciphertext: raw.ciphertext.slice(0, -1) + '/' },
    ];
    for (const change of cases) expect(sealer.unseal(await authenticFrom({ ...raw, ...change }), T)).toBeNull();
  });

  it('an expiration that is not digits → null; in the past beyond the skew → null', async () => {
    const raw = await encryptRaw(utf8('{"a":1}'));
    for (const expiration of ['-1', '1e20', ' 1', 'NaN', String(T - 60_000)]) {
      expect(sealer.unseal(await authenticFrom(raw, expiration), T)).toBeNull();
    }
    expect(sealer.unseal(await authenticFrom(raw, String(T - 59_999)), T)).toEqual({ a: 1 });
  });

  it('an empty or unknown password id, even one on Object.prototype → null', async () => {
    const raw = await encryptRaw(utf8('{"a":1}'));
    expect(sealer.unseal(await authenticFrom(raw, '', '1'), T)).toEqual({ a: 1 });
    for (const id of ['', 'default', 'constructor', '__proto__', 'hasOwnProperty', '2', '01']) {
      expect(sealer.unseal(await authenticFrom(raw, '', id), T)).toBeNull();
    }
  });
});
