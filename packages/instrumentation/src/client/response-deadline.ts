/**
 * Deadlines past the response headers. The client's own request timer, which carries the attempt
 * timeout, stops at the headers; what is still awaited from the provider after them (a plain
 * body, a stream's first event, each next chunk of a stream) would otherwise hold the attempt,
 * its bulkhead slot and the caller for ever when a provider sends headers and then nothing, or
 * stalls half-way through a stream.
 */
import type { Clock } from '@breakwater/protocol';
import { TimeoutError } from '@breakwater/resilience';

/** The client's own error for a timeout of ours (its `APIConnectionTimeoutError`). */
export type TimeoutErrorFactory = (timeout: TimeoutError) => Error;

/** When an attempt's response must be complete (its plain body, or a stream's first event). */
export interface ResponseDeadline {
  readonly clock: Clock;
  /** Monotonic time (on `clock`) by which it must be complete. */
  readonly at: number;
  /** The attempt timeout it comes from, for the error. */
  readonly timeoutMs: number;
  readonly dependency: string;
  /**
   * The error to fail with, made from the attempt's {@link TimeoutError}: the client's own, as
   * for a timeout before the headers. Without it, the `TimeoutError` itself.
   */
  readonly clientError?: TimeoutErrorFactory | undefined;
}

/** The longest the app waits on the provider for one thing (such as a stream's next chunk). */
export type WaitLimit = Omit<ResponseDeadline, 'at'>;

/** The deadline of a wait within `limit` that began at `startedAt`; undefined without a limit. */
export function deadlineFrom(limit: WaitLimit | undefined, startedAt: number): ResponseDeadline | undefined {
  return limit === undefined ? undefined : { ...limit, at: startedAt + limit.timeoutMs };
}

/** The deadline of a wait within `limit` that begins now; undefined without a limit. */
export function deadlineIn(limit: WaitLimit | undefined): ResponseDeadline | undefined {
  return limit === undefined ? undefined : deadlineFrom(limit, limit.clock.monotonic());
}

/**
 * `waited`, or a rejection with the attempt's {@link TimeoutError} (as the client's own error,
 * where the deadline makes one) once `deadline` passes first. The request is then aborted: nobody
 * will read the rest of its body, and its connection is released. Without a deadline, `waited`.
 */
export function beforeDeadline<T>(
  waited: Promise<T>,
  deadline: ResponseDeadline | undefined,
  controller: { abort?: (reason?: unknown) => void } | undefined,
): Promise<T> {
  if (deadline === undefined) return waited;
  const { clock } = deadline;
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => {
        const timeout = new TimeoutError(deadline.dependency, deadline.timeoutMs, 'attempt');
        const error = asClientError(deadline, timeout);
        controller?.abort?.(error);
        reject(error);
      },
      Math.max(0, deadline.at - clock.monotonic()),
    );
    waited.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** The client's own error for `timeout`, or `timeout` itself (also should the client's fail to build). */
function asClientError(deadline: ResponseDeadline, timeout: TimeoutError): Error {
  try {
    return deadline.clientError?.(timeout) ?? timeout;
  } catch {
    return timeout;
  }
}
