import type { Clock, TimerHandle } from '@breakwater/protocol';
import { KEEP_ALIVE, systemClock } from '@breakwater/protocol';
import { z } from 'zod';
import type { CallContext, ExecuteOptions, Operation } from '../core/context.ts';
import { BulkheadFullError } from '../core/errors.ts';
import type { MutableCallContext } from '../core/mutable-context.ts';
import { ClockSchema, parseOptions } from '../core/options.ts';
import type { Next, Policy } from '../core/policy.ts';
import { executePolicy } from '../core/policy.ts';
import { getDefaultListener } from '../telemetry/default-listener.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';
import { guardListener } from '../telemetry/safe.ts';

/** Options of {@link Bulkhead}. */
export interface BulkheadOptions {
  /** Calls allowed in flight at once. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot (default 0: reject at once when full). */
  readonly maxQueue?: number;
  /** Longest wait in the queue, ms (default 10 000). */
  readonly queueTimeoutMs?: number;
  readonly dependency?: string;
  readonly clock?: Clock;
  readonly listener?: ResilienceListener;
}

const Schema = z.object({
  maxConcurrent: z.number().int().min(1),
  maxQueue: z.number().int().min(0).default(0),
  // Infinity (wait as long as a timer allows, see the README) is not a finite number to zod.
  queueTimeoutMs: z.union([z.number().positive(), z.literal(Infinity)]).default(10_000),
  dependency: z.string().default('unknown'),
  clock: ClockSchema.default(systemClock),
  listener: z.custom<ResilienceListener>((v) => typeof v === 'object' && v !== null).optional(),
});

/** A caller waiting for a slot (intrusive FIFO node). */
class Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  next: Waiter | undefined = undefined;
  prev: Waiter | undefined = undefined;
  timer: TimerHandle | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  /** The waiting call, whose `waker` this waiter holds while queued. */
  ctx: CallContext | undefined = undefined;
  wake: ((reason: unknown) => void) | undefined = undefined;
  queued = true;
  constructor(resolve: () => void, reject: (error: unknown) => void) {
    this.resolve = resolve;
    this.reject = reject;
  }
}

/**
 * A concurrency limit with a bounded FIFO queue. Rejections are {@link BulkheadFullError}
 * (category `bulkhead_full`). The success path is a counter increment and decrement; the
 * in-flight count is observed by a gauge, not reported per call.
 */
export class Bulkhead implements Policy {
  readonly dependency: string;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  private readonly queueTimeoutMs: number;
  private readonly clock: Clock;
  private readonly listener: ResilienceListener;
  private active = 0;
  private waiting = 0;
  private head: Waiter | undefined = undefined;
  private tail: Waiter | undefined = undefined;

  constructor(options: BulkheadOptions | number) {
    const o = parseOptions(
      Schema,
      typeof options === 'number' ? { maxConcurrent: options } : options,
      'Bulkhead',
    );
    this.dependency = o.dependency;
    this.maxConcurrent = o.maxConcurrent;
    this.maxQueue = o.maxQueue;
    this.queueTimeoutMs = o.queueTimeoutMs;
    this.clock = o.clock;
    this.listener = guardListener(o.listener ?? getDefaultListener());
    this.listener.onBulkheadCreated?.(this);
  }

  /** Calls in flight. */
  get inFlight(): number {
    return this.active;
  }

  /** Calls waiting in the queue. */
  get queued(): number {
    return this.waiting;
  }

  /** Takes a slot if one is free, synchronously. */
  tryAcquire(): boolean {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return true;
    }
    return false;
  }

  /**
   * Takes a slot, waiting in the queue if allowed. Rejects with {@link BulkheadFullError} when the
   * queue is full or the wait times out, or with the abort reason as soon as the call or its
   * attempt is over: the caller's signal aborts, the call's deadline passes (`ctx.abortCall`) or
   * the attempt's does (`ctx.abortAttempt`), whichever is first.
   */
  acquire(ctx?: CallContext): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    // An attempt that is already over must not take a place in the queue, let alone a slot.
    if (ctx?.aborted === true) return Promise.reject(ctx.abortReason);
    if (this.waiting >= this.maxQueue) return Promise.reject(this.reject(ctx, 'full'));
    return new Promise<void>((resolve, reject) => {
      const waiter = new Waiter(resolve, reject);
      this.enqueue(waiter);
      // The application is blocked on this wait, so it keeps the process alive (see KEEP_ALIVE).
      waiter.timer = this.clock.setTimeout(
        () => {
          waiter.timer = undefined;
          this.dequeue(waiter);
          reject(this.reject(ctx, 'queue_timeout'));
        },
        this.queueTimeoutMs,
        KEEP_ALIVE,
      );
      if (ctx === undefined) return;
      const signal = ctx.callerSignal;
      if (signal !== undefined) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          this.dequeue(waiter);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      // A deadline aborts the call or the attempt, not the caller's signal: it reaches us through
      // the context's waker, like a retry back-off.
      waiter.ctx = ctx;
      waiter.wake = (reason) => {
        this.dequeue(waiter);
        reject(reason);
      };
      (ctx as MutableCallContext).waker = waiter.wake;
    });
  }

  /** Returns a slot, handing it straight to the next waiter if there is one. */
  release(): void {
    const waiter = this.head;
    if (waiter === undefined) {
      this.active--;
      return;
    }
    this.dequeue(waiter);
    waiter.resolve();
  }

  /** Policy: runs `next` inside a slot. */
  async run<T>(ctx: CallContext, next: Next<T>): Promise<T> {
    if (!this.tryAcquire()) await this.acquire(ctx);
    try {
      return await next.run(ctx);
    } finally {
      this.release();
    }
  }

  /** Runs `fn` inside this bulkhead alone. */
  execute<T, TData = unknown>(fn: Operation<T, TData>, options?: ExecuteOptions<TData>): Promise<T> {
    return executePolicy(this, fn, options, this.dependency);
  }

  private reject(ctx: CallContext | undefined, reason: 'full' | 'queue_timeout'): BulkheadFullError {
    const error = new BulkheadFullError(ctx?.dependency ?? this.dependency, reason);
    this.listener.onRejected?.(ctx, error);
    return error;
  }

  private enqueue(waiter: Waiter): void {
    if (this.tail === undefined) this.head = waiter;
    else {
      this.tail.next = waiter;
      waiter.prev = this.tail;
    }
    this.tail = waiter;
    this.waiting++;
  }

  private dequeue(waiter: Waiter): void {
    if (!waiter.queued) return;
    waiter.queued = false;
    const { prev, next } = waiter;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    waiter.prev = undefined;
    waiter.next = undefined;
    this.waiting--;
    if (waiter.timer !== undefined) this.clock.clearTimeout(waiter.timer);
    waiter.timer = undefined;
    if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort);
    waiter.onAbort = undefined;
    const ctx = waiter.ctx;
    if (ctx !== undefined && ctx.waker === waiter.wake) (ctx as MutableCallContext).waker = undefined;
    waiter.ctx = undefined;
    waiter.wake = undefined;
  }
}
