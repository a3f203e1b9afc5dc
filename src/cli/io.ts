/** Where the CLI writes, and the environment it reads; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Environment variables (`SESSIONKIT_SECRET`, `SECRET_KEY`). Default: the process's. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The process's streams and environment. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

/** Bad command-line arguments: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Exit codes of the `sessionkit` command: 0 success; 1 the cookie was refused (bad signature,
 * expired, malformed), the session does not exist, or the command failed (a store unreachable,
 * a driver missing); 2 bad arguments (unknown command or option, missing or invalid value, an
 * unusable `--store` URL or `--secret-file`).
 */
export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;
