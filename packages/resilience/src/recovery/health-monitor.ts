import type { Clock, TimerHandle } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import { FractionGate } from '../core/fraction-gate.ts';
import { ClockSchema, parseOptions } from '../core/options.ts';
import { warnOnce } from '../telemetry/safe.ts';
import type { TrafficRampOptions } from './traffic-ramp.ts';
import { TrafficRamp } from './traffic-ramp.ts';

/** Health states, in the order a dependency usually walks them. */
export const HEALTH_STATES = ['healthy', 'degraded', 'failed', 'recovering'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

/** A health check: true (or a promise of it) when healthy; anything else, or a throw, is unhealthy. */
export type HealthCheck = (signal: AbortSignal) => Promise<boolean> | boolean;

/** Options of {@link HealthMonitor}. */
export interface HealthMonitorOptions {
  readonly check: HealthCheck;
  /** Time between checks when started, ms (default 10 000). */
  readonly intervalMs?: number;
  /** A check slower than this fails, ms (default 5 000). */
  readonly checkTimeoutMs?: number;
  /** Consecutive failed checks that move degraded → failed (default 3). */
  readonly failedAfter?: number;
  /** Consecutive passed checks that move failed → recovering (default 2). */
  readonly recoverAfter?: number;
  /** Ramp admitted traffic follows while recovering (default 10/25/50/100 % over 10 s steps). */
  readonly ramp?: TrafficRampOptions;
  readonly clock?: Clock;
  readonly random?: () => number;
  /**
   * Told of each change of state. One that throws never stops the monitor or reaches its caller:
   * the first error is reported as a process warning.
   */
  readonly onChange?: (from: HealthState, to: HealthState) => void;
}

const Schema = z.object({
  check: z.custom<HealthCheck>((v) => typeof v === 'function', { message: 'expected a function' }),
  intervalMs: z.number().positive().default(10_000),
  checkTimeoutMs: z.number().positive().default(5_000),
  failedAfter: z.number().int().min(1).default(3),
  recoverAfter: z.number().int().min(1).default(2),
  ramp: z.custom<TrafficRampOptions>((v) => typeof v === 'object' && v !== null).optional(),
  clock: ClockSchema.default(systemClock),
  random: z.custom<() => number>((v) => typeof v === 'function').optional(),
  onChange: z.custom<(from: HealthState, to: HealthState) => void>((v) => typeof v === 'function').optional(),
});

/**
 * Health-check driven recovery: healthy → degraded (first failed check) → failed (`failedAfter`
 * in a row) → recovering (`recoverAfter` passes in a row) → healthy (ramp finished with no
 * failed check). {@link allow} admits all traffic when healthy or degraded, none when failed,
 * and the ramp's rising fraction while recovering.
 */
export class HealthMonitor {
  readonly ramp: TrafficRamp;
  private readonly o: z.output<typeof Schema>;
  private readonly gate: FractionGate;
  private current: HealthState = 'healthy';
  private failures = 0;
  private passes = 0;
  /** Monotonic time: a wall-clock step must not stall or skip the ramp. */
  private recoveringSince = 0;
  private timer: TimerHandle | undefined = undefined;
  private running = false;
  /** Which start() the check loop belongs to: a check that outlives a stop() ends its loop. */
  private loop = 0;
  private readonly reportOnChangeError = warnOnce('Breakwater HealthMonitor onChange threw');

  constructor(options: HealthMonitorOptions) {
    this.o = parseOptions(Schema, options, 'HealthMonitor');
    this.ramp = new TrafficRamp(this.o.ramp ?? {});
    this.gate = new FractionGate(this.o.random);
  }

  get state(): HealthState {
    if (this.current === 'recovering' && this.ramp.done(this.o.clock.monotonic() - this.recoveringSince)) {
      this.moveTo('healthy');
    }
    return this.current;
  }

  /** Fraction of traffic to admit now. */
  get allowedFraction(): number {
    switch (this.state) {
      case 'failed':
        return 0;
      case 'recovering':
        return this.ramp.fraction(this.o.clock.monotonic() - this.recoveringSince);
      default:
        return 1;
    }
  }

  /** Whether to admit this call. */
  allow(): boolean {
    return this.gate.admit(this.allowedFraction);
  }

  /** Runs one check now and applies its result. */
  async checkNow(): Promise<HealthState> {
    const controller = new AbortController();
    const timer = this.o.clock.setTimeout(
      () => controller.abort(new Error('health check timed out')),
      this.o.checkTimeoutMs,
    );
    let healthy: boolean;
    try {
      healthy = await Promise.race([
        Promise.resolve(this.o.check(controller.signal)),
        new Promise<boolean>((resolve) =>
          controller.signal.addEventListener('abort', () => resolve(false), { once: true }),
        ),
      ]);
    } catch {
      healthy = false;
    } finally {
      this.o.clock.clearTimeout(timer);
    }
    this.record(healthy === true);
    return this.state;
  }

  /** Feeds one check result (for callers that run checks themselves). */
  record(healthy: boolean): void {
    const state = this.state;
    if (healthy) {
      this.failures = 0;
      this.passes++;
      if (state === 'degraded') this.moveTo('healthy');
      else if (state === 'failed' && this.passes >= this.o.recoverAfter) this.moveTo('recovering');
      return;
    }
    this.passes = 0;
    this.failures++;
    if (state === 'healthy') this.moveTo(this.failures >= this.o.failedAfter ? 'failed' : 'degraded');
    else if (state === 'degraded' && this.failures >= this.o.failedAfter) this.moveTo('failed');
    else if (state === 'recovering') this.moveTo('failed');
  }

  /** Starts periodic checks on the clock (unref'd timers). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop++;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const loop = this.loop;
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      void this.checkNow().finally(() => {
        // Stopped (and maybe started again) while this check ran: that start has its own loop.
        if (this.running && this.loop === loop) this.schedule();
      });
    }, this.o.intervalMs);
  }

  private moveTo(to: HealthState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    if (to === 'recovering') {
      this.recoveringSince = this.o.clock.monotonic();
      this.gate.reset();
    }
    if (to === 'failed') this.passes = 0;
    const onChange = this.o.onChange;
    if (onChange === undefined) return;
    // Called from the check loop's timer too, where a throw would be an unhandled rejection
    // (a process crash by default) and end the loop: reported once, like a throwing listener.
    try {
      onChange(from, to);
    } catch (error) {
      this.reportOnChangeError(error);
    }
  }
}
