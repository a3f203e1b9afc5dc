/**
 * Server-side sessions: `ServerSessionInterface` and what it exports. The parts, one job each,
 * live in `server/`: options, ids, the save queue, the conflict loop, the replay of a request's
 * changes (merging is `src/merge/`), the class.
 */
export { ServerSessionInterface } from './server/interface.js';
export { SessionConflictError } from './server/conflict.js';
export type { ServerSessionOptions } from './server/options.js';
