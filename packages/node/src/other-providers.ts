/**
 * An app that registered its own OpenTelemetry tracer or meter provider before `start()` (its own
 * NodeSDK, a `TracerProvider.register()`) keeps it: the OpenTelemetry API takes the first
 * registration and tells only `diag`, silent by default, when NodeSDK's is refused. Breakwater's
 * spans and metrics then go to the app's provider and wherever it exports, and Breakwater's own
 * export (and `spanProcessors`, and the Prometheus endpoint) gets nothing: the collector's SLOs,
 * gate and fleet breaker see no calls from this service. Said at start, where it can be fixed.
 */
import { createNoopMeter, metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';

/** What the app registered already, before NodeSDK tries: the warning to log, if any. */
export function otherProvidersWarning(): string | undefined {
  const signals: string[] = [];
  if (tracerProviderRegistered()) signals.push('spans');
  if (metrics.getMeterProvider().getMeter('@breakwater/node') !== createNoopMeter()) signals.push('metrics');
  if (signals.length === 0) return undefined;
  const what = signals.join(' and ');
  return (
    `OpenTelemetry ${what} already have a provider, registered before start() (the app's own SDK?), which ` +
    `stays in place: Breakwater's ${what} go to it and wherever it exports them, and Breakwater's own ` +
    'export to the collector gets none. Call start() before your SDK would start and give it your span ' +
    "processors (start({ spanProcessors })), or keep your SDK and add Breakwater's instrumentations and " +
    'an exporter to the collector to it (see "With an OpenTelemetry SDK of your own" in the ' +
    '@breakwater/node README)'
  );
}

/** Whether the global tracer provider delegates to a registered one rather than the no-op one. */
function tracerProviderRegistered(): boolean {
  const global = trace.getTracerProvider();
  if (!(global instanceof ProxyTracerProvider)) return true;
  return global.getDelegate() !== new ProxyTracerProvider().getDelegate();
}
