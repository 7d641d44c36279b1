import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closestName } from '@breakwater/protocol';
import { UsageError } from './usage-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Strict flag parsing: unknown flags, missing values and stray arguments are usage errors. An
 * unknown long flag a typo or two from a known one names it (`Unknown option '--listne' (did you
 * mean --listen?)`), as an unknown configuration key does.
 */
export function parseFlags<const O extends Options>(
  args: readonly string[],
  options: O,
  allowPositionals = 0,
) {
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    if (parsed.positionals.length > allowPositionals) {
      throw new UsageError(`unexpected argument "${parsed.positionals[allowPositionals]}"`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message + suggestion(error, Object.keys(options)));
  }
}

/** ` (did you mean --listen?)` for parseArgs' error on an unknown `--listne`, else ''. */
function suggestion(error: unknown, known: readonly string[]): string {
  if ((error as NodeJS.ErrnoException).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return '';
  const name = /^Unknown option '--([^']+)'/.exec((error as Error).message)?.[1];
  const meant = name === undefined ? undefined : closestName(name, known);
  return meant === undefined ? '' : ` (did you mean --${meant}?)`;
}
