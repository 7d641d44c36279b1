import type { BreakerSignal } from '@breakwater/protocol';

/**
 * The signal as it should be sent `elapsedMs` after it was issued (measured on the monotonic
 * clock): its `ttlMs` shortened to the time it has left, so a subscriber that receives it late
 * (replay, snapshot) cannot hold it past its original expiry. `issuedAt` is kept as issued.
 * Returns `undefined` once it has expired.
 */
export function withRemainingTtl(signal: BreakerSignal, elapsedMs: number): BreakerSignal | undefined {
  const left = Math.ceil(signal.ttlMs - Math.max(0, elapsedMs));
  if (left <= 0) return undefined;
  return left >= signal.ttlMs ? signal : { ...signal, ttlMs: left };
}
