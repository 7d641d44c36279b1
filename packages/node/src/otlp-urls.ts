/**
 * The URL variables `start()` reads: the standard OTLP endpoints and `BREAKWATER_COLLECTOR_URL`.
 * Each is checked once, at start: one that is not an http(s) URL is logged, naming it, and
 * ignored as if unset (as OpenTelemetry ignores one that does not parse), so the next setting or
 * the default applies, never a garbage URL.
 */
import { ENV, type OTLP_LOGS_PATH } from '@breakwater/protocol';
import { envText } from './env-text.ts';
import { httpUrlProblem } from './http-url.ts';

/** OpenTelemetry's default OTLP/HTTP endpoint, where the exporters send when nothing is set. */
export const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** The usable URL variables; `undefined` for one unset, blank, or refused. */
export interface UrlVariables {
  readonly endpoint: string | undefined;
  readonly tracesEndpoint: string | undefined;
  readonly metricsEndpoint: string | undefined;
  readonly logsEndpoint: string | undefined;
  readonly collectorUrl: string | undefined;
  /** Whether a variable an exporter reads itself was refused: the exporters must then be told. */
  readonly tracesRefused: boolean;
  readonly metricsRefused: boolean;
  readonly logsRefused: boolean;
}

const INSTEAD: Readonly<Record<string, string>> = {
  OTEL_EXPORTER_OTLP_ENDPOINT: `the per-signal variables or ${DEFAULT_OTLP_ENDPOINT} apply`,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `OTEL_EXPORTER_OTLP_ENDPOINT or ${DEFAULT_OTLP_ENDPOINT} applies`,
  OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `OTEL_EXPORTER_OTLP_ENDPOINT or ${DEFAULT_OTLP_ENDPOINT} applies`,
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `OTEL_EXPORTER_OTLP_ENDPOINT or ${DEFAULT_OTLP_ENDPOINT} applies`,
  [ENV.COLLECTOR_URL]: 'the control client connects to the collector the spans go to',
};

/** Reads and checks the URL variables, logging each refused one. */
export function readUrlVariables(env: NodeJS.ProcessEnv, logger: (message: string) => void): UrlVariables {
  const refused = new Set<string>();
  const read = (name: string): string | undefined => {
    const value = envText(env, name);
    if (value === undefined) return undefined;
    const problem = httpUrlProblem(value);
    if (problem === undefined) return value;
    refused.add(name);
    logger(`${name}=${value}: ${problem}; ignored (${INSTEAD[name]})`);
    return undefined;
  };
  const endpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesEndpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const metricsEndpoint = read('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  const logsEndpoint = read('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT');
  const collectorUrl = read(ENV.COLLECTOR_URL);
  const base = refused.has('OTEL_EXPORTER_OTLP_ENDPOINT');
  return {
    endpoint,
    tracesEndpoint,
    metricsEndpoint,
    logsEndpoint,
    collectorUrl,
    tracesRefused: base || refused.has('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
    metricsRefused: base || refused.has('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'),
    logsRefused: base || refused.has('OTEL_EXPORTER_OTLP_LOGS_ENDPOINT'),
  };
}

/**
 * The URL an exporter of one signal is given: from the `endpoint` option; else, when a variable
 * it would read itself was refused, the one it would have used without it (the signal's own
 * variable, then the base one with the signal's path, then the default); else `undefined`, and
 * the exporter reads the environment itself.
 */
export function signalUrl(
  endpoint: string | undefined,
  own: string | undefined,
  base: string | undefined,
  refused: boolean,
  path: '/v1/traces' | '/v1/metrics' | typeof OTLP_LOGS_PATH,
): string | undefined {
  if (endpoint !== undefined) return `${endpoint}${path}`;
  if (!refused) return undefined;
  return own ?? `${(base ?? DEFAULT_OTLP_ENDPOINT).replace(/\/+$/, '')}${path}`;
}
