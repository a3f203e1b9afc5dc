/**
 * Talks to a real Flask app (Debian's python3-flask, run by /usr/bin/python3) through
 * test/interop/py/flask_app_sessions.py: one Python process per test file, one JSON line per
 * request and per answer.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The interpreter whose Flask the interop tests run. */
export const PYTHON = '/usr/bin/python3';

/** The script behind {@link FlaskApp}. */
export const FLASK_SCRIPT = fileURLToPath(new URL('../py/flask_app_sessions.py', import.meta.url));

/**
 * Fails (never skips) with the fix when Flask is not importable: interop tests are only worth
 * something against the real thing.
 */
export function requireFlask(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import flask, itsdangerous, markupsafe'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : probe.stderr.trim();
    throw new Error(
      `Flask is not available to ${PYTHON} (${why}). The interop tests need the real Flask: ` +
        'run `apt-get install python3-flask` (or `bash scripts/test-env.sh`).',
    );
  }
}

/** Options every request to the Flask process accepts. */
export interface FlaskOptions {
  secret: string;
  /** Flask config; `PERMANENT_SESSION_LIFETIME` in seconds. */
  config?: Record<string, unknown>;
  salt?: string;
  digest?: 'sha1' | 'sha256' | 'sha512';
  key_derivation?: 'hmac' | 'django-concat' | 'concat' | 'none';
  /** Epoch seconds itsdangerous takes for "now" while signing or verifying. */
  at?: number;
}

/** What `make` returns: the cookie Flask's `save_session` wrote. */
export interface FlaskMade {
  set_cookie: string[];
  cookie: string | null;
  /** The response's `Vary` header. */
  vary: string | null;
  /** Flask's tagged JSON of the session (keys sorted, compact). */
  tagged_json: string;
}

/** How Flask sees one session value. */
export interface FlaskValue {
  /** `type(v).__name__` */
  type: string;
  /** `repr(v)` with dict keys sorted. */
  repr: string;
}

/** What `read` returns: the session as a Flask route sees it. */
export interface FlaskRead {
  status: number;
  /** The exception itsdangerous raises for this cookie (`BadSignature`, `SignatureExpired`…), or null. */
  reason: string | null;
  set_cookie: string[];
  /** The fields below are there when the route answered (status 200). */
  empty?: boolean;
  keys?: string[];
  values?: Record<string, FlaskValue>;
  permanent?: boolean;
  /** repr of `get_flashed_messages(with_categories=True)` */
  flashes?: string;
  tagged_json?: string;
}

/** Scenarios a Flask route knows how to fill the session with (see the Python script). */
export type FlaskScenario = 'kinds' | 'flash' | 'permanent' | 'large' | 'clear' | 'special_floats';

/** One thing a route does with `flask.session` (the same names drive sessionkit's side). */
export type FlaskAction =
  | ['set', string, unknown]
  | ['setdefault', string, unknown]
  | ['update', Record<string, unknown>]
  | ['append', string, unknown]
  | ['pop', string]
  | ['permanent', boolean]
  | ['read', string]
  | ['read_permanent']
  | ['clear']
  | ['flash', string]
  | ['consume']
  | ['noop'];

/** What `step` returns: the headers of Flask's response. */
export interface FlaskStep {
  set_cookie: string[];
  vary: string | null;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A running Flask process. When Flask is missing, every request rejects with the fix, so each
 * test that needs Flask fails (a failing `beforeAll` would only mark them skipped).
 */
export class FlaskApp {
  readonly #child: ChildProcessWithoutNullStreams | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stderr = '';
  #exited: string | undefined;

