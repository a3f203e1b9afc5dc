/**
 * Internal marker for a JSON number token that Python parses as `float`, so that it is written back
 * as a float (`1.0`, `1e+22`) rather than as an integer. Only the canonicalizing parser makes these.
 */
export class PyFloat {
  constructor(readonly value: number) {}
}
