import assert from 'node:assert/strict';
import { it } from 'node:test';
import { startChildApp, until } from './testing/child-app.ts';

// An app whose own OpenTelemetry SDK registered first keeps it: Breakwater's spans went to the
// app's exporter and Breakwater's export to the collector got nothing, without a word.
const appSdkFirst = (what: string) => `
  import { metrics, trace } from '@opentelemetry/api';
  import { MeterProvider } from '@opentelemetry/sdk-metrics';
  import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
  const own = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
  if (${JSON.stringify(what)}.includes('tracer')) trace.setGlobalTracerProvider(own);
  if (${JSON.stringify(what)}.includes('meter')) metrics.setGlobalMeterProvider(new MeterProvider());
  const { start } = await import('@breakwater/node');
  const bw = start({ logger: (line) => console.log('LOG ' + line), handleSignals: false });
  trace.getTracer('app').startSpan('app-span').end();
  await bw.shutdown();
  console.log('done');
`;

/** Nothing to export to or connect to: the warning is said before either matters. */
const QUIET = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', BREAKWATER_CONTROL: 'false' };

for (const [what, said] of [
  ['tracer', /^LOG OpenTelemetry spans already have a provider, registered before start\(\)/m],
  ['tracer meter', /^LOG OpenTelemetry spans and metrics already have a provider/m],
  ['meter', /^LOG OpenTelemetry metrics already have a provider/m],
] as const) {
  it(`a ${what} provider the app registered before start() is told at start`, async (t) => {
    const app = startChildApp(t, appSdkFirst(what), QUIET);
    await until(
      () => app.exit(),
      20_000,
      () => `app did not exit: ${app.output()}`,
    );
    assert.match(app.output(), /done/);
    assert.match(app.output(), said);
    assert.match(app.output(), /With an OpenTelemetry SDK of your own/);
  });
}

it('no provider registered before start(): nothing is said', async (t) => {
  const app = startChildApp(t, appSdkFirst(''), QUIET);
  await until(
    () => app.exit(),
    20_000,
    () => `app did not exit: ${app.output()}`,
  );
  assert.match(app.output(), /done/);
  assert.doesNotMatch(app.output(), /already have a provider/);
});
