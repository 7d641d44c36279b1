/** Wrong command-line usage: printed with a hint to `--help`; exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes of the `breakwater` CLI. */
export const EXIT = {
  OK: 0,
  /** Runtime failure (could not listen, a component failed). */
  FAILURE: 1,
  /** Bad usage or an invalid configuration. */
  USAGE: 2,
} as const;
