/**
 * Entry point of the demo (`npm start`): reads the environment, starts the server, prints its
 * URL and the session type, and stops cleanly on SIGINT (Ctrl-C) or SIGTERM. `npm start` runs it
 * with `exec`, so the signal npm passes on reaches tsx, which passes it on to this process.
 */
import { argv } from 'node:process';
import { pathToFileURL } from 'node:url';
import { startDemo } from './app.js';
import { configFromEnv } from './config.js';

export { startDemo } from './app.js';
export type { DemoOptions, RunningDemo } from './app.js';

/**
 * How long stopping may take (closing connections and the session store) before the process
 * exits anyway: a store that no longer answers must not keep a stopped demo alive.
 */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Runs the demo until SIGINT or SIGTERM; a second signal stops it at once. */
export async function main(): Promise<void> {
  const { options, warnings } = configFromEnv();
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  const demo = await startDemo(options);
  console.log(`sessionkit demo on ${demo.url}`);
  console.log(`sessions: SESSION_TYPE=${demo.sessionType} (${demo.sessionLocation})`);
  const stop = (): void => {
    // From now on a signal has its default effect: a second Ctrl-C ends the process at once.
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    console.log('stopping…');
    setTimeout(() => {
      console.error(`error: the demo did not stop within ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (argv[1] !== undefined && import.meta.url === pathToFileURL(argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
