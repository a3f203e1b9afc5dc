import { randomBytes } from 'node:crypto';

/**
 * A fresh random version token: 128 random bits as 22 base64url characters (no `:`, so it can
 * be embedded in a delimited header). Two tokens are equal with probability 2^-128, so a version
 * is never reused in practice, across processes and restarts, without any coordination.
 */
export function randomVersion(): string {
  return randomBytes(16).toString('base64url');
}
