import { z } from 'zod';
import { parseOptions } from '../core/options.ts';

/** Options of {@link TrafficRamp}. */
export interface TrafficRampOptions {
  /** Fractions of traffic admitted at each step, rising to 1 (default `[0.1, 0.25, 0.5, 1]`). */
  readonly steps?: readonly number[];
  /** How long each step lasts, ms (default 10 000). */
  readonly stepMs?: number;
}

const Schema = z.object({
  steps: z
    .array(z.number().gt(0).max(1))
    .min(1)
    .default([0.1, 0.25, 0.5, 1])
    .refine((s) => s.every((v, i) => i === 0 || v >= s[i - 1]!), { message: 'steps must not decrease' }),
  stepMs: z.number().finite().positive().default(10_000),
});

/**
 * A gradual traffic ramp: after recovery, admit a rising fraction of calls step by step instead
 * of the full load at once. Immutable; the caller keeps the start time.
 */
export class TrafficRamp {
  readonly steps: readonly number[];
  readonly stepMs: number;

  constructor(options: TrafficRampOptions = {}) {
    const o = parseOptions(Schema, options, 'TrafficRamp');
    this.steps = Object.freeze([...o.steps]);
    this.stepMs = o.stepMs;
  }

  /** Total ramp length, ms. */
  get durationMs(): number {
    return this.steps.length * this.stepMs;
  }

  /** Fraction admitted `elapsedMs` after the ramp started (1 once it is over). */
  fraction(elapsedMs: number): number {
    if (elapsedMs < 0) return this.steps[0]!;
    const step = Math.floor(elapsedMs / this.stepMs);
    return step >= this.steps.length ? 1 : this.steps[step]!;
  }

  /** Whether the ramp has finished `elapsedMs` after it started. */
  done(elapsedMs: number): boolean {
    return elapsedMs >= this.durationMs;
  }
}
