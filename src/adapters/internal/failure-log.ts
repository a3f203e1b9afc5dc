/**
 * The adapters' default log of failed session loads and saves. A store that is down fails every
 * request the same way: the log shows each distinct cause once (and again after a while, if it
 * lasts), not once per request — and never nothing, which is how a missing driver or a wrong
 * password would otherwise go unnoticed behind 503s.
 */

/** A cause logged this long ago is logged again, so an outage that lasts shows up now and then (ms). */
export const RELOG_AFTER_MS = 10 * 60_000;
/** Distinct causes remembered; beyond, the oldest is forgotten (and would be logged again). */
export const MAX_REMEMBERED_CAUSES = 100;
/** How deep the `cause` chain is followed to tell causes apart. */
const CAUSE_DEPTH = 5;

/** Where a failure log writes: the error itself goes with the line, cause chain included. */
export type FailureWriter = (line: string, error: unknown) => void;

const writeToConsole: FailureWriter = (line, error) => console.error(line, error);

/** Remembers which causes it logged; one per adapter instance. */
export class FailureLog {
  readonly #logged = new Map<string, number>();
  readonly #write: FailureWriter;
  readonly #clock: () => number;

  constructor(write: FailureWriter = writeToConsole, clock: () => number = Date.now) {
    this.#write = write;
    this.#clock = clock;
  }

  /**
   * Logs `error` (the failure itself, with its driver error as `cause`) unless a failure with the
   * same cause was logged less than `RELOG_AFTER_MS` ago. `status` is what the client got.
   * Returns whether it logged.
   */
  report(error: unknown, status: number): boolean {
    const key = causeKey(error);
    const now = this.#clock();
    const last = this.#logged.get(key);
    if (last !== undefined && now - last < RELOG_AFTER_MS) return false;
    this.#logged.delete(key);
    this.#logged.set(key, now);
    if (this.#logged.size > MAX_REMEMBERED_CAUSES) this.#logged.delete(this.#logged.keys().next().value!);
    this.#write(
      `sessionkit: a session could not be loaded or saved; the client got ${status}. ` +
        `Further failures with this cause are not logged for ${RELOG_AFTER_MS / 60_000} minutes.`,
      error,
    );
    return true;
  }
}

/** What tells two failures apart: the name, code and message of the error and of its causes. */
function causeKey(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < CAUSE_DEPTH && current !== undefined && current !== null; depth++) {
    if (!(current instanceof Error)) {
      parts.push(String(current));
      break;
    }
    const code = (current as { code?: unknown }).code;
    parts.push(`${current.name}:${typeof code === 'string' || typeof code === 'number' ? code : ''}:${current.message}`);
    current = current.cause;
  }
  return parts.join('\n');
}
