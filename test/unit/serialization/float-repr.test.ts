import { describe, expect, it } from 'vitest';
import { pyFloatRepr } from '../../../src/serialization/index.js';

describe('pyFloatRepr (Python repr(float))', () => {
  it.each([
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [1e16, '1e+16'],
    [1e22, '1e+22'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [-0, '-0.0'],
    [0, '0.0'],
    [Number('123456789012345678'), '1.2345678901234568e+17'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1, '1.0'],
    [-5, '-5.0'],
    [1e15, '1000000000000000.0'],
    [9999999999999998, '9999999999999998.0'],
    [0.0001, '0.0001'],
    [0.00011, '0.00011'],
    [9.999999999999999e-5, '9.999999999999999e-05'],
    [1.5e300, '1.5e+300'],
    [-2.5e-308, '-2.5e-308'],
    [123.456, '123.456'],
    [1e100, '1e+100'],
    [1.234e-100, '1.234e-100'],
    [2 ** 60, '1.152921504606847e+18'],
    [12345.678e10, '123456780000000.0'],
  ])('%s → %s', (x, expected) => {
    expect(pyFloatRepr(x)).toBe(expected);
  });

  it('writes non-finite values as Python repr does', () => {
    expect(pyFloatRepr(NaN)).toBe('nan');
    expect(pyFloatRepr(Infinity)).toBe('inf');
    expect(pyFloatRepr(-Infinity)).toBe('-inf');
  });

  it('always reads back as the same double', () => {
    for (const x of [0.1, 1e-7, 3.14159, 2 / 3, 1e21, 4.35e-320, -7.77e77]) {
      expect(Number(pyFloatRepr(x))).toBe(x);
    }
  });
});
