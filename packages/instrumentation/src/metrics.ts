/**
 * GenAI metrics from the semantic conventions, with their advised bucket boundaries: the client
 * histograms of LLM calls, and the durations of `tool()` and `agent()`. The `breakwater.*`
 * metrics come from the resilience package's telemetry listener (see guard.ts).
 */

import {
  GEN_AI_AGENT_DURATION_BUCKETS_S,
  GEN_AI_DURATION_BUCKETS_S,
  GEN_AI_TOKEN_BUCKETS,
  METRIC,
} from '@breakwater/protocol';
import { type Histogram, type Meter, metrics } from '@opentelemetry/api';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';

/** The histograms of LLM calls on one meter. */
export interface GenAiMetrics {
  readonly duration: Histogram;
  readonly tokens: Histogram;
  readonly timeToFirstChunk: Histogram;
  readonly timePerOutputChunk: Histogram;
}

/** Creates the GenAI client histograms on `meter`. */
export function createGenAiMetrics(meter: Meter): GenAiMetrics {
  return {
    duration: seconds(meter, METRIC.GEN_AI_OPERATION_DURATION, 'GenAI operation duration'),
    tokens: meter.createHistogram(METRIC.GEN_AI_TOKEN_USAGE, {
      description: 'Number of input and output tokens used',
      unit: '{token}',
      advice: { explicitBucketBoundaries: [...GEN_AI_TOKEN_BUCKETS] },
    }),
    timeToFirstChunk: seconds(
      meter,
      METRIC.GEN_AI_TIME_TO_FIRST_CHUNK,
      'Time to the first chunk of a streamed response',
    ),
    timePerOutputChunk: seconds(
      meter,
      METRIC.GEN_AI_TIME_PER_OUTPUT_CHUNK,
      'Time between the chunks of a streamed response, each after the first',
    ),
  };
}

/** The duration histograms of `tool()` and `agent()`. */
export interface AgentToolMetrics {
  readonly toolDuration: Histogram;
  readonly agentDuration: Histogram;
}

const agentToolMetricsByMeter = new WeakMap<Meter, AgentToolMetrics>();

/**
 * The tool and agent histograms, on the global meter provider under this package's scope (as the
 * LLM calls' are, by default): looked up per call, so a provider registered after the first call
 * still gets them. Made once per meter.
 */
export function agentToolMetrics(): AgentToolMetrics {
  const meter = metrics.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
  let made = agentToolMetricsByMeter.get(meter);
  if (made === undefined) {
    made = {
      toolDuration: seconds(meter, METRIC.GEN_AI_EXECUTE_TOOL_DURATION, 'Duration of one tool execution'),
      agentDuration: meter.createHistogram(METRIC.GEN_AI_INVOKE_AGENT_DURATION, {
        description: 'Duration of one agent invocation',
        unit: 's',
        advice: { explicitBucketBoundaries: [...GEN_AI_AGENT_DURATION_BUCKETS_S] },
      }),
    };
    agentToolMetricsByMeter.set(meter, made);
  }
  return made;
}

/** A histogram in seconds with the GenAI client duration buckets. */
function seconds(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, {
    description,
    unit: 's',
    advice: { explicitBucketBoundaries: [...GEN_AI_DURATION_BUCKETS_S] },
  });
}
