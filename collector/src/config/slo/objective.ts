/**
 * Decimal arithmetic on SLO objectives. Objectives are written in decimal (`99.95`, `0.9995`);
 * doing their arithmetic in binary floating point adds noise (`1 - 0.995` is
 * 0.0050000000000000044), and rounding the noise away to a fixed number of digits turns an
 * objective with many nines into 1, i.e. a zero error budget and infinite burn rates. Working on
 * the shortest decimal that round-trips to the number (what `String(x)` prints, i.e. what the
 * user wrote) keeps every digit exact, whatever the number of nines.
 */

/** `x = digits × 10^-scale`, with `scale ≥ 0`. */
interface Decimal {
  digits: bigint;
  scale: number;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

function toDecimal(x: number): Decimal {
  const m = DECIMAL.exec(String(x));
  if (m === null) throw new RangeError(`expected a finite non-negative number, got ${x}`);
  const fraction = m[2] ?? '';
  const scale = fraction.length - Number(m[3] ?? 0);
  const digits = BigInt(m[1]! + fraction);
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

/** The number nearest to the decimal (JavaScript parses decimal strings correctly rounded). */
function toNumber(d: Decimal): number {
  return Number(`${d.digits}e-${d.scale}`);
}

/** `99.9` → `0.999` exactly (`99.9 / 100` is 0.9990000000000001). */
export function percentToRatio(percent: number): number {
  const d = toDecimal(percent);
  return toNumber({ digits: d.digits, scale: d.scale + 2 });
}

/** `0.999` → `99.9`, for display: every digit of the objective, never rounded up to 100. */
export function ratioToPercent(ratio: number): number {
  const d = toDecimal(ratio);
  return d.scale >= 2
    ? toNumber({ digits: d.digits, scale: d.scale - 2 })
    : Number(d.digits * 10n ** BigInt(2 - d.scale));
}

/**
 * The error budget `1 - objective`, exact to the digits of the objective: `0.995` → `0.005`,
 * `0.9999999999999` → `1e-13`. Positive for every objective below 1.
 */
export function errorBudget(objective: number): number {
  // Burn rates ask for every window of every series on each evaluation; objectives are few.
  let budget = budgets.get(objective);
  if (budget === undefined) {
    const d = toDecimal(objective);
    budget = toNumber({ digits: 10n ** BigInt(d.scale) - d.digits, scale: d.scale });
    if (budgets.size >= MAX_CACHED_BUDGETS) budgets.clear();
    budgets.set(objective, budget);
  }
  return budget;
}

const MAX_CACHED_BUDGETS = 1024;
const budgets = new Map<number, number>();
