import type { Clock } from '@breakwater/protocol';
import { KEEP_ALIVE } from '@breakwater/protocol';
import type { CallContext } from './context.ts';
import type { MutableCallContext } from './mutable-context.ts';

/**
 * Waits `ms` on `clock`, rejecting with the abort reason as soon as the call is aborted (caller
 * signal or overall deadline), or the attempt it runs in (a retry nested in an outer retry's
 * attempt, whose deadline wakes it through `ctx.waker`). Only retry back-off uses this, so its
 * allocations are off the success path.
 *
 * The timer keeps the process alive: the application is waiting for this call, and an unref'd
 * back-off would let a process with nothing else pending exit (code 0) mid-call.
 */
export function sleepFor(clock: Clock, ms: number, ctx: CallContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (ctx.callOver) {
      reject(ctx.abortReason);
      return;
    }
    const parent = ctx.callerSignal;
    let onAbort: (() => void) | undefined;
    const cleanup = (): void => {
      (ctx as MutableCallContext).waker = undefined;
      if (onAbort !== undefined) parent?.removeEventListener('abort', onAbort);
    };
    const timer = clock.setTimeout(
      () => {
        cleanup();
        resolve();
      },
      ms,
      KEEP_ALIVE,
    );
    const wake = (reason: unknown): void => {
      clock.clearTimeout(timer);
      cleanup();
      reject(reason);
    };
    (ctx as MutableCallContext).waker = wake;
    if (parent !== undefined) {
      onAbort = () => wake(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
    }
  });
}
