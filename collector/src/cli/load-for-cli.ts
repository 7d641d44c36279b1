import { type ConfigOverride, defaultConfig, loadConfigFile } from '../config/load.ts';
import type { CollectorConfig } from '../config/schema.ts';

/** The file's configuration (or the defaults without `--config`) with flag overrides applied. */
export function loadForCli(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  overrides: readonly ConfigOverride[],
): Promise<CollectorConfig> {
  return path === undefined
    ? Promise.resolve(defaultConfig(overrides))
    : loadConfigFile(path, env, overrides);
}
