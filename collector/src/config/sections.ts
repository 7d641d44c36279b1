import { type CollectorConfig, CollectorConfigSchema } from './schema.ts';

/** A top-level key of the configuration (`slos`, `auth`, `listen`, …). */
export type ConfigSection = keyof CollectorConfig;

const KNOWN: ReadonlySet<string> = new Set(Object.keys(CollectorConfigSchema.shape));

/**
 * A copy of the parsed document without the known top-level sections outside `read`, so those
 * take their defaults. A caller that reads only `read` (e.g. `breakwater rules`) then needs
 * neither their `${VAR}` values (secrets) nor their validity, and no check relating them to
 * other sections can fail on values nobody uses. Unknown keys stay, so a misspelt section name is
 * still reported instead of silently yielding defaults.
 */
export function keepSections(
  document: Readonly<Record<string, unknown>>,
  read: readonly ConfigSection[],
): Record<string, unknown> {
  const wanted: ReadonlySet<string> = new Set(read);
  return Object.fromEntries(Object.entries(document).filter(([key]) => !KNOWN.has(key) || wanted.has(key)));
}
