/**
 * Entry point of the demo (`npm start`): reads the environment, starts the server, prints its
 * URL and the session type, and stops cleanly on Ctrl-C.
 */
import { argv } from 'node:process';
import { pathToFileURL } from 'node:url';
import { startDemo } from './app.js';
import { configFromEnv } from './config.js';

export { startDemo } from './app.js';
export type { DemoOptions, RunningDemo } from './app.js';

/** Runs the demo until SIGINT or SIGTERM. */
export async function main(): Promise<void> {
  const { options, warnings } = configFromEnv();
  for (const warning of warnings) console.warn(`warning: ${warning}`);
  const demo = await startDemo(options);
  console.log(`sessionkit demo on ${demo.url}`);
  console.log(`sessions: SESSION_TYPE=${demo.sessionType} (${demo.sessionLocation})`);
  const stop = (): void => {
    console.log('stopping…');
    demo.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (argv[1] !== undefined && import.meta.url === pathToFileURL(argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
