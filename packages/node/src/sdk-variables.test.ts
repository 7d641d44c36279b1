import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveOptions } from './options.ts';

// Variables NodeSDK and the exporters read themselves: a value they do not take only reaches
// OpenTelemetry's diag, silent unless OTEL_LOG_LEVEL is set, so `OTEL_TRACES_SAMPLER=ratio`
// sampled every trace without a word.

function logged(env: NodeJS.ProcessEnv): string[] {
  const lines: string[] = [];
  resolveOptions({ logger: (m) => lines.push(m) }, env);
  return lines;
}

describe('standard variables the SDK reads itself', () => {
  it('values the SDK takes are quiet', () => {
    assert.deepEqual(
      logged({
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_PROPAGATORS: 'tracecontext, baggage,b3',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'none',
        OTEL_LOG_LEVEL: 'debug',
      }),
      [],
    );
    assert.deepEqual(logged({ OTEL_TRACES_SAMPLER: 'traceidratio' }), [], 'no ratio: 1, the default');
    assert.deepEqual(logged({ OTEL_PROPAGATORS: 'none' }), []);
    assert.deepEqual(logged({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: '5' }), []);
  });

  it('an unknown sampler: what applies instead', () => {
    assert.deepEqual(logged({ OTEL_TRACES_SAMPLER: 'TraceIdRatio' }), [
      'OTEL_TRACES_SAMPLER=TraceIdRatio: not a sampler OpenTelemetry builds in (always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; lower case); ignored, parentbased_always_on applies (every trace sampled)',
    ]);
  });

  it('a ratio out of range or not a number', () => {
    const line = (value: string) =>
      `OTEL_TRACES_SAMPLER_ARG=${value}: not a ratio from 0 to 1; ignored, 1 applies (every trace sampled)`;
    assert.deepEqual(logged({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10%' }), [
      line('10%'),
    ]);
    assert.deepEqual(
      logged({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '10' }),
      [line('10')],
    );
  });

  it('a ratio without a ratio sampler, which alone samples every trace', () => {
    assert.deepEqual(logged({ OTEL_TRACES_SAMPLER_ARG: '0.1' }), [
      'OTEL_TRACES_SAMPLER_ARG=0.1: read only with OTEL_TRACES_SAMPLER=traceidratio or parentbased_traceidratio; ignored, parentbased_always_on applies (every trace sampled)',
    ]);
  });

  it('propagators not built in: left out, and said when none is left', () => {
    assert.deepEqual(logged({ OTEL_PROPAGATORS: 'tracecontext,xray' }), [
      'OTEL_PROPAGATORS=tracecontext,xray: xray not built in (tracecontext, baggage, b3, b3multi or none); left out, tracecontext still used',
    ]);
    assert.deepEqual(logged({ OTEL_PROPAGATORS: 'jaeger, W3C' }), [
      'OTEL_PROPAGATORS=jaeger, W3C: jaeger, W3C not built in (tracecontext, baggage, b3, b3multi or none); left out, no trace context is propagated',
    ]);
  });

  it('a compression other than gzip or none', () => {
    assert.deepEqual(
      logged({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gz', OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'zstd' }),
      [
        'OTEL_EXPORTER_OTLP_COMPRESSION=gz: not gzip or none; ignored, exports are not compressed',
        'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION=zstd: not gzip or none; ignored, OTEL_EXPORTER_OTLP_COMPRESSION applies, else none',
      ],
    );
  });

  it('an unknown log level', () => {
    assert.deepEqual(logged({ OTEL_LOG_LEVEL: 'trace' }), [
      'OTEL_LOG_LEVEL=trace: not a level (none, error, warn, info, debug, verbose, all); ignored, info applies',
    ]);
  });
});
