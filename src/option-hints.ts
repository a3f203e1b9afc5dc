/**
 * What to tell a user whose option name sessionkit does not know: the sessionkit equivalent of an
 * option of express-session, cookie-session, iron-session or @fastify/session, the name iron
 * sealing gives a sessionkit option (`secret` → `password`), or the known name closest to a typo. Only words live here; `rejectUnknownOptions` (config.ts) decides when to
 * refuse.
 */

/** Milliseconds per second, for hints that convert another library's milliseconds. */
const MS_PER_SECOND = 1000;

/** The unit another library counts a duration in. */
type DurationUnit = 'milliseconds' | 'seconds';

/** The flat cookie options sessionkit takes where other libraries take a `cookie` object. */
const FLAT_COOKIE_OPTIONS = ['path', 'domain', 'httpOnly', 'secure', 'sameSite', 'partitioned'] as const;

/** An option of another session library that sessionkit does not accept. */
interface ForeignOption {
  /**
   * The sessionkit options that replace it. The hint is shown only to an owner that accepts all
   * of them; an empty list (nothing to set instead) shows it to owners of session cookie settings.
   */
  readonly equivalent: readonly string[];
  /** The hint, given the value that was passed and the options the owner accepts. */
  readonly hint: (value: unknown, known: ReadonlySet<string>) => string;
}

const NOT_NEEDED_WRITES = 'not needed: sessionkit writes only changes and never stores an untouched session';
const NOT_NEEDED_IDS = 'not needed: ServerSessionInterface makes every id itself, 256 bits from the OS CSPRNG (as Flask-Session does)';

/**
 * The option that holds a session's lifetime for this owner: `ttl` for iron sealing (as
 * iron-session names it), `permanentLifetime` for the other interfaces.
 */
function lifetimeOption(known: ReadonlySet<string>): string {
  return known.has('ttl') && !known.has('permanentLifetime') ? 'ttl' : 'permanentLifetime';
}

/** `N` when `value` is a positive number of milliseconds, for "give permanentLifetime: N". */
function millisecondsAsSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value / MS_PER_SECOND : undefined;
}

/**
 * The flat options that say what a `cookie` object said, e.g. `secure: true, permanentLifetime: 3600`
 * for express-session's `cookie: { secure: true, maxAge: 3600000 }`, and the attributes that
 * have no equivalent.
 */
function translateCookieObject(value: unknown, maxAgeUnit: DurationUnit, lifetime: string): { flat: string[]; unmatched: string[] } {
  const flat: string[] = [];
  const unmatched: string[] = [];
  if (value === null || typeof value !== 'object') return { flat, unmatched };
  for (const [key, attribute] of Object.entries(value as Record<string, unknown>)) {
    if ((FLAT_COOKIE_OPTIONS as readonly string[]).includes(key)) {
      flat.push(`${key}: ${JSON.stringify(attribute)}`);
    } else if (key === 'maxAge' && typeof attribute === 'number') {
      flat.push(`${lifetime}: ${maxAgeUnit === 'milliseconds' ? attribute / MS_PER_SECOND : attribute}`);
    } else {
      unmatched.push(key);
    }
  }
  return { flat, unmatched };
}

/** The hint for a `cookie` object: `maxAgeName` is that library's lifetime, in `maxAgeUnit`. */
function cookieObjectHint(value: unknown, maxAgeName: string, maxAgeUnit: DurationUnit, known: ReadonlySet<string>): string {
  const lifetime = lifetimeOption(known);
  const { flat, unmatched } = translateCookieObject(value, maxAgeUnit, lifetime);
  let hint = `sessionkit takes the cookie attributes as flat options: ${FLAT_COOKIE_OPTIONS.join(', ')}, and ${lifetime} in seconds for ${maxAgeName} (${maxAgeUnit})`;
  if (flat.length > 0) hint += `; for this cookie: { ${flat.join(', ')} }`;
  if (unmatched.length > 0) hint += ` (no equivalent for ${unmatched.join(', ')})`;
  return hint;
}

