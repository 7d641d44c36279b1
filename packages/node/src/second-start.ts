/**
 * What a `start()` after the first one is told. Breakwater starts once per process, so its options
 * are ignored; under `--import @breakwater/node/register` the app's own `start({ serviceName,
 * policies })` is such a second call, and ran on as `unknown_service:node` without a word.
 */
import { isDeepStrictEqual } from 'node:util';
import { ENV } from '@breakwater/protocol';
import { START_OPTION_NAMES, suggestion } from './check-options.ts';
import type { ResolvedOptions, StartOptions } from './options.ts';
import { DEFAULT_OTLP_ENDPOINT } from './otlp-urls.ts';

/** Who started Breakwater: the register hook (from the environment only), or a `start()` call. */
export type StartedBy = 'register' | 'start';

/** The first start's options, as given (checked) and as resolved, and what the runtime made of them. */
export interface InEffect {
  readonly given: StartOptions;
  readonly resolved: ResolvedOptions;
  readonly captureMessageContent: boolean | undefined;
}

const noSlash = (url: string): string => url.replace(/\/+$/, '');

/** The value in effect of each option that has a resolved one; the rest are compared as given. */
const RESOLVED: Partial<Record<keyof StartOptions, (e: InEffect) => unknown>> = {
  serviceName: (e) => e.resolved.serviceName,
  serviceVersion: (e) => e.resolved.serviceVersion,
  serviceInstanceId: (e) => e.resolved.serviceInstanceId,
  headers: (e) => e.resolved.headers,
  metricIntervalMs: (e) => e.resolved.metricIntervalMs,
  exportTimeoutMs: (e) => e.resolved.exportTimeoutMs,
  maxQueueSize: (e) => e.resolved.maxQueueSize,
  prometheusPort: (e) => e.resolved.prometheusPort,
  prometheusHost: (e) => e.resolved.prometheusHost,
  captureMaxBytes: (e) => e.resolved.captureMaxBytes,
  captureMessageContent: (e) => e.captureMessageContent,
  handleSignals: (e) => e.resolved.handleSignals,
  spanProcessors: (e) => e.resolved.spanProcessors,
};

/** Options whose absence means an empty list. */
const LISTS: ReadonlySet<string> = new Set(['policies', 'classifierRules']);

const isEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length === 0;

/** Whether `given` for `key` is what is in effect already (then nothing was lost by ignoring it). */
function inEffect(key: string, given: unknown, e: InEffect): boolean {
  if (key === 'endpoint') {
    const url =
      e.resolved.tracesUrl?.replace(/\/v1\/traces$/, '') ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
    return typeof given === 'string' && noSlash(given) === noSlash(url || DEFAULT_OTLP_ENDPOINT);
  }
  if (key === 'control') {
    const control = e.resolved.control;
    if (given === false || control === false) return given === control;
    const { url, token } = given as { url?: string; token?: string };
    return (
      (url === undefined || noSlash(url) === noSlash(control.url)) &&
      (token === undefined || token.trim() === control.token)
    );
  }
  const resolved = RESOLVED[key as keyof StartOptions];
  const current = resolved === undefined ? (e.given as Record<string, unknown>)[key] : resolved(e);
  // No rules and an empty list of them run alike: `policies: []` after a start without any
  // loses nothing, so it is not named.
  if (LISTS.has(key) && isEmptyList(given) && (current === undefined || isEmptyList(current))) return true;
  return isDeepStrictEqual(given, current);
}

/** The options of a later `start()` that differ from what is in effect, in the order given. */
export function ignoredOptions(given: StartOptions, e: InEffect): string[] {
  if (typeof given !== 'object' || given === null) return [];
  // The call's own logger is not counted: it hears this very warning.
  return Object.entries(given)
    .filter(([key, value]) => value !== undefined && key !== 'logger' && !inEffect(key, value, e))
    .map(([key]) => key);
}

/** The variable that sets each option the register hook can take from the environment. */
const VARIABLES: Partial<Record<keyof StartOptions, string>> = {
  serviceName: 'OTEL_SERVICE_NAME',
  serviceVersion: 'OTEL_RESOURCE_ATTRIBUTES',
  serviceInstanceId: 'OTEL_RESOURCE_ATTRIBUTES',
  endpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  headers: 'OTEL_EXPORTER_OTLP_HEADERS',
  metricIntervalMs: 'OTEL_METRIC_EXPORT_INTERVAL',
  exportTimeoutMs: 'OTEL_EXPORTER_OTLP_TIMEOUT',
  maxQueueSize: 'OTEL_BSP_MAX_QUEUE_SIZE',
  prometheusPort: ENV.PROMETHEUS_PORT,
  prometheusHost: ENV.PROMETHEUS_HOST,
  captureMessageContent: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
  captureMaxBytes: ENV.CAPTURE_MAX_BYTES,
  control: `${ENV.COLLECTOR_URL}, ${ENV.SUBSCRIBE_TOKEN}, ${ENV.CONTROL}`,
};

/**
 * The warning for them: which, why, and what to do instead. An unknown option (a misspelling) is
 * named as one: neither a variable nor a start() of the app's own would take it.
 */
export function ignoredMessage(names: readonly string[], by: StartedBy): string {
  const ignored = `start() options ignored: ${names.join(', ')}`;
  const known = names.filter((n) => START_OPTION_NAMES.includes(n));
  const unknown = names
    .filter((n) => !START_OPTION_NAMES.includes(n))
    .map((n) => `${n}: unknown option${suggestion(n)}`);
  if (by === 'start') {
    const give =
      known.length === 0
        ? []
        : [`give ${unknown.length === 0 ? 'them' : known.join(', ')} to that first call`];
    return `${ignored} (Breakwater was already started by an earlier start() call, and starts once per process): ${[...give, ...unknown].join('; ')}`;
  }
  const byVariable = known.filter((n) => VARIABLES[n as keyof StartOptions] !== undefined);
  const without = known.filter((n) => VARIABLES[n as keyof StartOptions] === undefined);
  const advice = [
    ...byVariable.map((n) => `set ${n} through ${VARIABLES[n as keyof StartOptions]}`),
    ...(without.length === 0
      ? []
      : [
          `${without.join(', ')} ${without.length === 1 ? 'has' : 'have'} no variable: instead of --import @breakwater/node/register, --import a file of your own that imports @breakwater/node/hook and then calls start() with ${without.length === 1 ? 'it' : 'them'}`,
        ]),
    ...unknown,
  ];
  return `${ignored} (Breakwater was already started by --import @breakwater/node/register, from the environment, and starts once per process): ${advice.join('; ')}`;
}
