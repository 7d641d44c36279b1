/**
 * Where the AI SDK middleware's spans and GenAI histograms go: the global tracer and meter
 * providers, under the scope `@breakwater/instrumentation/ai-sdk`, looked up per call (a middleware
 * is made once, often before the app's OpenTelemetry SDK starts), the instruments made once per
 * meter provider.
 */
import { type MeterProvider, metrics, type Tracer, trace } from '@opentelemetry/api';
import { createGenAiMetrics, type GenAiMetrics } from '../metrics.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.ts';

const SCOPE = `${PACKAGE_NAME}/ai-sdk`;
const byProvider = new WeakMap<MeterProvider, GenAiMetrics>();

/** The tracer and GenAI histograms of AI SDK model calls. */
export function aiSdkTelemetry(): { tracer: Tracer; metrics: GenAiMetrics } {
  const provider = metrics.getMeterProvider();
  let made = byProvider.get(provider);
  if (made === undefined) {
    made = createGenAiMetrics(provider.getMeter(SCOPE, PACKAGE_VERSION));
    byProvider.set(provider, made);
  }
  return { tracer: trace.getTracer(SCOPE, PACKAGE_VERSION), metrics: made };
}
