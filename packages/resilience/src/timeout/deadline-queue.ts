import { type Clock, KEEP_ALIVE, type TimerHandle } from '@breakwater/protocol';
import type { CallContext } from '../core/context.ts';

/**
 * Ticks per duration: while deadlines wait, the queue's timer fires at least every `ms / 16`, so
 * a deadline fires between `ms` and `ms · (1 + 1/TICKS)` after it began (later only if the event
 * loop itself was blocked past it).
 */
export const DEADLINE_TICKS = 16;

/** One in-flight deadline: an intrusive list node, so linking and unlinking allocate nothing more. */
export class Deadline {
  readonly ctx: CallContext;
  /** The queue clock's `monotonic()` time at which this deadline expires. */
  readonly dueAt: number;
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

  constructor(ctx: CallContext, dueAt: number) {
    this.ctx = ctx;
    this.dueAt = dueAt;
  }
}

/**
 * In-flight deadlines of ONE duration. Every entry has the same duration, so deadlines arrive in
 * order and a FIFO list is also a priority queue: push at the tail, unlink in O(1) on
 * completion. No timer and no `AbortController` is created per call; a push reads the clock
 * once. While the queue is non-empty one timer ticks every `duration / 16` and expires the
 * entries whose time has come (so between `ms` and `ms · 17/16` after they began). Each tick
 * reads the clock rather than counting ticks: a blocked event loop delays ticks, and a deadline
 * whose time passed meanwhile fires at the first tick after, not 16 late ticks later. An empty
 * queue arms no timer at all.
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
  private readonly onExpire: (deadline: Deadline) => void;
  private head: Deadline | undefined = undefined;
  private tail: Deadline | undefined = undefined;
  private timer: TimerHandle | undefined = undefined;
  private size = 0;

  constructor(clock: Clock, durationMs: number, onExpire: (deadline: Deadline) => void) {
    this.clock = clock;
    this.durationMs = durationMs;
    this.tickMs = Math.max(1, durationMs / DEADLINE_TICKS);
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
    if (this.timer === undefined) this.timer = this.clock.setTimeout(this.fire, this.tickMs, KEEP_ALIVE);
    else if (this.size === 0) this.clock.keepAlive?.(this.timer, true);
    const deadline = new Deadline(ctx, this.clock.monotonic() + this.durationMs);
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

  /** Time left before `deadline` is due, ms (it fires at the first tick from then on). */
  remainingMs(deadline: Deadline): number {
    if (deadline.expired) return 0;
    return Math.max(0, deadline.dueAt - this.clock.monotonic());
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = this.clock.monotonic();
    let head = this.head;
    while (head !== undefined && head.dueAt <= now) {
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
