/**
 * A JSON parser with Python's `json.loads` rules: strict JSON plus `NaN`, `Infinity` and
 * `-Infinity`; integers beyond 2^53 - 1 kept exact as `bigint`; duplicate keys last-wins; every key
 * (including `__proto__`) an own data property.
 */
import { JsonSyntaxError, MAX_DEPTH, NestingTooDeepError } from './errors.js';
import { PyFloat } from './python-float.js';
import { setOwn } from './value-kinds.js';

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Parses `text`. With `floatsAsTokens`, number tokens that Python reads as `float` come back as
 * {@link PyFloat} so they can be written back as floats.
 */
export function parseJsonText(text: string, floatsAsTokens: boolean): unknown {
  return new Parser(text, floatsAsTokens).parseDocument();
}

class Parser {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly floatsAsTokens: boolean,
  ) {}

  parseDocument(): unknown {
    this.skipWhitespace();
    const value = this.parseValue(0);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('Extra data');
    return value;
  }

  private fail(message: string, at: number = this.pos): never {
    throw new JsonSyntaxError(message, at);
  }

  private skipWhitespace(): void {
    const text = this.text;
    let pos = this.pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    this.pos = pos;
  }

  private parseValue(depth: number): unknown {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x22: // "
        return this.parseString();
      case 0x7b: // {
        return this.parseObject(depth + 1);
      case 0x5b: // [
        return this.parseArray(depth + 1);
      case 0x74: // t
        return this.literal('true', true);
      case 0x66: // f
        return this.literal('false', false);
      case 0x6e: // n
        return this.literal('null', null);
      case 0x4e: // N
        return this.literal('NaN', this.float(NaN));
      case 0x49: // I
        return this.literal('Infinity', this.float(Infinity));
      case 0x2d: // -
        if (this.text.startsWith('-Infinity', this.pos)) return this.literal('-Infinity', this.float(-Infinity));
        return this.parseNumber();
      default:
        if (c >= 0x30 && c <= 0x39) return this.parseNumber();
        return this.fail('Expecting value');
    }
  }

  private float(value: number): number | PyFloat {
    return this.floatsAsTokens ? new PyFloat(value) : value;
  }

  private literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail('Expecting value');
    this.pos += word.length;
    return value;
  }

  private parseNumber(): unknown {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (match === null) return this.fail('Expecting value');
    const token = match[0];
    this.pos += token.length;
    if (match[1] !== undefined || match[2] !== undefined) return this.float(Number(token));
    const n = Number(token);
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n; // Python has no integer -0
    return BigInt(token);
  }

  private parseString(): string {
    const text = this.text;
    let pos = this.pos + 1;
    let start = pos;
    let out = '';
    for (;;) {
      if (pos >= text.length) this.fail('Unterminated string starting at', this.pos);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        this.pos = pos + 1;
        return out + text.slice(start, pos);
      }
      if (c === 0x5c) {
        out += text.slice(start, pos);
        const escape = text.charAt(pos + 1);
        if (escape === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!HEX4.test(hex)) this.fail('Invalid \\uXXXX escape', pos);
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else {
          const decoded = SHORT_ESCAPES[escape];
          if (decoded === undefined) this.fail('Invalid \\escape', pos);
          out += decoded;
          pos += 2;
        }
        start = pos;
        continue;
      }
      if (c < 0x20) this.fail('Invalid control character at', pos);
      pos++;
    }
  }

  /**
   * Steps into an array or object at `depth` (past its opening bracket); returns `true` when it
   * closes at once with `close` (`]` or `}`).
   */
  private enter(depth: number, close: number): boolean {
    if (depth > MAX_DEPTH) throw new NestingTooDeepError('parse');
    this.pos++;
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== close) return false;
    this.pos++;
    return true;
  }

  /** After an item: `true` when a `,` announces another one, `false` once `close` ends the container. */
  private nextItem(close: number): boolean {
    this.skipWhitespace();
    const c = this.text.charCodeAt(this.pos);
    this.pos++;
    if (c === 0x2c) {
      this.skipWhitespace();
      return true;
    }
    if (c === close) return false;
    this.pos--;
    return this.fail("Expecting ',' delimiter");
  }

  private parseArray(depth: number): unknown[] {
    const items: unknown[] = [];
    if (this.enter(depth, 0x5d)) return items;
    do items.push(this.parseValue(depth));
    while (this.nextItem(0x5d));
    return items;
  }

  private parseObject(depth: number): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    if (this.enter(depth, 0x7d)) return obj;
    do {
      if (this.text.charCodeAt(this.pos) !== 0x22) {
        this.fail('Expecting property name enclosed in double quotes');
      }
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("Expecting ':' delimiter");
      this.pos++;
      this.skipWhitespace();
      setOwn(obj, key, this.parseValue(depth));
    } while (this.nextItem(0x7d));
    return obj;
  }
}
