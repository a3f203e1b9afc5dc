/**
 * TypeScript stand-ins for the Python types Flask's tagged JSON can carry and plain JSON cannot:
 * tuples, Markup and UUIDs. (bytes map to `Uint8Array`, datetime to `Date`, int beyond 2^53 to
 * `bigint`.)
 */

/**
 * A Python tuple: an array that serializes with Flask's ` t` tag, so it comes back a tuple in
 * Python (Flask's flashes are `(category, message)` tuples). Behaves like any array in JS.
 */
export class Tuple<T = unknown> extends Array<T> {
  /** Builds a tuple from its items: `Tuple.of('message', 'Saved')`. */
  static override of<T>(...items: T[]): Tuple<T> {
    const tuple = new Tuple<T>();
    tuple.push(...items);
    return tuple;
  }

  /** Builds a tuple from an iterable. */
  static override from<T>(items: Iterable<T> | ArrayLike<T>): Tuple<T> {
    const tuple = new Tuple<T>();
    const source = Array.isArray(items) ? (items as readonly T[]) : Array.from(items);
    for (let i = 0; i < source.length; i++) tuple.push(source[i] as T);
    return tuple;
  }

  // Array methods that create arrays (map, filter, slice…) return plain arrays, not tuples.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/** HTML that is already safe (markupsafe's `Markup`); Flask tags it ` m`. */
export class Markup {
  /** The HTML text. */
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
  /** The markupsafe protocol: the HTML as a string. */
  __html__(): string {
    return this.html;
  }
  /** The HTML text. */
  toString(): string {
    return this.html;
  }
}

const UUID_HEX = /^[0-9a-f]{32}$/;

/** A UUID (Python's `uuid.UUID`); Flask tags it ` u` with its 32 hex digits. */
export class UUID {
  /** The 32 lowercase hex digits, without hyphens. */
  readonly hex: string;
  /** Accepts 32 hex digits, with or without hyphens, braces or a `urn:uuid:` prefix, any case. */
  constructor(value: string) {
    const hex = value.replace(/^urn:uuid:/i, '').replace(/[{}-]/g, '').toLowerCase();
    if (!UUID_HEX.test(hex)) throw new TypeError(`not a UUID: ${JSON.stringify(value)}`);
    this.hex = hex;
  }
  /** The canonical hyphenated form, as Python's `str(uuid)`. */
  toString(): string {
    const h = this.hex;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  /** Same UUID? */
  equals(other: UUID): boolean {
    return other instanceof UUID && other.hex === this.hex;
  }
}
