import type { Clock } from '@breakwater/protocol';
import { systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import type { CallContext, ExecuteOptions, Operation } from '../core/context.ts';
import type { TimeoutScope } from '../core/errors.ts';
import { TimeoutError } from '../core/errors.ts';
import { ClockSchema, parseOptions } from '../core/options.ts';
import type { Next, Policy } from '../core/policy.ts';
import { executePolicy } from '../core/policy.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { guardListener } from '../telemetry/safe.ts';
import type { Deadline } from './deadline-queue.ts';
import { DeadlineQueue } from './deadline-queue.ts';

/**
 * `cooperative`: at the deadline the operation's signal aborts and the call waits for the
 * operation to settle (it should honour the signal), then fails with `TimeoutError`.
 * `aggressive`: additionally rejects with `TimeoutError` at once, leaving the operation behind.
 */
export type TimeoutMode = 'cooperative' | 'aggressive';

/** Options of {@link TimeoutPolicy}. */
export interface TimeoutOptions {
  /** The deadline, ms. */
  readonly ms: number;
  /** Default `cooperative`. */
  readonly mode?: TimeoutMode;
  /**
   * What the deadline covers. Default: `attempt` when the policy runs inside a retry, else `call`
   * (a call-scoped deadline also cuts retry back-off short).
   */
  readonly scope?: TimeoutScope;
  readonly dependency?: string;
  readonly clock?: Clock;
  readonly listener?: ResilienceListener;
}

const Schema = z.object({
  ms: z.number().finite().positive(),
  mode: z.enum(['cooperative', 'aggressive']).default('cooperative'),
  scope: z.enum(['attempt', 'call']).optional(),
  dependency: z.string().default('unknown'),
  clock: ClockSchema.default(systemClock),
  listener: z.custom<ResilienceListener>((v) => typeof v === 'object' && v !== null).optional(),
});

/**
 * A deadline handed to the operation as an `AbortSignal`. Cheap on the success path: no timer
 * and no `AbortController` per call, one clock read (see {@link DeadlineQueue}); the controller is
 * created only if the operation reads `ctx.signal` or the deadline actually passes. A deadline
 * fires between `ms` and `ms · 17/16` after it began.
 */
export class TimeoutPolicy implements Policy {
  readonly ms: number;
  readonly mode: TimeoutMode;
  readonly dependency: string;
  private readonly scope: TimeoutScope | undefined;
  private readonly listener: ResilienceListener;
  private readonly attemptQueue: DeadlineQueue;
  private readonly callQueue: DeadlineQueue;

  constructor(options: TimeoutOptions | number) {
    const o = parseOptions(Schema, typeof options === 'number' ? { ms: options } : options, 'TimeoutPolicy');
    this.ms = o.ms;
    this.mode = o.mode;
    this.scope = o.scope;
    this.dependency = o.dependency;
    this.listener = guardListener(o.listener ?? getDefaultListener());
    this.attemptQueue = new DeadlineQueue(o.clock, o.ms, (d) => this.expire(d, 'attempt'));
    this.callQueue = new DeadlineQueue(o.clock, o.ms, (d) => this.expire(d, 'call'));
  }

  /** Starts a deadline for `ctx` with the given scope. Pair with {@link end}. */
  begin(ctx: CallContext, scope: TimeoutScope): Deadline {
    return (scope === 'attempt' ? this.attemptQueue : this.callQueue).push(ctx);
  }

  /** Ends a deadline started with {@link begin}. */
  end(deadline: Deadline, scope: TimeoutScope): void {
    (scope === 'attempt' ? this.attemptQueue : this.callQueue).remove(deadline);
  }

  /** Lower bound of the time left on a deadline, ms. */
  remainingMs(deadline: Deadline, scope: TimeoutScope): number {
    return (scope === 'attempt' ? this.attemptQueue : this.callQueue).remainingMs(deadline);
  }

  /**
   * In aggressive mode, a promise that settles like `promise` or rejects at the deadline,
   * whichever is first. In cooperative mode, `promise` itself.
   */
  race<T>(promise: Promise<T>, deadline: Deadline): Promise<T> {
    if (this.mode === 'cooperative') return promise;
    if (deadline.expired) {
      promise.catch(noop);
      return Promise.reject(deadline.error);
    }
    return new Promise<T>((resolve, reject) => {
      deadline.reject = reject;
      promise.then(resolve, reject);
    });
  }

  /** Policy: runs `next` under the deadline. */
  async run<T>(ctx: CallContext, next: Next<T>): Promise<T> {
    const scope: TimeoutScope = this.scope ?? (ctx.retryDepth > 0 ? 'attempt' : 'call');
    const deadline = this.begin(ctx, scope);
    try {
      const value = await this.race(next.run(ctx), deadline);
      if (deadline.expired) throw deadline.error;
      return value;
    } catch (error) {
      throw deadline.expired ? deadline.error : error;
    } finally {
      this.end(deadline, scope);
    }
  }

  /** Runs `fn` under this deadline alone. */
  execute<T, TData = unknown>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T> {
    return executePolicy(this, fn, options, this.dependency);
  }

  private expire(deadline: Deadline, scope: TimeoutScope): void {
    const ctx = deadline.ctx;
    const error = new TimeoutError(ctx.dependency, this.ms, scope);
    deadline.error = error;
    if (scope === 'attempt') ctx.abortAttempt(error);
    else ctx.abortCall(error);
    this.listener.onTimeout?.(ctx, error);
    deadline.reject?.(error);
  }
}

function noop(): void {}
