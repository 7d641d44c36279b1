/**
 * Checks `start()` options before anything uses them. `start()` never throws, so a mistake here
 * would otherwise surface far away (a NaN export interval exporting hundreds of times a second, an
 * OpenTelemetry message about `timeoutMillis`, every span dropped) or not at all (a misspelt
 * option). Each option of the wrong type or out of range, and each unknown one, is logged on its
 * own line, naming it, what it must be and what was given, and left out: its variable or default
 * applies, and everything else starts as given.
 */
import { DEFAULT_IDLE_MS, DEFAULT_MAX_DEPENDENCIES, isCaptureMaxBytes } from '@breakwater/instrumentation';
import {
  checkFor,
  closestName,
  ENV,
  isBoolean,
  isFunction,
  isObject,
  showValue,
  type ValueCheck,
} from '@breakwater/protocol';
import { defaultLogger } from './default-logger.ts';
import { httpHeaderProblem } from './http-header.ts';
import { httpUrlProblem } from './http-url.ts';
import type { StartOptions } from './options.ts';
import { safeLogger } from './safe-logger.ts';

interface OptionSpec {
  readonly check: ValueCheck;
  /** What applies when the option is left out. */
  readonly instead: string;
}

const text: ValueCheck = (v) =>
  typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty string';
/** Infinity is taken, and capped at the longest timer Node can set (see options.ts). */
const milliseconds: ValueCheck = (v) =>
  typeof v === 'number' && v >= 1 ? undefined : 'must be a number of milliseconds, at least 1';
const count: ValueCheck = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 ? undefined : 'must be an integer of at least 1';
const port: ValueCheck = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65_535
    ? undefined
    : 'must be a port number from 1 to 65535';
const withMethods =
  (what: string, ...names: string[]): ValueCheck =>
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function')
      ? undefined
      : `must be ${what} with ${names.map((n) => `${n}()`).join(', ')}`;
const listOf =
  (what: string, item: ValueCheck): ValueCheck =>
  (v) =>
    Array.isArray(v) && v.every((x) => item(x) === undefined) ? undefined : `must be a list of ${what}`;
const captureMaxBytes: ValueCheck = (v) =>
  typeof v === 'number' && isCaptureMaxBytes(v) ? undefined : 'must be an integer of at least 1';
const httpUrl: ValueCheck = (v) =>
  typeof v === 'string' ? httpUrlProblem(v.trim()) : 'must be an http:// or https:// URL';
/** Checked where they are used, field by field (start.ts), and logged there as a whole. */
const later: ValueCheck = () => undefined;

/** Every option of `start()`: a new one without a check here does not compile. */
const OPTIONS: Readonly<Record<Exclude<keyof StartOptions, 'control' | 'limits' | 'headers'>, OptionSpec>> = {
  serviceName: { check: text, instead: 'OTEL_SERVICE_NAME or the default applies' },
  serviceVersion: {
    check: text,
    instead: 'OTEL_RESOURCE_ATTRIBUTES, npm_package_version or the app’s package.json version applies',
  },
  serviceInstanceId: { check: text, instead: 'OTEL_RESOURCE_ATTRIBUTES or a random UUID applies' },
  endpoint: { check: httpUrl, instead: 'OTEL_EXPORTER_OTLP_ENDPOINT or the default applies' },
  metricIntervalMs: { check: milliseconds, instead: 'OTEL_METRIC_EXPORT_INTERVAL or 15 s applies' },
  exportTimeoutMs: { check: milliseconds, instead: 'the OTEL_* timeout variables or 5 s apply' },
  maxQueueSize: { check: count, instead: 'OTEL_BSP_MAX_QUEUE_SIZE or 2048 applies' },
  prometheusPort: {
    check: port,
    instead: `${ENV.PROMETHEUS_PORT} or OTEL_METRICS_EXPORTER=prometheus applies, else no Prometheus endpoint`,
  },
  prometheusHost: {
    check: text,
    instead: `${ENV.PROMETHEUS_HOST}, OTEL_EXPORTER_PROMETHEUS_HOST or 127.0.0.1 applies`,
  },
  policies: { check: later, instead: '' },
  classifierRules: { check: later, instead: '' },
  captureMessageContent: {
    check: isBoolean,
    instead: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT or off applies',
  },
  captureMaxBytes: {
    check: captureMaxBytes,
    instead: `${ENV.CAPTURE_MAX_BYTES} or the default bound applies`,
  },
  handleSignals: { check: isBoolean, instead: 'SIGTERM and SIGINT are handled' },
  clock: {
    check: withMethods('a Clock', 'now', 'monotonic', 'setTimeout', 'clearTimeout'),
    instead: 'the system clock applies',
  },
  logger: { check: isFunction, instead: 'console.warn applies' },
  openaiAliases: { check: listOf('module names', text), instead: 'no aliases' },
  anthropicAliases: { check: listOf('module names', text), instead: 'no aliases' },
  spanProcessors: {
    check: listOf(
      'span processors',
      withMethods('a span processor', 'onStart', 'onEnd', 'forceFlush', 'shutdown'),
    ),
    instead: 'none are added',
  },
};

