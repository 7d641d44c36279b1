/**
 * GenAI client metrics from the semantic conventions, with their advised bucket boundaries.
 * The `breakwater.*` metrics come from the resilience package's telemetry listener (see guard.ts).
 */

import { GEN_AI_DURATION_BUCKETS_S, GEN_AI_TOKEN_BUCKETS, METRIC } from '@breakwater/protocol';
import type { Histogram, Meter } from '@opentelemetry/api';

/** The histograms one meter provides. */
export interface GenAiMetrics {
  readonly duration: Histogram;
  readonly tokens: Histogram;
  readonly timeToFirstChunk: Histogram;
}

/** Creates the GenAI histograms on `meter`. */
export function createGenAiMetrics(meter: Meter): GenAiMetrics {
  return {
    duration: meter.createHistogram(METRIC.GEN_AI_OPERATION_DURATION, {
      description: 'GenAI operation duration',
      unit: 's',
      advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BUCKETS_S] },
    }),
    tokens: meter.createHistogram(METRIC.GEN_AI_TOKEN_USAGE, {
      description: 'Number of input and output tokens used',
      unit: '{token}',
      advice: { explicitBucketBoundaries: [...GEN_AI_TOKEN_BUCKETS] },
    }),
    timeToFirstChunk: meter.createHistogram(METRIC.GEN_AI_TIME_TO_FIRST_CHUNK, {
      description: 'Time to the first chunk of a streamed response',
      unit: 's',
      advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BUCKETS_S] },
    }),
  };
}