const FOREIGN_OPTIONS: Readonly<Record<string, ForeignOption>> = {
  // express-session, cookie-session
  name: {
    equivalent: ['cookieName'],
    hint: () => 'sessionkit calls it cookieName',
  },
  // express-session (the old spelling of name)
  key: {
    equivalent: ['cookieName'],
    hint: () => 'sessionkit calls it cookieName',
  },
  // express-session, @fastify/session
  cookie: {
    equivalent: ['path', 'domain', 'httpOnly', 'secure', 'sameSite'],
    hint: (value, known) => cookieObjectHint(value, 'cookie.maxAge', 'milliseconds', known),
  },
  // iron-session
  cookieOptions: {
    equivalent: ['path', 'domain', 'httpOnly', 'secure', 'sameSite'],
    hint: (value, known) => cookieObjectHint(value, 'cookieOptions.maxAge', 'seconds', known),
  },
  // cookie-session, express-session (cookie.maxAge)
  maxAge: {
    equivalent: [],
    hint: (value, known) => {
      const lifetime = lifetimeOption(known);
      const seconds = millisecondsAsSeconds(value);
      return (
        `sessionkit calls it ${lifetime}, in seconds (cookie-session's maxAge and express-session's cookie.maxAge are milliseconds)` +
        (seconds === undefined ? '' : `; for maxAge: ${String(value)} give ${lifetime}: ${seconds}`)
      );
    },
  },
  // cookie-session
  expires: {
    equivalent: [],
    hint: (_value, known) =>
      `sessionkit takes a lifetime, not a date: ${lifetimeOption(known)}, in seconds; each permanent session cookie expires that long after it is sent`,
  },
  // cookie-session
  priority: {
    equivalent: [],
    hint: () => 'not supported: the session cookie is sent without a Priority attribute',
  },
  // iron-session
  ttl: {
    equivalent: ['permanentLifetime'],
    hint: () => 'sessionkit calls it permanentLifetime (in seconds, as ttl)',
  },
  // express-session, @fastify/session
  rolling: {
    equivalent: ['refreshEachRequest'],
    hint: () => "sessionkit calls it refreshEachRequest (default true: a permanent session's cookie is re-sent, with a new expiry, on each request)",
  },
  // express-session
  resave: { equivalent: [], hint: () => NOT_NEEDED_WRITES },
  // express-session, @fastify/session
  saveUninitialized: { equivalent: [], hint: () => NOT_NEEDED_WRITES },
  // express-session
  genid: { equivalent: [], hint: () => NOT_NEEDED_IDS },
  // @fastify/session
  idGenerator: { equivalent: [], hint: () => NOT_NEEDED_IDS },
  // express-session
  proxy: {
    equivalent: ['secure'],
    hint: () =>
      "give secure: 'auto' instead: the cookie is Secure exactly when the framework says the request was HTTPS " +
      '(Express trust proxy, Koa app.proxy, Fastify trustProxy, the node:http adapter option trustProxy)',
  },
  // express-session, @fastify/session
  store: {
    equivalent: [],
    hint: () => 'CookieSessionInterface keeps the data in the signed cookie; for sessions kept in a store use new ServerSessionInterface({ store })',
  },
  // express-session
  unset: {
    equivalent: [],
    hint: () => 'not needed: call session.destroy() to end a session (its record is deleted, its cookie cleared); an emptied session is not kept either',
  },
  // cookie-session
  keys: {
    equivalent: ['secret', 'secretFallbacks'],
    hint: () => 'sessionkit calls it secret + secretFallbacks: give keys[0] (the newest, which signs) as secret and the older keys as secretFallbacks',
  },
  // cookie-session
  signed: {
    equivalent: [],
    hint: () => 'not needed: session cookies are always signed',
  },
  // cookie-session
  overwrite: {
    equivalent: [],
    hint: () => 'not needed: a response carries at most one Set-Cookie for the session cookie',
  },
  // iron-session
  password: {
    equivalent: ['secret', 'secretFallbacks'],
    hint: (_value, known) =>
      'sessionkit calls it secret (old passwords go to secretFallbacks)' +
      (known.has('store')
        ? ''
        : '; cookie sessions are signed, not encrypted: users can read them, so keep secrets out of the data, ' +
          "or use SealedCookieSessionInterface (iron-session's encrypted cookies; it takes password) or ServerSessionInterface"),
  },
  // @fastify/session
  cookiePrefix: {
    equivalent: [],
    hint: () => "not supported: the cookie value is Flask's format (the signed data, or the session id, signed with useSigner), without a prefix",
  },
};

