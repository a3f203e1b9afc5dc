import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../option-hints.js';
import { UsageError } from './io.js';

/** `--name` or `-n`, as the user would type it. */
function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/**
 * The first problem with the options in `args` that Node's parser would report in its own words:
 * an unknown option (with the closest known one), a string option without a value, or a value
 * given to a boolean. Values are never quoted back, so a secret never reaches an error message.
 */
function findOptionProblem(args: readonly string[], options: NonNullable<ParseArgsConfig['options']>): string | undefined {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const shortToLong = new Map(Object.entries(options).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])));
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const name = shortToLong.get(token.name) ?? token.name;
    const spec = Object.hasOwn(options, name) ? options[name] : undefined;
    if (!spec) {
      const typo = closestName(name, Object.keys(options));
      return `unknown option ${token.rawName}${typo === undefined ? '' : `; did you mean ${flag(typo)}?`}`;
    }
    if (spec.type === 'boolean' && token.inlineValue) return `${flag(name)} takes no value`;
    if (spec.type === 'string') {
      if (token.value === undefined) return `${flag(name)} needs a value`;
      // "--secret --salt x": the next option was taken as the value; Node refuses it too.
      if (!token.inlineValue && token.value.startsWith('-')) {
        return `${flag(name)} needs a value (write ${flag(name)}=VALUE for a value starting with "-")`;
      }
    }
  }
  return undefined;
}

/**
 * `parseArgs` (strict, positionals allowed) whose errors are `UsageError`s in the CLI's words:
 * `unknown option --secert; did you mean --secret?`.
 */
export function parseCommandLine<const C extends ParseArgsConfig & { args: string[] }>(config: C): ReturnType<typeof parseArgs<C & { strict: true; allowPositionals: true }>> {
  const problem = findOptionProblem(config.args, config.options ?? {});
  if (problem !== undefined) throw new UsageError(problem);
  try {
    return parseArgs({ ...config, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
