import { z } from 'zod';
import { parseOptions } from '../core/options.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Dependency the budget protects (for telemetry). */
  readonly dependency?: string;
  /** Bucket size (default 10, as in gRPC retry throttling). */
  readonly maxTokens?: number;
  /** Tokens a success puts back (default 0.1). */
  readonly tokenRatio?: number;
  readonly listener?: ResilienceListener;
}

const Schema = z.object({
  dependency: z.string().default('unknown'),
  maxTokens: z.number().finite().min(1).max(1000).default(10),
  // Tokens are kept in thousandths: a smaller ratio would refill nothing, and once drained the
  // budget would never allow a retry again.
  tokenRatio: z.number().finite().min(0.001).max(1000).default(0.1),
  listener: z.custom<ResilienceListener>((v) => typeof v === 'object' && v !== null).optional(),
});

// gRPC keeps tokens in thousandths so repeated fractional refills never drift.
const SCALE = 1000;

/**
 * A retry budget in the style of gRPC retry throttling: a token bucket that starts full, loses one
 * token per failed attempt and gains `tokenRatio` per success. Retries are allowed only while the
 * bucket is more than half full, so when a dependency is mostly failing the whole process stops
 * retrying it instead of multiplying its load. Share one budget among all policies for a
 * dependency.
 */
export class RetryBudget {
  readonly dependency: string;
  readonly maxTokens: number;
  readonly tokenRatio: number;
  private readonly max: number;
  private readonly threshold: number;
  private readonly refill: number;
  private milliTokens: number;

  constructor(options: RetryBudgetOptions = {}) {
    const o = parseOptions(Schema, options, 'RetryBudget');
    this.dependency = o.dependency;
    this.maxTokens = o.maxTokens;
    this.tokenRatio = o.tokenRatio;
    this.max = Math.round(o.maxTokens * SCALE);
    this.threshold = this.max / 2;
    this.refill = Math.round(o.tokenRatio * SCALE);
    this.milliTokens = this.max;
    (o.listener ?? getDefaultListener()).onBudgetCreated?.(this);
  }

  /** Tokens currently in the bucket. */
  get tokens(): number {
    return this.milliTokens / SCALE;
  }

  /** Whether a retry may be made now. */
  get canRetry(): boolean {
    return this.milliTokens > this.threshold;
  }

  /** Records a successful attempt (refills `tokenRatio`). */
  onSuccess(): void {
    const next = this.milliTokens + this.refill;
    this.milliTokens = next > this.max ? this.max : next;
  }

  /** Records a failed attempt (drains one token). */
  onFailure(): void {
    const next = this.milliTokens - SCALE;
    this.milliTokens = next < 0 ? 0 : next;
  }
}
