/**
 * Admits a fraction of calls. Deterministic by default: an accumulator adds `fraction` per call
 * and admits whenever it reaches 1, so exactly ⌊n·fraction⌋ of n calls pass and they are evenly
 * spread. With an injected `random` it admits each call with probability `fraction` instead.
 */
export class FractionGate {
  private accumulator = 0;
  private readonly random: (() => number) | undefined;

  constructor(random?: () => number) {
    this.random = random;
  }

  /** Whether this call is admitted at `fraction` (0..1). */
  admit(fraction: number): boolean {
    if (fraction >= 1) return true;
    if (fraction <= 0) return false;
    if (this.random !== undefined) return this.random() < fraction;
    this.accumulator += fraction;
    if (this.accumulator >= 1 - 1e-9) {
      this.accumulator -= 1;
      return true;
    }
    return false;
  }

  /**
   * Starts counting afresh (e.g. when the fraction's meaning changes), from `phase` in [0, 1): the
   * share of a call already counted. From 0, the first admitted call is the ⌈1/fraction⌉-th.
   */
  reset(phase = 0): void {
    this.accumulator = phase;
  }
}