  private constructor(child: ChildProcessWithoutNullStreams | undefined, unavailable?: string) {
    this.#child = child;
    this.#exited = unavailable;
    if (!child) return;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-20_000);
    });
    createInterface({ input: child.stdout }).on('line', (line) => this.#answer(line));
    child.on('exit', (code, signal) => {
      this.#exited = `the Flask process exited (code ${code}, signal ${signal}); stderr:\n${this.#stderr}`;
      for (const pending of this.#pending.values()) pending.reject(new Error(this.#exited));
      this.#pending.clear();
    });
  }

  /** Starts the process; without Flask, an instance whose every request fails with the fix. */
  static start(): FlaskApp {
    try {
      requireFlask();
    } catch (error) {
      return new FlaskApp(undefined, (error as Error).message);
    }
    const child = spawn(PYTHON, [FLASK_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
    return new FlaskApp(child);
  }

  #answer(line: string): void {
    const answer = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
    const pending = this.#pending.get(answer.id);
    if (!pending) return;
    this.#pending.delete(answer.id);
    if (answer.ok) pending.resolve(answer.result);
    else pending.reject(new Error(`Flask side failed:\n${answer.error}`));
  }

  #call<R>(op: string, args: object): Promise<R> {
    const child = this.#child;
    if (this.#exited || !child) return Promise.reject(new Error(this.#exited));
    const id = this.#nextId++;
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.stdin.write(`${JSON.stringify({ ...args, id, op })}\n`);
    });
  }

  /** A Flask route (sent `cookie`, if given) fills the session (scenarios, then `data`) and Flask writes the cookie. */
  make(
    options: FlaskOptions & { scenarios?: FlaskScenario[]; data?: Record<string, unknown>; permanent?: boolean; cookie?: string },
  ): Promise<FlaskMade> {
    return this.#call('make', options);
  }

  /** A Flask route receives `cookie` and describes the session it got. */
  read(options: FlaskOptions & { cookie: string }): Promise<FlaskRead> {
    return this.#call('read', options);
  }

  /**
   * Signs a payload with the session cookie's signer (itsdangerous), valid signature whatever the
   * content: `json_text` (base64url-encoded, zlib first with `compress`), `payload_b64` (bytes,
   * `dot` marks either as compressed without compressing) or `raw` (signed as is).
   */
  signRaw(
    options: FlaskOptions & ({ json_text: string; compress?: boolean; dot?: boolean } | { payload_b64: string; dot?: boolean } | { raw: string }),
  ): Promise<string> {
    return this.#call('sign_raw', options);
  }

  /**
   * One request of a sequence: a Flask route (sent `cookie`, if given) runs `actions` on the
   * session, in order (`['set', key, value]`, `['permanent', false]`, `['clear']`… — see
   * `ACTIONS` in the Python script).
   */
  step(options: Pick<FlaskOptions, 'secret' | 'config'> & { cookie?: string | undefined; actions: FlaskAction[] }): Promise<FlaskStep> {
    return this.#call('step', options);
  }

  /** Many independent `step` requests (one per sequence, say) in one round trip, answered in order. */
  steps(
    options: Pick<FlaskOptions, 'secret' | 'config'> & { requests: { cookie?: string | undefined; actions: FlaskAction[] }[] },
  ): Promise<FlaskStep[]> {
    return this.#call('steps', options);
  }

  /** Ends the process (closing stdin ends its loop). */
  async close(): Promise<void> {
    const child = this.#child;
    if (this.#exited || !child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin.end();
    await exited;
  }
}

/** The value of the `name` cookie in a `Set-Cookie` header, or undefined. */
export function setCookieValue(header: string, name = 'session'): string | undefined {
  const [pair] = header.split(';', 1);
  if (!pair?.startsWith(`${name}=`)) return undefined;
  return pair.slice(name.length + 1);
}

/** The attributes of a `Set-Cookie` header: lower-cased name → value (`true` for flags). */
export function setCookieAttributes(header: string): Map<string, string | true> {
  const attributes = new Map<string, string | true>();
  for (const part of header.split(';').slice(1)) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq === -1) attributes.set(trimmed.toLowerCase(), true);
    else attributes.set(trimmed.slice(0, eq).trim().toLowerCase(), trimmed.slice(eq + 1).trim());
  }
  return attributes;
}

/**
 * Changes one character of segment `segment` (0 payload, 1 timestamp, 2 signature; counted from
 * the end for compressed cookies, which start with ".") at `index` within it. The new character
 * differs in its high bits, so the decoded bytes change too.
 */
export function tamper(cookie: string, segment: 0 | 1 | 2, index = 2): string {
  const compressed = cookie.startsWith('.');
  const parts = (compressed ? cookie.slice(1) : cookie).split('.');
  const target = parts.length - 3 + segment;
  const text = parts[target]!;
  const at = Math.min(index, text.length - 1);
  const replacement = text[at] === 'A' ? 'g' : 'A';
  parts[target] = text.slice(0, at) + replacement + text.slice(at + 1);
  return (compressed ? '.' : '') + parts.join('.');
}

/** Seconds since the epoch. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** One day in seconds. */
export const DAY = 24 * 60 * 60;
