import { type Clock, KEEP_ALIVE, type TimerHandle } from '@breakwater/protocol';
import type { CallContext } from '../core/context.ts';

/** Ticks per duration: a deadline fires between `ms` and `ms · (1 + 1/TICKS)` after it began. */
export const DEADLINE_TICKS = 16;

/** One in-flight deadline: an intrusive list node, so linking and unlinking allocate nothing more. */
export class Deadline {
  readonly ctx: CallContext;
  /** Tick of the queue's clock at which this deadline expires. */
  readonly tick: number;
  prev: Deadline | undefined = undefined;
  next: Deadline | undefined = undefined;
  /** Set once the deadline passed (the operation may still be running). */
  expired = false;
  /** Still in its queue. */
  linked = true;
  /** Error the deadline produced when it expired. */
  error: unknown = undefined;
  /** Aggressive mode: rejects the caller's promise at expiry. */
  reject: ((error: unknown) => void) | undefined = undefined;

  constructor(ctx: CallContext, tick: number) {
    this.ctx = ctx;
    this.tick = tick;
  }
}

/**
 * In-flight deadlines of ONE duration. Every entry has the same duration, so deadlines arrive in
 * order and a FIFO list is also a priority queue: push at the tail, unlink in O(1) on
 * completion. No timer and no `AbortController` is created per call, and the clock is not even
 * read per call: while the queue is non-empty one timer ticks every `duration / 16`, and an
 * entry expires on the tick that ends its duration (so between `ms` and `ms · 17/16` after it
 * began). An empty queue arms no timer at all.
 *
 * The tick keeps the process alive (`KEEP_ALIVE`): a call may be waiting on nothing else (a reply
 * that never comes, on an unref'd resource), and then its deadline is what ends it, with the
 * timeout error or the fallback. It holds the process no longer than the calls in flight: with
 * the queue empty, the tick still pending is let go (`Clock.keepAlive`).
 */
export class DeadlineQueue {
  readonly durationMs: number;
  private readonly clock: Clock;
  private readonly tickMs: number;
  private readonly ticksPerDuration: number;
  private readonly onExpire: (deadline: Deadline) => void;
  private head: Deadline | undefined = undefined;
  private tail: Deadline | undefined = undefined;
  private timer: TimerHandle | undefined = undefined;
  /** Ticks elapsed while the timer was running. */
  private ticks = 0;
  private size = 0;

  constructor(clock: Clock, durationMs: number, onExpire: (deadline: Deadline) => void) {
    this.clock = clock;
    this.durationMs = durationMs;
    this.tickMs = Math.max(1, durationMs / DEADLINE_TICKS);
    this.ticksPerDuration = Math.ceil(durationMs / this.tickMs);
    this.onExpire = onExpire;
  }

  /** Deadlines currently waiting. */
  get length(): number {
    return this.size;
  }

  /** Whether the shared timer is armed. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  push(ctx: CallContext): Deadline {
    let tick: number;
    if (this.timer === undefined) {
      // The timer starts now, so a full duration of ticks is exactly `durationMs`.
      this.timer = this.clock.setTimeout(this.fire, this.tickMs, KEEP_ALIVE);
      tick = this.ticks + this.ticksPerDuration;
    } else {
      // Part of the current tick has passed already: wait one more so we never fire early.
      tick = this.ticks + this.ticksPerDuration + 1;
      if (this.size === 0) this.clock.keepAlive?.(this.timer, true);
    }
    const deadline = new Deadline(ctx, tick);
    const tail = this.tail;
    if (tail === undefined) this.head = deadline;
    else {
      tail.next = deadline;
      deadline.prev = tail;
    }
    this.tail = deadline;
    this.size++;
    return deadline;
  }

  /** Unlinks a deadline whose operation finished. */
  remove(deadline: Deadline): void {
    if (!deadline.linked) return;
    deadline.linked = false;
    const { prev, next } = deadline;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    deadline.prev = undefined;
    deadline.next = undefined;
    this.size--;
    // The tick keeps the process alive only while a call is in flight; the timer itself stays
    // armed (it stops at its next tick), as clearing it would cost a new one on the next call.
    if (this.size === 0 && this.timer !== undefined) this.clock.keepAlive?.(this.timer, false);
  }

  /**
   * Lower bound of the time left before `deadline` fires, ms: part of the current tick may have
   * passed already, so it is not counted.
   */
  remainingMs(deadline: Deadline): number {
    if (deadline.expired) return 0;
    return Math.max(0, deadline.tick - this.ticks - 1) * this.tickMs;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const tick = ++this.ticks;
    let head = this.head;
    while (head !== undefined && head.tick <= tick) {
      this.remove(head);
      head.expired = true;
      this.onExpire(head);
      head = this.head;
    }
    // `onExpire` may have pushed a deadline (an abort listener starting a call), which armed the
    // timer already: a second one would make the ticks run twice as fast.
    if (this.head !== undefined && this.timer === undefined)
      this.timer = this.clock.setTimeout(this.fire, this.tickMs, KEEP_ALIVE);
  };
}
