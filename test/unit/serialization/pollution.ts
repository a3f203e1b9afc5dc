import { Buffer } from 'node:buffer';
import { expect } from 'vitest';
import { Markup, Tuple, UUID } from '../../../src/serialization/index.js';

const EXPECTED_PROTOTYPES: readonly unknown[] = [
  Object.prototype,
  Array.prototype,
  null,
  Tuple.prototype,
  Buffer.prototype,
  Markup.prototype,
  UUID.prototype,
  Date.prototype,
];

/**
 * Asserts that nothing was polluted: no built-in prototype gained `polluted`, every object in
 * `tree` has the prototype of a type the serializers make, and none inherits `polluted`.
 */
export function expectNoPollution(tree: unknown): void {
  for (const proto of [Object.prototype, Array.prototype, Function.prototype]) {
    expect(Object.hasOwn(proto, 'polluted')).toBe(false);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  const seen = new Set<object>();
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    expect(EXPECTED_PROTOTYPES.includes(Object.getPrototypeOf(value))).toBe(true);
    if (!Object.hasOwn(value, 'polluted')) expect((value as Record<string, unknown>).polluted).toBeUndefined();
    for (const key of Object.keys(value)) walk((value as Record<string, unknown>)[key]);
  };
  walk(tree);
}
