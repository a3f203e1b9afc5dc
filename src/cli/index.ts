import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError } from '../errors.js';
import { closestName } from '../option-hints.js';
import { decodeCommand, DECODE_USAGE, signCommand, SIGN_USAGE } from './cookie-commands.js';
import { EXIT, processIo, UsageError, type CliIo } from './io.js';
import { storeCommand, STORE_USAGE } from './store-commands.js';

/** The version of this sessionkit, printed by `sessionkit --version`. */
export const VERSION: string = packageJson.version;

/** Usage of the `sessionkit` command. */
export const USAGE = `Usage: sessionkit <command> [options]

Commands:
  decode <cookie> --secret S     verify a Flask session cookie and print its data
  sign <tagged-json> --secret S  make the session cookie Flask would send
  store <list|get|set|delete|purge> --store URL
                                 inspect and edit server-side sessions

Options:
  -h, --help                     print this help
  -V, --version                  print the version of sessionkit

The secret can also come from --secret-file PATH or the environment (SESSIONKIT_SECRET, then
SECRET_KEY). Exit status: 0 success; 1 cookie refused, session missing or command failed;
2 bad arguments. Run "sessionkit <command> --help" for the options of a command.
`;

const COMMANDS: Record<string, { run: (args: string[], io: CliIo) => number | Promise<number>; usage: string }> = {
  decode: { run: decodeCommand, usage: DECODE_USAGE },
  sign: { run: signCommand, usage: SIGN_USAGE },
  store: { run: storeCommand, usage: STORE_USAGE },
};

const HELP_FLAGS = ['--help', '-h', 'help'];
const VERSION_FLAGS = ['--version', '-V'];

/** What `name`, neither a command nor a top-level option, was probably meant to be. */
function unknownCommandMessage(name: string): string {
  if (name.startsWith('-')) {
    const typo = closestName(name, [...HELP_FLAGS, ...VERSION_FLAGS].filter((flag) => flag.startsWith('--')));
    return `unknown option ${name}${typo === undefined ? '' : `; did you mean ${typo}?`}`;
  }
  const typo = closestName(name, Object.keys(COMMANDS));
  return `unknown command "${name}"${typo === undefined ? '' : `; did you mean ${typo}?`}`;
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr(USAGE);
    return EXIT.usage;
  }
  if (HELP_FLAGS.includes(name)) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (VERSION_FLAGS.includes(name)) {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr(`sessionkit: ${unknownCommandMessage(name)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    // Every option the CLI passes to the library comes from the command line: a refused one is a
    // usage error (an unsupported --store URL, for example).
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`sessionkit ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    io.stderr(`sessionkit ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.rejected;
  }
}
