/**
 * How much later than its `timeoutMs` a store call that fails may return, on a loaded 2-core
 * machine. Tests with it check that nothing hangs, not how fast a failure is (speed is measured
 * in bench/).
 */
export const TIMEOUT_SLACK_MS = 5000;
