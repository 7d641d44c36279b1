/**
 * Durations as people write them in configs, flags and signals: `500ms`, `30s`, `5m`, `6h`,
 * `30d`, `1w`. One parser for the SDK, the collector and the CLI.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** The regular expression a duration string must match (for schemas and error messages). */
export const DURATION_PATTERN = DURATION_RE;

/**
 * Parses `"5m"` to `300000`. Throws a `RangeError` that quotes the input when it is not a
 * positive duration.
 */
export function parseDuration(text: string): number {
  const match = DURATION_RE.exec(text.trim());
  if (match === null) {
    throw new RangeError(
      `invalid duration "${text}": expected a number and a unit (ms, s, m, h, d, w), e.g. "30s"`,
    );
  }
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as Unit]);
  // Whole milliseconds: `0.4ms` would round to a zero-length window or timer.
  if (!(ms >= 1) || !Number.isFinite(ms)) {
    throw new RangeError(`invalid duration "${text}": must be at least 1ms`);
  }
  return ms;
}

/** Formats milliseconds with the largest unit that divides them exactly: `300000` → `"5m"`. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = UNIT_MS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