/** The option names of other session libraries that sessionkit explains when it refuses them. */
export const FOREIGN_OPTION_NAMES: readonly string[] = Object.keys(FOREIGN_OPTIONS);

const IRON_PASSWORD =
  'iron sealing calls it password, as iron-session: a string of at least 32 characters, or passwords by id ' +
  '{ 1: "old…", 2: "new…" } to rotate (the highest id seals, every id unseals)';
const IRON_FALLBACKS = 'iron sealing has no fallbacks: put old passwords in the password map, { 1: old, 2: new } (the highest id seals, every id unseals)';
const IRON_TTL = "iron sealing calls it ttl, in seconds: a sealed session ends ttl after its last save, and a permanent one's cookie expires then too";

/**
 * sessionkit's own option names that iron sealing (`SealedCookieSessionInterface`, `IronSealer`)
 * calls otherwise: its `password` and `ttl` are iron-session's names. Shown to owners taking those.
 */
const SIBLING_OPTIONS: Readonly<Record<string, ForeignOption>> = {
  secret: { equivalent: ['password'], hint: () => IRON_PASSWORD },
  SECRET_KEY: { equivalent: ['password'], hint: () => IRON_PASSWORD },
  secretFallbacks: { equivalent: ['password'], hint: () => IRON_FALLBACKS },
  SECRET_KEY_FALLBACKS: { equivalent: ['password'], hint: () => IRON_FALLBACKS },
  permanentLifetime: { equivalent: ['ttl'], hint: () => IRON_TTL },
  PERMANENT_SESSION_LIFETIME: { equivalent: ['ttl'], hint: () => IRON_TTL },
};

/** The sessionkit option names that iron sealing explains when it refuses them. */
export const SIBLING_OPTION_NAMES: readonly string[] = Object.keys(SIBLING_OPTIONS);

/**
 * Whether options given to this owner are session options (cookie settings among them): the
 * hints about other session libraries' options are meant for those owners only.
 */
function takesSessionOptions(known: ReadonlySet<string>): boolean {
  return known.has('cookieName');
}

/**
 * What sessionkit calls or does instead of `name`, an option of another session library, for an
 * owner accepting the options in `known`; `undefined` when `name` is no such option or the hint
 * does not apply to this owner.
 */
export function foreignOptionHint(name: string, value: unknown, known: ReadonlySet<string>): string | undefined {
  const table = Object.hasOwn(FOREIGN_OPTIONS, name) ? FOREIGN_OPTIONS : Object.hasOwn(SIBLING_OPTIONS, name) ? SIBLING_OPTIONS : undefined;
  if (table === undefined) return undefined;
  const foreign = table[name]!;
  const applies = foreign.equivalent.length === 0 ? takesSessionOptions(known) : foreign.equivalent.every((option) => known.has(option));
  return applies ? foreign.hint(value, known) : undefined;
}

/**
 * The text for a secret given as an array (express-session and @fastify/session take
 * `secret: [newest, ...older]`): where validators of `secret` refuse an array, they put this in
 * the `ConfigError`.
 */
export function describeSecretArrayHint(): string {
  return 'got an array of secrets; give the newest as secret and the others as secretFallbacks';
}

/** Largest edit distance still taken for a typo, for names of this length. */
function typoBudget(length: number): number {
  return length <= 4 ? 1 : 2;
}

/**
 * Optimal-string-alignment distance (insertions, deletions, substitutions, and swaps of two
 * neighbouring characters), case-insensitive.
 */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = Array.from({ length: s.length + 1 }, (_, i) => [i, ...new Array<number>(t.length).fill(0)]);
  for (let j = 1; j <= t.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[s.length]![t.length]!;
}

/**
 * The candidate `name` is most likely a typo of (`cookiename` → `cookieName`, `secert` →
 * `secret`), or `undefined` when none is close. Ties go to the first candidate.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = typoBudget(name.length) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
