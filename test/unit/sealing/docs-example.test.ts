/** The example at the top of docs/sealed-cookies.md, run, with what its comments say checked. */
import { expect, it } from 'vitest';
import { IronSealer } from '../../../src/sealing/index.js';

it('seals and unseals as docs/sealed-cookies.md shows', () => {
  process.env.SESSION_PASSWORD ??= 'a password of at least thirty-two characters';
  // #region snippet
  const sealer = new IronSealer({ password: process.env.SESSION_PASSWORD! }); // >= 32 characters
  const cookieValue = sealer.seal({ userId: 42 });  // 'Fe26.2*1*…~2'
  sealer.unseal(cookieValue);                        // { userId: 42 }
  sealer.unseal('anything else');                    // null
  // #endregion snippet
  expect(cookieValue).toMatch(/^Fe26\.2\*1\*.+~2$/);
  expect(sealer.unseal(cookieValue)).toEqual({ userId: 42 });
  expect(sealer.unseal('anything else')).toBeNull();
});
