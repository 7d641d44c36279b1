/**
 * The telemetry the benchmarks and soaks run their calls under: spans go through a real batch
 * processor to an exporter that drops them (the cost measured is making and ending spans, not
 * network export), with the async-hooks context manager and the tracer provider registered as the
 * globals the instrumentations read.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';

const dropping: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

/**
 * Registers the globals and returns the providers. `meterProvider` (default: one without readers)
 * becomes the global meter provider too when `globalMeterProvider` is set, for code that records
 * through the global API (the AI SDK middleware's GenAI histograms, as under @breakwater/node).
 */
export function benchTelemetry(
  options: { meterProvider?: MeterProvider; globalMeterProvider?: boolean } = {},
): { tracerProvider: TracerProvider; meterProvider: MeterProvider } {
  const tracerProvider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: dropping })],
  });
  const meterProvider = options.meterProvider ?? new MeterProvider();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(tracerProvider);
  if (options.globalMeterProvider === true) metrics.setGlobalMeterProvider(meterProvider);
  return { tracerProvider, meterProvider };
}
