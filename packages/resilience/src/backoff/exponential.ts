import { z } from 'zod';
import { parseOptions } from '../core/options.ts';
import { type Backoff, JITTERS, type Jitter } from './backoff.ts';

/** Options of {@link ExponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Base delay before the first retry, ms (default 250). */
  readonly initialMs?: number;
  /** Cap on any delay, ms (default 30 000). */
  readonly maxMs?: number;
  /** Growth factor per retry (default 2). */
  readonly multiplier?: number;
  /** Jitter mode (default `full`). */
  readonly jitter?: Jitter;
}

const Schema = z
  .object({
    initialMs: z.number().finite().nonnegative().default(250),
    maxMs: z.number().finite().nonnegative().default(30_000),
    multiplier: z.number().finite().min(1).default(2),
    jitter: z.enum(JITTERS).default('full'),
  })
  .refine((o) => o.maxMs >= o.initialMs, { message: 'maxMs must be >= initialMs' });

/**
 * Exponential back-off `initialMs · multiplier^retry`, capped at `maxMs`, with jitter. Full
 * jitter spreads retries of many clients best and is the default.
 */
export class ExponentialBackoff implements Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  readonly jitter: Jitter;

  constructor(options: ExponentialBackoffOptions = {}) {
    const o = parseOptions(Schema, options, 'ExponentialBackoff');
    this.initialMs = o.initialMs;
    this.maxMs = o.maxMs;
    this.multiplier = o.multiplier;
    this.jitter = o.jitter;
  }

  delay(retry: number, previousMs: number, random: () => number): number {
    if (this.jitter === 'decorrelated') {
      // AWS "decorrelated jitter": grows from the previous delay rather than the retry number.
      const prev = Math.max(this.initialMs, previousMs);
      const upper = Math.min(this.maxMs, prev * 3);
      return Math.min(this.maxMs, this.initialMs + random() * Math.max(0, upper - this.initialMs));
    }
    const raw = Math.min(this.maxMs, this.initialMs * this.multiplier ** Math.max(0, retry));
    switch (this.jitter) {
      case 'full':
        return random() * raw;
      case 'equal':
        return raw / 2 + random() * (raw / 2);
      default:
        return raw;
    }
  }
}

/** The same delay every time. */
export class ConstantBackoff implements Backoff {
  readonly ms: number;
  constructor(ms: number) {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`ConstantBackoff: ms must be a finite number >= 0, got ${ms}`);
    this.ms = ms;
  }
  delay(): number {
    return this.ms;
  }
}
