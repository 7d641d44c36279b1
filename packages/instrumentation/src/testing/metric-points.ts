/**
 * A metric reader that collects when asked, and the points of one metric from it: how tests
 * read what the instrumentation recorded.
 */
import type { Attributes } from '@opentelemetry/api';
import { MetricReader } from '@opentelemetry/sdk-metrics';

/** One data point: a histogram's `{ count, sum, ... }`, a counter's or gauge's number. */
export interface MetricPoint {
  readonly attributes: Attributes;
  readonly value: unknown;
}

/** A reader for tests: nothing is exported, everything is collected on demand. */
export class OnDemandReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}

  /** Every point of the metric named `name`, as collected now (none before its first record). */
  async points(name: string): Promise<MetricPoint[]> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics
      .flatMap((sm) => sm.metrics)
      .filter((m) => m.descriptor.name === name)
      .flatMap((m): MetricPoint[] => m.dataPoints);
  }
}

/** A histogram point's count and sum. */
export function countAndSum(point: MetricPoint | undefined): { count: number; sum: number } | undefined {
  if (point === undefined) return undefined;
  const { count, sum } = point.value as { count: number; sum: number };
  return { count, sum };
}
