import type { Clock } from '@breakwater/protocol';
import type { CallContext } from './context.ts';

/**
 * Waits `ms` on `clock`, rejecting with the abort reason as soon as the call is aborted (caller
 * signal or overall deadline). Only retry back-off uses this, so its allocations are off the
 * success path.
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
      ctx.waker = undefined;
      if (onAbort !== undefined) parent?.removeEventListener('abort', onAbort);
    };
    const timer = clock.setTimeout(() => {
      cleanup();
      resolve();
    }, ms);
    const wake = (reason: unknown): void => {
      clock.clearTimeout(timer);
      cleanup();
      reject(reason);
    };
    ctx.waker = wake;
    if (parent !== undefined) {
      onAbort = () => wake(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
    }
  });
}
