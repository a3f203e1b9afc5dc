/**
 * Python's floats: `repr(float)` — the shortest digits that read back as the same double
 * (JavaScript finds the same digits), laid out the way CPython does — and the marker that keeps
 * a float token a float through the canonicalizing parser.
 */

/**
 * Formats a double exactly as Python's `repr(float)` does: `0.1`, `1.0`, `1e-05`, `1e+16`,
 * `1.5e+300`, `-0.0`, `inf`, `nan`. Python switches to scientific notation when the decimal
 * exponent is below -4 or at least 16, always writes a two-digit (or longer) signed exponent, and
 * adds `.0` to integral values written without an exponent.
 */
export function pyFloatRepr(x: number): string {
  // Between 1e-4 and 2^52 a non-integral double prints the same in both languages.
  if (!Number.isInteger(x)) {
    const abs = x < 0 ? -x : x;
    if (abs >= 1e-4 && abs < 1e16) return String(x);
    if (Number.isNaN(x)) return 'nan';
  }
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';

  // toExponential() without an argument gives the shortest round-trip digits: "-1.2345e-7".
  let text = x.toExponential();
  let sign = '';
  if (text.charCodeAt(0) === 45 /* - */) {
    sign = '-';
    text = text.slice(1);
  }
  const ePos = text.indexOf('e');
  const exponent = Number(text.slice(ePos + 1));
  const digits = text.slice(0, ePos).replace('.', '');

  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const absExp = exponent < 0 ? -exponent : exponent;
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${absExp < 10 ? '0' : ''}${absExp}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) {
    return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  }
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/**
 * Marks a JSON number token that Python parses as `float`, so that it is written back as a float
 * (`1.0`, `1e+22`) rather than as an integer. Only the canonicalizing parser makes these.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}
