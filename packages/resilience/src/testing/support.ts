/** Helpers shared by the unit tests (not part of the published package). */
import type { Classification } from '../classify/classification.ts';
import { categoryClassification } from '../classify/classification.ts';
import type { ResilienceListener } from '../telemetry/listener.ts';

/** A dependency-side failure (counts against a breaker). */
export const SERVER_ERROR: Classification = categoryClassification('server_error');
/** A caller-side failure (does not count by default). */
export const VALIDATION: Classification = categoryClassification('validation');

/** Records every listener call by method name. */
export function recordingListener(): ResilienceListener & { calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push([name, args]);
    };
  return {
    calls,
    onCallEnd: record('onCallEnd'),
    onAttemptFailure: record('onAttemptFailure'),
    onRetry: record('onRetry'),
    onRejected: record('onRejected'),
    onTimeout: record('onTimeout'),
    onFallback: record('onFallback'),
    onLateFailure: record('onLateFailure'),
    onCallSettled: record('onCallSettled'),
    onBreakerTransition: record('onBreakerTransition'),
    onPattern: record('onPattern'),
  };
}

/** A provider's 503 (classified `overloaded`), as the operation under test throws it. */
export const overloaded = (): Error => Object.assign(new Error('overloaded'), { status: 503 });

/** Process warnings emitted while `run` runs (they are emitted on a later tick). */
export async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on('warning', onWarning);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}
