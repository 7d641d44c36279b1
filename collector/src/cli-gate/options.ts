import { DEFAULT_COLLECTOR_URL, ENV, parseDuration } from '@breakwater/protocol';
import { parseFlags } from '../cli/flags.ts';
import { UsageError } from '../cli/usage-error.ts';
import { urlCredentialsProblem } from '../config/http-url.ts';
import { fitsTimer, TIMER_LIMIT_MESSAGE } from '../config/timer-limit.ts';
import { traceUrlTemplateProblem } from '../config/trace-url-template.ts';
import { requestHeadersFrom } from './alert-headers.ts';
import { alertLabelsFrom } from './alert-labels.ts';

/** Environment variable holding the gate token (so it stays out of process listings and CI logs). */
export const GATE_TOKEN_ENV = 'BREAKWATER_GATE_TOKEN';

/**
 * Environment variable holding headers for `--alertmanager-url` (`name=value,…`, percent-encoded,
 * as `OTEL_EXPORTER_OTLP_HEADERS`), so a credential stays out of process listings and CI logs.
 */
export const ALERTMANAGER_HEADERS_ENV = 'BREAKWATER_ALERTMANAGER_HEADERS';

/** The flags of `breakwater gate`, for `parseArgs` (also read by the examples' test). */
export const GATE_FLAG_OPTIONS = {
  service: { type: 'string', short: 's' },
  version: { type: 'string', short: 'v' },
  baseline: { type: 'string', short: 'b' },
  slo: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  wait: { type: 'string' },
  watch: { type: 'string' },
  interval: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  'on-rollback': { type: 'string' },
  'recovery-timeout': { type: 'string' },
  'rollback-timeout': { type: 'string' },
  'report-dir': { type: 'string' },
  'trace-url-template': { type: 'string' },
  'alertmanager-url': { type: 'string' },
  'alertmanager-header': { type: 'string', multiple: true },
  'alertmanager-label': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parsed `breakwater gate` options. */
export interface GateCliOptions {
  help: boolean;
  service: string;
  version: string;
  baseline: string | undefined;
  slo: string | undefined;
  url: string;
  token: string | undefined;
  /** Poll until a decision other than HALT-for-no-data, up to this long. */
  waitMs: number | undefined;
  /** Poll for this long, stopping early only on ROLLBACK (the "monitor" stage). */
  watchMs: number | undefined;
  intervalMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  json: boolean;
  onRollback: string | undefined;
  recoveryTimeoutMs: number;
  /** How long the `--on-rollback` command may run before it is ended. */
  rollbackTimeoutMs: number;
  reportDir: string | undefined;
  traceUrlTemplate: string | undefined;
  alertmanagerUrl: string | undefined;
  /** Sent with the incident alert (the variable's, overridden by the flags'); empty without a URL. */
  alertmanagerHeaders: Readonly<Record<string, string>>;
  /** Extra labels on the incident alert (the collector's `alertmanager.labels`); empty without a URL. */
  alertmanagerLabels: Readonly<Record<string, string>>;
  /** Sentences for standard error: options given that the gate reads as absent. */
  warnings: string[];
}

type GateFlag = keyof typeof GATE_FLAG_OPTIONS;

/** Flags that only act through another: each with what it needs, in words, and those flags. */
const PARTNER_FLAGS: readonly (readonly [GateFlag, string, readonly GateFlag[]])[] = [
  ['alertmanager-header', '--alertmanager-url', ['alertmanager-url']],
  ['alertmanager-label', '--alertmanager-url', ['alertmanager-url']],
  ['interval', '--wait, --watch or --on-rollback (it paces their polls)', ['wait', 'watch', 'on-rollback']],
  ['recovery-timeout', '--on-rollback', ['on-rollback']],
  ['rollback-timeout', '--on-rollback', ['on-rollback']],
  [
    'trace-url-template',
    '--report-dir or --alertmanager-url (it links traces there)',
    ['report-dir', 'alertmanager-url'],
  ],
];

/** Parses argv (after `gate`); throws {@link UsageError} with a sentence naming the flag. */
export function parseGateOptions(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): GateCliOptions {
  const { values } = parseFlags(argv, GATE_FLAG_OPTIONS);
  const duration = (flag: string, text: string | undefined, fallback?: number): number | undefined => {
    if (text === undefined) return fallback;
    try {
      return parseDuration(text);
    } catch (error) {
      throw new UsageError(`--${flag}: ${(error as Error).message}`);
    }
  };
  // Poll intervals and request timeouts are single timers; --wait/--watch/--recovery-timeout are
  // deadlines compared with the clock, so they may be longer.
  const timer = (flag: string, ms: number): number => {
    if (!fitsTimer(ms)) throw new UsageError(`--${flag}: ${TIMER_LIMIT_MESSAGE}`);
    return ms;
  };
  const help = values.help === true;
  if (!help) {
    for (const required of ['service', 'version'] as const) {
      if (values[required] === undefined) throw new UsageError(`--${required} is required`);
      // `--version "$NEW"` with the variable unset or empty arrives as ''.
      if (values[required].trim() === '')
        throw new UsageError(`--${required} is empty (is the variable that gives it set?)`);
    }
    // An empty command would "succeed" at once: a rollback reported done, and recovery tracked,
    // with nothing rolled back.
    if (values['on-rollback']?.trim() === '')
      throw new UsageError('--on-rollback is empty (is the variable that gives it set?)');
    if (values.wait !== undefined && values.watch !== undefined)
      throw new UsageError('give --wait or --watch, not both');
    // A flag without the one it acts through would be ignored: the user meant it to do something.
    for (const [flag, needs, partners] of PARTNER_FLAGS)
      if (values[flag] !== undefined && partners.every((p) => values[p] === undefined))
        throw new UsageError(`--${flag} needs ${needs}`);
  }
  // Errors name where the URL came from: a CI job that sets the variable passes no --url.
  const variableUrl = values.url === undefined ? env[ENV.COLLECTOR_URL] : undefined;
  if (variableUrl?.trim() === '')
    throw new UsageError(`${ENV.COLLECTOR_URL} is empty (is the variable that gives it set?)`);
  const url = (values.url ?? variableUrl ?? DEFAULT_COLLECTOR_URL).replace(/\/+$/, '');
  for (const [source, value] of [
    [variableUrl === undefined ? '--url' : ENV.COLLECTOR_URL, url],
    ['--alertmanager-url', values['alertmanager-url']],
  ] as const) {
    if (value === undefined) continue;
    if (!/^https?:\/\/[^/]/.test(value))
      throw new UsageError(`${source}: expected an http(s) URL, got "${value}"`);
    // Not quoted: the URL holds a password.
    const problem = urlCredentialsProblem(value);
    if (problem !== undefined) throw new UsageError(`${source}: ${problem}`);
  }
  const template = values['trace-url-template'];
  const templateProblem = template === undefined ? undefined : traceUrlTemplateProblem(template);
  if (templateProblem !== undefined) throw new UsageError(`--trace-url-template ${templateProblem}`);
  const warnings: string[] = [];
  // `--baseline "$STABLE"` with the variable unset arrives as '': the collector reads it as no
  // baseline given. Not an error (a first deploy has none), but not silent either.
  const emptyList = (text: string | undefined) => text?.split(',').every((v) => v.trim() === '') === true;
  if (emptyList(values.baseline))
    warnings.push(
      '--baseline is empty (is the variable that gives it set?): comparing with every other version seen',
    );
  if (emptyList(values.slo))
    warnings.push(
      '--slo is empty (is the variable that gives it set?): judging every SLO, none of them required',
    );
  return {
    help,
    warnings,
    service: values.service?.trim() ?? '',
    version: values.version?.trim() ?? '',
    baseline: values.baseline,
    slo: values.slo,
    url,
    // An empty token is what an unset CI secret gives (a forked PR's, a typo'd name): no token,
    // so the collector's answer names the missing token rather than a malformed header.
    token: nonEmpty(values.token) ?? nonEmpty(env[GATE_TOKEN_ENV]),
    waitMs: duration('wait', values.wait),
    watchMs: duration('watch', values.watch),
    intervalMs: timer('interval', duration('interval', values.interval, 30_000)!),
    timeoutMs: timer('timeout', duration('timeout', values.timeout, 10_000)!),
    json: values.json === true,
    onRollback: values['on-rollback'],
    recoveryTimeoutMs: duration('recovery-timeout', values['recovery-timeout'], 600_000)!,
    rollbackTimeoutMs: timer(
      'rollback-timeout',
      duration('rollback-timeout', values['rollback-timeout'], 900_000)!,
    ),
    reportDir: values['report-dir'],
    traceUrlTemplate: template,
    alertmanagerUrl: values['alertmanager-url'],
    // The variable may be set for a whole CI job: read (and checked) only when there is a URL.
    alertmanagerHeaders:
      values['alertmanager-url'] === undefined
        ? {}
        : requestHeadersFrom({
            flag: '--alertmanager-header',
            flagValues: values['alertmanager-header'] ?? [],
            variable: ALERTMANAGER_HEADERS_ENV,
            variableText: env[ALERTMANAGER_HEADERS_ENV],
          }),
    alertmanagerLabels: alertLabelsFrom('--alertmanager-label', values['alertmanager-label'] ?? []),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}
