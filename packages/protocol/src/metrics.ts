/**
 * Metric names (OpenTelemetry style; Prometheus renders dots as underscores).
 */
export const METRIC = {
  /** Gauge: 1 for the breaker's current state, 0 for the others; attribute `state`. */
  BREAKER_STATE: 'breakwater.circuit_breaker.state',
  /** Counter: breaker state transitions. */
  BREAKER_TRANSITIONS: 'breakwater.circuit_breaker.transitions',
  /** Counter: logical calls by outcome and error category. */
  CALLS: 'breakwater.calls',
  /** Counter: attempts made (the first one included). */
  RETRY_ATTEMPTS: 'breakwater.retry.attempts',
  /** Gauge: tokens left in a retry budget. */
  RETRY_BUDGET_TOKENS: 'breakwater.retry_budget.tokens',
  /** UpDownCounter: calls currently inside a bulkhead. */
  BULKHEAD_IN_FLIGHT: 'breakwater.bulkhead.in_flight',
  /** Gauge: 1 while the SDK's control client is connected to a collector. */
  CONTROL_CONNECTED: 'breakwater.control.connected',
  /** Gauge: fleet overrides currently in force. */
  CONTROL_OVERRIDES: 'breakwater.control.overrides',
  /** Counter: signal events the control client received, by result (`breakwater.signal.result`). */
  CONTROL_SIGNALS: 'breakwater.control.signals',
  /** Histogram (seconds): GenAI client operation duration (semantic conventions). */
  GEN_AI_OPERATION_DURATION: 'gen_ai.client.operation.duration',
  /** Histogram ({token}): GenAI token usage (semantic conventions). */
  GEN_AI_TOKEN_USAGE: 'gen_ai.client.token.usage',
  /** Histogram (seconds): time to first chunk of a streamed response. */
  GEN_AI_TIME_TO_FIRST_CHUNK: 'gen_ai.client.operation.time_to_first_chunk',
  /** Histogram (seconds): time between a streamed response's chunks, each after the first. */
  GEN_AI_TIME_PER_OUTPUT_CHUNK: 'gen_ai.client.operation.time_per_output_chunk',
  /** Histogram (seconds): duration of one tool execution (`tool()`), the same as its span. */
  GEN_AI_EXECUTE_TOOL_DURATION: 'gen_ai.execute_tool.duration',
  /** Histogram (seconds): duration of one agent invocation (`agent()`). */
  GEN_AI_INVOKE_AGENT_DURATION: 'gen_ai.invoke_agent.duration',
} as const;

/**
 * Bucket boundaries (seconds) of `gen_ai.client.operation.duration`, the time-to-first-chunk and
 * time-per-output-chunk histograms and `gen_ai.execute_tool.duration`, from the GenAI semantic
 * conventions.
 */
export const GEN_AI_DURATION_BUCKETS_S = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
] as const;
/** Bucket boundaries (seconds) of `gen_ai.invoke_agent.duration`, from the GenAI semantic conventions. */
export const GEN_AI_AGENT_DURATION_BUCKETS_S = [
  0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
] as const;
/** Bucket boundaries (tokens) of `gen_ai.client.token.usage`, from the GenAI semantic conventions. */
export const GEN_AI_TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
] as const;

/** Prefix of the SLO series the collector exposes on `/metrics`. */
export const SLO_METRIC_PREFIX = 'breakwater_slo_';
