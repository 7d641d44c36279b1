/**
 * Times variants of one call against each other in one process: a warm-up of each, then rounds in
 * which every variant runs `calls` calls, the order rotated each round so no variant always runs
 * right after another. The machine is shared and noisy, so figures are medians and ratios are
 * taken round by round (each round's variants ran moments apart).
 */

/** How many calls, in how many rounds. */
export interface RoundPlan {
  readonly warmupCalls: number;
  readonly rounds: number;
  readonly calls: number;
}

/** µs per call of each variant, one sample per round. */
export type RoundTimes<V extends string> = Record<V, number[]>;

/** Runs `plan` over `order`; `call` makes one call of a variant. */
export async function interleavedRounds<V extends string>(
  order: readonly V[],
  call: (variant: V) => Promise<unknown>,
  plan: RoundPlan,
): Promise<RoundTimes<V>> {
  const round = async (v: V, calls: number): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < calls; i++) await call(v);
    return ((performance.now() - start) * 1000) / calls;
  };
  for (const v of order) await round(v, plan.warmupCalls);
  const results = Object.fromEntries(order.map((v) => [v, [] as number[]])) as RoundTimes<V>;
  for (let r = 0; r < plan.rounds; r++) {
    for (let k = 0; k < order.length; k++) {
      const v = order[(k + r) % order.length]!;
      results[v].push(await round(v, plan.calls));
    }
  }
  return results;
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Prints each variant's median, its name padded to `width`. */
export function printMedians<V extends string>(
  order: readonly V[],
  results: RoundTimes<V>,
  plan: RoundPlan,
  width: number,
): void {
  for (const v of order) {
    console.log(
      `${v.padEnd(width)} ${median(results[v]).toFixed(1)} µs/call (median of ${plan.rounds} rounds × ${plan.calls} calls)`,
    );
  }
}

/** The median of `a`'s time over `b`'s, round by round. */
export function pairedRatio<V extends string>(results: RoundTimes<V>, a: V, b: V): number {
  return median(results[a].map((x, r) => x / results[b][r]!));
}
