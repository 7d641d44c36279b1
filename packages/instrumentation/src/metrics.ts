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
import { type Histogram, type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import type { OperationMetrics } from './operation.ts';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.ts';

/** The histograms of LLM calls on one meter. */
export interface GenAiMetrics {
  /** `gen_ai.client.operation.duration` (s). */
  readonly duration: Histogram;
  /** `gen_ai.client.token.usage` ({token}). */
  readonly tokens: Histogram;
  /** `gen_ai.client.operation.time_to_first_chunk` (s), streams only. */
  readonly timeToFirstChunk: Histogram;
  /** `gen_ai.client.operation.time_per_output_chunk` (s), streams only. */
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
  /** A tool operation's metrics: `gen_ai.execute_tool.duration` (s) as its duration. */
  readonly tool: OperationMetrics;
  /** `gen_ai.invoke_agent.duration` (s). */
  readonly agentDuration: Histogram;
}

const agentToolMetricsByProvider = new WeakMap<MeterProvider, AgentToolMetrics>();

/**
 * The tool and agent histograms, on the global meter provider under this package's scope,
 * `@breakwater/instrumentation`: the provider is looked up per call, so one registered after the
 * first call still gets them. Made once per provider (asking a provider that was shut down for a
 * meter would warn on every call).
 */
export function agentToolMetrics(): AgentToolMetrics {
  const provider = metrics.getMeterProvider();
  let made = agentToolMetricsByProvider.get(provider);
  if (made === undefined) {
    const meter = provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION);
    made = {
      tool: {
        duration: seconds(meter, METRIC.GEN_AI_EXECUTE_TOOL_DURATION, 'Duration of one tool execution'),
      },
      agentDuration: meter.createHistogram(METRIC.GEN_AI_INVOKE_AGENT_DURATION, {
        description: 'Duration of one agent invocation',
        unit: 's',
        advice: { explicitBucketBoundaries: [...GEN_AI_AGENT_DURATION_BUCKETS_S] },
      }),
    };
    agentToolMetricsByProvider.set(provider, made);
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
