/**
 * With an aggressive attempt deadline (tools) the pipeline stops waiting for an attempt when the
 * deadline passes and leaves its promise behind. The attempt's span must end then, as a timeout,
 * not when the abandoned promise settles (perhaps never, perhaps as a "success"). The pipeline
 * reports each failed attempt to its listener, so tool pipelines get a listener that passes every
 * event on unchanged and also tells the call's {@link AttemptObserver} (carried in `ctx.data`).
 */
import type { CallContext, Classification, ResilienceListener } from '@breakwater/resilience';

/** Told when the pipeline has given up on an attempt (see {@link CallData.attempts}). */
export interface AttemptObserver {
  onAttemptFailure(ctx: CallContext<unknown>, classification: Classification): void;
}

/** A listener like `base`, that also tells the call's observer about each failed attempt. */
export function observingAttempts(base: ResilienceListener): ResilienceListener {
  const out: Record<string, unknown> = {};
  // Forward every `on*` method `base` has, bound to it (its own state stays its own).
  for (let o: object | null = base; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      const method = (base as unknown as Record<string, unknown>)[key];
      if (key.startsWith('on') && typeof method === 'function' && !(key in out)) out[key] = method.bind(base);
    }
  }
  const listener = out as ResilienceListener;
  const forward = listener.onAttemptFailure;
  listener.onAttemptFailure = (ctx, classification) => {
    forward?.(ctx, classification);
    (ctx.data as { attempts?: AttemptObserver } | undefined)?.attempts?.onAttemptFailure(ctx, classification);
  };
  return listener;
}
