import type { Clock } from '@breakwater/protocol';
import type { RecoveryOutcome } from '../act/gate/report.ts';
import type { GateClient } from './client.ts';
import { GateClientError } from './client.ts';
import { sleep } from './poll.ts';

/** Options of {@link trackRecovery}. */
export interface RecoveryOptions {
  clock: Clock;
  service: string;
  /** When the rollback finished, on the collector's clock: only events after it count. */
  sinceMs: number;
  timeoutMs: number;
  intervalMs: number;
  onPoll?: (healthy: boolean) => void;
}

/**
 * After a rollback, polls `GET /v1/gate/health` (the service on its events since the rollback,
 * every version's: a rollback that did not take leaves the failing version serving, and the
 * service red) until it is green or `timeoutMs` passes. Retryable errors while polling count as
 * "not green yet"; a refusal (4xx: a proxy without the route, a token refused) is thrown, as no
 * later poll can answer and "not recovered" would be a measurement never made.
 */
export async function trackRecovery(client: GateClient, options: RecoveryOptions): Promise<RecoveryOutcome> {
  const { clock, timeoutMs } = options;
  // Monotonic: a step of the wall clock must neither end the wait early nor make it negative.
  const started = clock.monotonic();
  const deadline = started + timeoutMs;
  for (;;) {
    let healthy = false;
    try {
      healthy = (await client.health(options.service, options.sinceMs)).healthy;
    } catch (error) {
      if (!(error instanceof GateClientError) || !error.retryable) throw error;
    }
    options.onPoll?.(healthy);
    if (healthy) return { recovered: true, recoveryMs: clock.monotonic() - started, timeoutMs };
    const remaining = deadline - clock.monotonic();
    if (remaining <= 0) return { recovered: false, timeoutMs };
    await sleep(clock, Math.min(options.intervalMs, remaining));
  }
}