/** The name of every option of `start()`, to tell an unknown one (a misspelling) from them. */
export const START_OPTION_NAMES: readonly string[] = [
  ...Object.keys(OPTIONS),
  'control',
  'limits',
  'headers',
];

/** ` (did you mean serviceName?)` for a name that differs from a known one by case or a typo or two. */
export function suggestion(name: string, known: readonly string[] = START_OPTION_NAMES): string {
  const match = closestName(name, known);
  return match === undefined ? '' : ` (did you mean ${match}?)`;
}

const LIMITS: Readonly<Record<string, OptionSpec>> = {
  maxDependencies: {
    check: (v) => (v === Number.POSITIVE_INFINITY ? undefined : count(v)),
    instead: `the default of ${DEFAULT_MAX_DEPENDENCIES} applies`,
  },
  idleMs: {
    check: (v) =>
      typeof v === 'number' && Number.isFinite(v) && v >= 0
        ? undefined
        : 'must be a number of milliseconds, at least 0',
    instead: `the default of ${DEFAULT_IDLE_MS} ms applies`,
  },
};

const CONTROL: Readonly<Record<string, OptionSpec>> = {
  url: { check: httpUrl, instead: `${ENV.COLLECTOR_URL} or the collector the spans go to applies` },
  token: { check: text, instead: `${ENV.SUBSCRIBE_TOKEN} applies` },
};

/**
 * Where problems with `given` options are told: its `logger` when that is a function (made safe),
 * else the console.
 */
export function optionsLogger(given: unknown): (message: string) => void {
  return isObject(given) && typeof given.logger === 'function'
    ? safeLogger(given.logger as (message: string) => void)
    : defaultLogger;
}

/**
 * `given` with every option that fails its check left out, each logged (to `given.logger` when
 * that is a function, else to the console). Never throws.
 */
export function checkStartOptions(given: unknown): StartOptions {
  const log = optionsLogger(given);
  if (given === undefined) return {};
  if (!isObject(given)) {
    log(
      `start() options must be an object (got ${showValue(given)}); ignored, starting with the environment and defaults`,
    );
    return {};
  }
  return keepValid(given, OPTIONS, log, '', {
    control: checkControl,
    limits: checkLimits,
    headers: checkHeaders,
  }) as StartOptions;
}

/** Checks an option that is an object of its own, logging its problems; its kept value or undefined. */
type NestedCheck = (value: unknown, log: (message: string) => void) => unknown;

/**
 * The fields of `options` that pass their checks in `specs` (or, for a field in `nested`, what
 * its own check keeps); each other field is logged as `<prefix><key>: …` and left out.
 */
function keepValid(
  options: Record<string, unknown>,
  specs: Readonly<Record<string, OptionSpec>>,
  log: (message: string) => void,
  prefix = '',
  nested: Readonly<Record<string, NestedCheck>> = {},
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const inner = checkFor(nested, key);
    if (inner !== undefined) {
      const checked = inner(value, log);
      if (checked !== undefined) kept[key] = checked;
      continue;
    }
    const spec = checkFor(specs, key);
    if (spec === undefined) {
      const known = Object.keys(specs).concat(Object.keys(nested));
      log(`${prefix}${key}: unknown option${suggestion(key, known)}; ignored`);
      continue;
    }
    const problem = spec.check(value);
    if (problem === undefined) kept[key] = value;
    else log(`${prefix}${key}: ${problem} (got ${showValue(value)}); ignored (${spec.instead})`);
  }
  return kept;
}

/** `control`: `false`, or `{ url?, token? }` with each field checked apart. */
function checkControl(value: unknown, log: (message: string) => void): unknown {
  if (value === false) return false;
  if (!isObject(value)) {
    log(
      `control: must be false or { url?, token? } (got ${showValue(value)}); ignored (the control client runs as configured by the environment)`,
    );
    return undefined;
  }
  return keepValid(value, CONTROL, log, 'control.');
}

/** `limits`: `{ maxDependencies?, idleMs? }`, each field checked apart. */
function checkLimits(value: unknown, log: (message: string) => void): unknown {
  if (!isObject(value)) {
    log(
      `limits: must be { maxDependencies?, idleMs? } (got ${showValue(value)}); ignored (the default limits apply)`,
    );
    return undefined;
  }
  return keepValid(value, LIMITS, log, 'limits.');
}

/**
 * `headers`: each header checked apart, named but never shown (values are often credentials), and
 * left out alone, as a bad `OTEL_EXPORTER_OTLP_HEADERS` entry is; one Node cannot send would fail
 * every export. Undefined when none is left.
 */
function checkHeaders(value: unknown, log: (message: string) => void): unknown {
  if (!isObject(value)) {
    log(
      `headers: must be an object of header names to string values (got ${typeOf(value)}); ignored (OTEL_EXPORTER_OTLP_HEADERS applies)`,
    );
    return undefined;
  }
  const kept: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const problem =
      typeof v === 'string'
        ? httpHeaderProblem(name, v)
        : `${JSON.stringify(name)} must be a string (got ${typeOf(v)})`;
    if (problem === undefined) kept[name] = v as string;
    else log(`headers: ${problem}; left out, the other headers are sent`);
  }
  return Object.keys(kept).length === 0 ? undefined : kept;
}

/** `a number`, `an object`, `null`: what a value is, without showing it. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
