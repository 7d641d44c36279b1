/**
 * `OTEL_SDK_DISABLED`, read as NodeSDK reads it (`true` or `false` in any case, blank as unset),
 * so what `start()` builds matches what the SDK registers. Any other value leaves the SDK on and
 * only tells OpenTelemetry's diag, silent by default; an operator who wrote `1` meaning "off"
 * hears it here instead.
 */
import { envText } from './env-text.ts';

const NAME = 'OTEL_SDK_DISABLED';

/**
 * The variable's text when it disables the SDK (NodeSDK will register nothing), else undefined; a
 * value the SDK does not read as a boolean is logged.
 */
export function sdkDisabledBy(env: NodeJS.ProcessEnv, logger: (message: string) => void): string | undefined {
  const text = envText(env, NAME);
  const value = text?.toLowerCase();
  if (value === 'true') return text;
  if (value !== undefined && value !== 'false') {
    logger(
      `${NAME}=${text}: not true or false; ignored, telemetry stays on (OpenTelemetry takes only true to switch it off)`,
    );
  }
  return undefined;
}

/**
 * The Prometheus port to serve on: none when the SDK is disabled, since no meter provider is bound
 * to the endpoint (every scrape would get "MetricReader is not bound", as a 200). Said when one
 * was asked for, naming what still runs (the control client only when it is on).
 */
export function prometheusPortUnless(
  disabledBy: string | undefined,
  port: number | undefined,
  controlOn: boolean,
  logger: (message: string) => void,
): number | undefined {
  if (disabledBy === undefined || port === undefined) return port;
  const running = controlOn
    ? 'Breakwater policies and the fleet control client still run'
    : 'Breakwater policies still run';
  logger(
    `${NAME}=${disabledBy}: telemetry is off, so the Prometheus endpoint (port ${port}) is not served; ${running}`,
  );
  return undefined;
}
