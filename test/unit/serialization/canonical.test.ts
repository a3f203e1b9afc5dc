import { describe, expect, it } from 'vitest';
import { canonicalPythonJson, JsonSyntaxError } from '../../../src/serialization/index.js';

describe('canonicalPythonJson: json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))', () => {
  it.each([
    ['{"b": 1, "a": 2}', '{"a":2,"b":1}'],
    ['[1.0, -0.0, 0.0, 1E5, 1e-5, 2.50, 1e400, -1e400]', '[1.0,-0.0,0.0,100000.0,1e-05,2.5,Infinity,-Infinity]'],
    ['[1e16, 1e22, 123456789012345678.0, 0.1, 5e-324]', '[1e+16,1e+22,1.2345678901234568e+17,0.1,5e-324]'],
    ['[-0, 0, 12345678901234567890123456789, -9007199254740993]', '[0,0,12345678901234567890123456789,-9007199254740993]'],
    ['[NaN, Infinity, -Infinity]', '[NaN,Infinity,-Infinity]'],
    ['{"a":1,"b":2,"a":{"z":1.0,"y":2}}', '{"a":{"y":2,"z":1.0},"b":2}'],
    ['"caf\u00e9 \\ud83d\\ude00 \\u00e9"', '"caf\\u00e9 \\ud83d\\ude00 \\u00e9"'],
    ['"\\/\\u0041"', '"/A"'],
    ['{"😀":1,"\\uffff":2}', '{"\\uffff":2,"\\ud83d\\ude00":1}'],
    [' \t\n{ "x" : [ ] , "y" : { } }\r\n', '{"x":[],"y":{}}'],
    ['{"__proto__":{"a":1.5},"constructor":0}', '{"__proto__":{"a":1.5},"constructor":0}'],
  ])('%j → %s', (text, expected) => {
    expect(canonicalPythonJson(text)).toBe(expected);
  });

  it('keeps a float with 17 significant digits as Python repr', () => {
    expect(canonicalPythonJson('0.30000000000000004441')).toBe('0.30000000000000004');
  });

  it('refuses invalid JSON with a named error', () => {
    expect(() => canonicalPythonJson('{"a":}')).toThrow(JsonSyntaxError);
  });
});
