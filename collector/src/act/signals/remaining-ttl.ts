import type { BreakerSignal } from '@breakwater/protocol';

/**
 * The signal as it should be sent at `now`: its `ttlMs` shortened to the time it has left, so
 * a subscriber that receives it late (replay, snapshot) cannot hold it past its original expiry.
 * Returns `undefined` once it has expired.
 */
export function withRemainingTtl(signal: BreakerSignal, now: number): BreakerSignal | undefined {
  const left = Math.ceil(signal.issuedAt + signal.ttlMs - now);
  if (left <= 0) return undefined;
  return left >= signal.ttlMs ? signal : { ...signal, ttlMs: left };
}
