import { z } from 'zod';
import { parseOptions } from '../core/options.ts';

/** Options of {@link AdaptiveAttempts}. */
export interface AdaptiveAttemptsOptions {
  /** Never fewer attempts than this (default 1: no retries at worst). */
  readonly minAttempts?: number;
  /** Consecutive failed calls that take one attempt away (default 3). */
  readonly failuresPerStep?: number;
  /** Consecutive successful calls that give one attempt back (default 5). */
  readonly successesPerStep?: number;
}

const Schema = z.object({
  minAttempts: z.number().int().min(1).default(1),
  failuresPerStep: z.number().int().min(1).default(3),
  successesPerStep: z.number().int().min(1).default(5),
});

/**
 * Adaptive retry: the number of attempts shrinks while logical calls keep failing and grows back
 * as they succeed, so a struggling dependency sees fewer retries without waiting for the budget
 * to run dry.
 */
export class AdaptiveAttempts {
  readonly minAttempts: number;
  private readonly failuresPerStep: number;
  private readonly successesPerStep: number;
  private reduction = 0;
  private failures = 0;
  private successes = 0;

  constructor(options: AdaptiveAttemptsOptions = {}) {
    const o = parseOptions(Schema, options, 'AdaptiveAttempts');
    this.minAttempts = o.minAttempts;
    this.failuresPerStep = o.failuresPerStep;
    this.successesPerStep = o.successesPerStep;
  }

  /** Attempts allowed now, given the configured maximum. */
  attempts(maxAttempts: number): number {
    return Math.max(Math.min(this.minAttempts, maxAttempts), maxAttempts - this.reduction);
  }

  /** Current number of attempts taken away. */
  get reduced(): number {
    return this.reduction;
  }

  onCallSuccess(): void {
    this.failures = 0;
    if (this.reduction === 0) return;
    if (++this.successes >= this.successesPerStep) {
      this.successes = 0;
      this.reduction--;
    }
  }

  onCallFailure(maxAttempts: number): void {
    this.successes = 0;
    if (++this.failures >= this.failuresPerStep) {
      this.failures = 0;
      if (maxAttempts - this.reduction > this.minAttempts) this.reduction++;
    }
  }
}
