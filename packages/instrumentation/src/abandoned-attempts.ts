/**
 * With an aggressive attempt deadline (tools) the pipeline stops waiting for an attempt when the
 * deadline passes and leaves its promise behind. The attempt's span must end then, as a timeout,
 * not when the abandoned promise settles (perhaps never, perhaps as a "success"). The pipeline
 * reports each failed attempt to its listener, so tool pipelines get a listener that passes every
 * event on unchanged and also tells the call's {@link AttemptObserver} (carried in `ctx.data`).
 */
import {
  type CallContext,
  type Classification,
  guardListener,
  type ResilienceListener,
} from '@breakwater/resilience';

/** Told when the pipeline has given up on an attempt (see {@link CallData.attempts}). */
export interface AttemptObserver {
  /** Called for each failed attempt of the call, one abandoned at its deadline included. */
  onAttemptFailure(ctx: CallContext<unknown>, classification: Classification): void;
}

/** A listener like `base`, that also tells the call's observer about each failed attempt. */
export function observingAttempts(base: ResilienceListener): ResilienceListener {
  // guardListener already gives every `on*` method of `base` as an own, bound method.
  const forward = guardListener(base);
  return {
    ...forward,
    onAttemptFailure(ctx, classification) {
      forward.onAttemptFailure?.(ctx, classification);
      (ctx.data as { attempts?: AttemptObserver } | undefined)?.attempts?.onAttemptFailure(
        ctx,
        classification,
      );
    },
  };
}
