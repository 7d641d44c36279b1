/**
 * Standard variables NodeSDK and the OTLP exporters read themselves. A value they do not take
 * reaches only OpenTelemetry's diag, silent unless `OTEL_LOG_LEVEL` is set, so
 * `OTEL_TRACES_SAMPLER=ratio` sampled every trace and `OTEL_PROPAGATORS=jaeger` propagated nothing
 * without a word. Each such value is logged here, read by the SDK's own rules (case, trimming),
 * with what applies instead; the SDK still does the reading.
 */

/** The samplers NodeSDK builds from `OTEL_TRACES_SAMPLER` (compared as given: no trim, no case). */
const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];
const PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi', 'none'];
const LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];
const COMPRESSIONS = [
  'OTEL_EXPORTER_OTLP_COMPRESSION',
  'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION',
  'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION',
];

/** The value as OpenTelemetry's `getStringFromEnv` returns it: untrimmed, undefined when blank. */
function raw(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Logs each value of these variables that NodeSDK or the exporters would ignore. */
export function noteSdkVariables(env: NodeJS.ProcessEnv, logger: (message: string) => void): void {
  const sampler = raw(env, 'OTEL_TRACES_SAMPLER');
  if (sampler !== undefined && !SAMPLERS.includes(sampler)) {
    logger(
      `OTEL_TRACES_SAMPLER=${sampler}: not a sampler OpenTelemetry builds in (${SAMPLERS.join(', ')}; lower case); ignored, parentbased_always_on applies (every trace sampled)`,
    );
  }
  noteRatio(sampler, raw(env, 'OTEL_TRACES_SAMPLER_ARG'), logger);
  notePropagators(env, logger);
  for (const name of COMPRESSIONS) {
    const value = raw(env, name)?.trim();
    if (value !== undefined && value !== 'gzip' && value !== 'none') {
      const instead =
        name === COMPRESSIONS[0] ? 'exports are not compressed' : `${COMPRESSIONS[0]} applies, else none`;
      logger(`${name}=${value}: not gzip or none; ignored, ${instead}`);
    }
  }
  const level = raw(env, 'OTEL_LOG_LEVEL');
  if (level !== undefined && !LEVELS.includes(level.toLowerCase())) {
    logger(`OTEL_LOG_LEVEL=${level}: not a level (${LEVELS.join(', ')}); ignored, info applies`);
  }
}

/**
 * `OTEL_TRACES_SAMPLER_ARG`, read by the ratio samplers only: out of range or not a number, or
 * set without such a sampler (a ratio alone samples every trace).
 */
function noteRatio(
  sampler: string | undefined,
  ratio: string | undefined,
  logger: (message: string) => void,
): void {
  if (ratio === undefined) return;
  if (sampler === undefined) {
    logger(
      `OTEL_TRACES_SAMPLER_ARG=${ratio}: read only with OTEL_TRACES_SAMPLER=traceidratio or parentbased_traceidratio; ignored, parentbased_always_on applies (every trace sampled)`,
    );
  } else if (sampler.endsWith('traceidratio') && !(Number(ratio) >= 0 && Number(ratio) <= 1)) {
    logger(
      `OTEL_TRACES_SAMPLER_ARG=${ratio}: not a ratio from 0 to 1; ignored, 1 applies (every trace sampled)`,
    );
  }
}

/** `OTEL_PROPAGATORS`: names NodeSDK does not build are left out; none left means no propagation. */
function notePropagators(env: NodeJS.ProcessEnv, logger: (message: string) => void): void {
  const text = raw(env, 'OTEL_PROPAGATORS');
  const names = (text ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const unknown = names.filter((n) => !PROPAGATORS.includes(n));
  if (unknown.length === 0) return;
  const left = names.filter((n) => PROPAGATORS.includes(n));
  const instead = left.length === 0 ? 'no trace context is propagated' : `${left.join(', ')} still used`;
  logger(
    `OTEL_PROPAGATORS=${text}: ${unknown.join(', ')} not built in (${PROPAGATORS.slice(0, -1).join(', ')} or none); left out, ${instead}`,
  );
}
