import { decodeCommand, DECODE_USAGE, signCommand, SIGN_USAGE } from './cookie-commands.js';
import { EXIT, processIo, UsageError, type CliIo } from './io.js';
import { storeCommand, STORE_USAGE } from './store-commands.js';

/** Usage of the `sessionkit` command. */
export const USAGE = `Usage: sessionkit <command> [options]

Commands:
  decode <cookie> --secret S     verify a Flask session cookie and print its data
  sign <tagged-json> --secret S  make the session cookie Flask would send
  store <list|get|set|delete|purge> --store URL
                                 inspect and edit server-side sessions

Run "sessionkit <command> --help" for the options of a command.
`;

const COMMANDS: Record<string, { run: (args: string[], io: CliIo) => number | Promise<number>; usage: string }> = {
  decode: { run: decodeCommand, usage: DECODE_USAGE },
  sign: { run: signCommand, usage: SIGN_USAGE },
  store: { run: storeCommand, usage: STORE_USAGE },
};

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr(USAGE);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`sessionkit: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`sessionkit ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    io.stderr(`sessionkit ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.rejected;
  }
}
