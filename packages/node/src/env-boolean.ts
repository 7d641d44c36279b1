import { envText } from './env-text.ts';

/**
 * A boolean `BREAKWATER_*` variable. The usual spellings are taken, in any case: `BREAKWATER_CONTROL=off`
 * left the control client on when only `false` and `0` were.
 */
const SPELLINGS: Readonly<Record<string, boolean>> = {
  true: true,
  '1': true,
  yes: true,
  on: true,
  false: false,
  '0': false,
  no: false,
  off: false,
};

/** `name`'s value as a boolean; undefined when unset or blank, or (logged) when not a boolean. */
export function envBoolean(
  env: NodeJS.ProcessEnv,
  name: string,
  logger: (message: string) => void,
): boolean | undefined {
  const text = envText(env, name);
  if (text === undefined) return undefined;
  const value = SPELLINGS[text.toLowerCase()];
  if (value === undefined)
    logger(`${name}=${text}: not a boolean (true/false, 1/0, yes/no, on/off); ignored`);
  return value;
}
