import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalPythonJson, TaggedJSONSerializer } from '../../../src/serialization/index.js';

interface Vector {
  tagged_json: string;
}
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/flask-cookies.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
  fallback: Vector;
};
const texts = [...fixture.vectors, fixture.fallback].map((v) => v.tagged_json);

// The one vector holding floats with integral values (1.0) — documented in docs/serialization.md:
// JavaScript reads 1.0 as the number 1 and writes it back as the integer 1.
const INTEGRAL_FLOAT_VECTOR = '{"f":0.1,"g":1e-05,"h":1.0,"i":1152921504606846976,"j":-0.0}';

describe('Flask 3.1.3 tagged_json vectors', () => {
  const serializer = new TaggedJSONSerializer();

  it('are all present', () => {
    expect(texts.length).toBeGreaterThanOrEqual(16);
    expect(texts).toContain(INTEGRAL_FLOAT_VECTOR);
  });

  it.each(texts.filter((t) => t !== INTEGRAL_FLOAT_VECTOR).map((t) => [t]))(
    'dumps(loads(%s)) gives the identical text',
    (text) => {
      expect(serializer.dumps(serializer.loads(text))).toBe(text);
    },
  );

  it('the integral-float vector comes back with 1 for 1.0, everything else identical', () => {
    expect(serializer.dumps(serializer.loads(INTEGRAL_FLOAT_VECTOR))).toBe(
      '{"f":0.1,"g":1e-05,"h":1,"i":1152921504606846976,"j":-0.0}',
    );
  });

  it.each(texts.map((t) => [t]))('canonicalPythonJson(%s) gives the identical text', (text) => {
    expect(canonicalPythonJson(text)).toBe(text);
  });
});
