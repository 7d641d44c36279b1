import { type ConfigOverride, defaultConfig, loadConfigFile, type ParseOptions } from '../config/load.ts';
import type { CollectorConfig } from '../config/schema.ts';

/**
 * The file's configuration (or the defaults without `--config`) with flag overrides applied.
 * `options.sections` limits the file to the sections the command reads (see {@link ParseOptions}).
 */
export function loadForCli(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  overrides: readonly ConfigOverride[],
  options: ParseOptions = {},
): Promise<CollectorConfig> {
  return path === undefined
    ? Promise.resolve(defaultConfig(overrides))
    : loadConfigFile(path, env, overrides, options);
}
