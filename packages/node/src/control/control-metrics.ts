import { ATTR, METRIC, type SignalResult } from '@breakwater/protocol';
import type { Counter, MeterProvider, ObservableCallback } from '@opentelemetry/api';

/** The control client's instruments. */
export interface ControlMetrics {
  signal(result: SignalResult): void;
  /** Detaches the gauge callbacks (the client is closed). */
  dispose(): void;
}

/**
 * Registers `breakwater.control.connected` and `breakwater.control.overrides` (observable
 * gauges read at collection time) and the `breakwater.control.signals` counter. With no meter
 * provider installed the OpenTelemetry API hands out no-op instruments, so this costs nothing.
 */
export function createControlMetrics(
  provider: MeterProvider,
  read: () => { connected: boolean; overrides: number },
): ControlMetrics {
  const meter = provider.getMeter('@breakwater/node');
  const connected = meter.createObservableGauge(METRIC.CONTROL_CONNECTED, {
    description: '1 while the control client is connected to a collector',
  });
  const overrides = meter.createObservableGauge(METRIC.CONTROL_OVERRIDES, {
    description: 'Fleet overrides currently in force',
  });
  const observeConnected: ObservableCallback = (result) => result.observe(read().connected ? 1 : 0);
  const observeOverrides: ObservableCallback = (result) => result.observe(read().overrides);
  connected.addCallback(observeConnected);
  overrides.addCallback(observeOverrides);
  const signals: Counter = meter.createCounter(METRIC.CONTROL_SIGNALS, {
    description: 'Signal events received, by what the client did with them',
  });
  return {
    signal(result) {
      signals.add(1, { [ATTR.SIGNAL_RESULT]: result });
    },
    dispose() {
      connected.removeCallback(observeConnected);
      overrides.removeCallback(observeOverrides);
    },
  };
}
