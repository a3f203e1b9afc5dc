/**
 * The minimal store of docs/stores.md (examples/docs/stores/tiny-store.ts) passes the
 * conformance suite; the suite's usage below is the snippet that page shows.
 */
import type { Store } from '../../src/stores/store.js';
// #region snippet
import { describeStoreConformance } from './conformance.js';
// #endregion snippet

/** The documented TinyStore, loaded at run time (its types are checked with the examples, against the built package). */
const TINY_STORE_MODULE: string = '../../examples/docs/stores/tiny-store.ts';
const { TinyStore } = (await import(TINY_STORE_MODULE)) as { TinyStore: new (clock?: () => number) => Store };

// #region snippet

describeStoreConformance('TinyStore', async ({ clock }) => ({ store: new TinyStore(clock), cleanup: async () => {} }), {
  time: 'clock', // the suite moves the store's clock instead of waiting for TTLs to pass
  sharedBetweenInstances: false, // each TinyStore keeps its records to itself
});
// For a server shared with other tests, give the keys a prefix you delete afterwards:
// describeStoreConformance('MyRedisStore', makeStore, { keyPrefix: 'session:my-test-run:' });
// #endregion snippet
