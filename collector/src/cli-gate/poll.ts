import { type Clock, type GateAnswer, gateWaitsForData, KEEP_ALIVE } from '@breakwater/protocol';
import { GateClientError } from './client.ts';

/**
 * Resolves after `ms` on the injected clock. The timer keeps the process alive: between polls
 * it is all the CLI waits for, and an unref'd one would let Node exit mid-wait (code 13).
 */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimeout(resolve, ms, KEEP_ALIVE);
  });
}

/** How to poll. */
export interface PollOptions {
  clock: Clock;
  intervalMs: number;
  /**
   * Give up at this time on the monotonic clock (`Clock.monotonic`), returning the last answer;
   * in `watch` mode only if the poll at the deadline answered (see {@link poll}).
   */
  deadline: number;
  /**
   * `wait`: stop at the first answer that is not a HALT for missing data.
   * `watch`: keep polling until the deadline; stop early only on ROLLBACK.
   */
  mode: 'wait' | 'watch';
  /** Called with every answer (progress lines). */
  onAnswer?: (answer: GateAnswer) => void;
  /** Called when a poll failed but the deadline has not passed. */
  onRetry?: (error: GateClientError) => void;
}

/**
 * Polls `ask` until the mode's condition or the deadline. Retryable errors (collector restarting,
 * network blips) are retried until the deadline; the last one is thrown if no answer ever came,
 * and in `watch` mode also if the poll at the deadline failed: the watch's answer is its end's,
 * and an earlier PROCEED says nothing of the time since (a collector down for the rest of the
 * watch would otherwise promote on its first answer). A non-retryable error (4xx: bad
 * parameters, bad token) is thrown at once.
 */
export async function poll(ask: () => Promise<GateAnswer>, options: PollOptions): Promise<GateAnswer> {
  const { clock } = options;
  let last: GateAnswer | undefined;
  let lastAt = 0;
  for (;;) {
    let failed: GateClientError | undefined;
    try {
      last = await ask();
      lastAt = clock.monotonic();
      options.onAnswer?.(last);
      if (last.decision === 'ROLLBACK') return last;
      if (options.mode === 'wait' && !gateWaitsForData(last)) return last;
    } catch (error) {
      if (!(error instanceof GateClientError) || !error.retryable) throw error;
      failed = error;
    }
    // A failed poll is retried like an answer is re-asked: after the interval, or at the deadline
    // when less than an interval is left.
    const remaining = options.deadline - clock.monotonic();
    if (remaining <= 0) {
      if (failed === undefined) return last!;
      if (last === undefined) throw failed;
      if (options.mode === 'wait') return last;
      const ago = Math.round((clock.monotonic() - lastAt) / 1000);
      throw new GateClientError(
        `${failed.message} at the end of --watch; the last answer (${last.decision}) came ${ago} s before and does not speak for the time since`,
        failed.retryable,
      );
    }
    if (failed !== undefined) options.onRetry?.(failed);
    await sleep(clock, Math.min(options.intervalMs, remaining));
  }
}
