import type { WindowStats } from './window.ts';

/**
 * Counts the calls of one half-open ramp step: only what arrives during the step judges it,
 * so failures from before the step (or from the previous, smaller step) cannot fail it.
 */
export class StepTally {
  calls = 0;
  failures = 0;
  private readonly failing = new Set<string>();
  private readonly reporting = new Set<string>();
  private readonly types = new Map<string, number>();

  add(failed: boolean, instance: string, errorType: string | undefined): void {
    this.calls++;
    if (this.reporting.size < 1_000) this.reporting.add(instance);
    if (!failed) return;
    this.failures++;
    if (this.failing.size < 1_000) this.failing.add(instance);
    const type = errorType ?? '_OTHER';
    const count = this.types.get(type);
    if (count !== undefined) this.types.set(type, count + 1);
    else if (this.types.size < 64) this.types.set(type, 1);
  }

  stats(): WindowStats {
    return {
      calls: this.calls,
      failures: this.failures,
      ratio: this.calls === 0 ? 0 : this.failures / this.calls,
      failingInstances: this.failing.size,
      reportingInstances: this.reporting.size,
      topErrorTypes: [...this.types]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 10)
        .map(([type, count]) => ({ type, count })),
    };
  }
}
