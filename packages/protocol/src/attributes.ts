/**
 * Span and metric attribute keys. OpenTelemetry semantic conventions first; Breakwater's own
 * keys live under `breakwater.`. Both the SDK (which sets them) and the collector (which reads
 * them) import these constants, so a key is spelled exactly once.
 */

/** GenAI and general semantic-convention attribute keys that Breakwater sets or reads. */
export const SEMCONV = {
  GEN_AI_OPERATION_NAME: 'gen_ai.operation.name',
  GEN_AI_PROVIDER_NAME: 'gen_ai.provider.name',
  /**
   * Deprecated for `gen_ai.provider.name`, which older instrumentations (Python's
   * `opentelemetry-instrumentation-openai-v2` by default) still send instead.
   */
  GEN_AI_SYSTEM: 'gen_ai.system',
  GEN_AI_REQUEST_MODEL: 'gen_ai.request.model',
  GEN_AI_RESPONSE_MODEL: 'gen_ai.response.model',
  GEN_AI_RESPONSE_ID: 'gen_ai.response.id',
  GEN_AI_RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  GEN_AI_USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  GEN_AI_USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  /** Of `gen_ai.usage.output_tokens`, those the model spent reasoning (as the provider reports them). */
  GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  GEN_AI_TOKEN_TYPE: 'gen_ai.token.type',
  GEN_AI_TOOL_NAME: 'gen_ai.tool.name',
  GEN_AI_TOOL_CALL_ID: 'gen_ai.tool.call.id',
  GEN_AI_TOOL_TYPE: 'gen_ai.tool.type',
  GEN_AI_TOOL_DESCRIPTION: 'gen_ai.tool.description',
  GEN_AI_AGENT_NAME: 'gen_ai.agent.name',
  GEN_AI_AGENT_ID: 'gen_ai.agent.id',
  GEN_AI_AGENT_DESCRIPTION: 'gen_ai.agent.description',
  GEN_AI_AGENT_VERSION: 'gen_ai.agent.version',
  GEN_AI_REQUEST_STREAM: 'gen_ai.request.stream',
  GEN_AI_REQUEST_MAX_TOKENS: 'gen_ai.request.max_tokens',
  GEN_AI_REQUEST_TEMPERATURE: 'gen_ai.request.temperature',
  GEN_AI_REQUEST_TOP_P: 'gen_ai.request.top_p',
  GEN_AI_REQUEST_TOP_K: 'gen_ai.request.top_k',
  GEN_AI_REQUEST_STOP_SEQUENCES: 'gen_ai.request.stop_sequences',
  GEN_AI_REQUEST_SEED: 'gen_ai.request.seed',
  GEN_AI_REQUEST_CHOICE_COUNT: 'gen_ai.request.choice.count',
  GEN_AI_REQUEST_FREQUENCY_PENALTY: 'gen_ai.request.frequency_penalty',
  GEN_AI_REQUEST_PRESENCE_PENALTY: 'gen_ai.request.presence_penalty',
  GEN_AI_REQUEST_ENCODING_FORMATS: 'gen_ai.request.encoding_formats',
  GEN_AI_OUTPUT_TYPE: 'gen_ai.output.type',
  GEN_AI_CONVERSATION_ID: 'gen_ai.conversation.id',
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
  GEN_AI_EMBEDDINGS_DIMENSION_COUNT: 'gen_ai.embeddings.dimension.count',
  GEN_AI_TOOL_CALL_ARGUMENTS: 'gen_ai.tool.call.arguments',
  GEN_AI_TOOL_CALL_RESULT: 'gen_ai.tool.call.result',
  GEN_AI_INPUT_MESSAGES: 'gen_ai.input.messages',
  GEN_AI_OUTPUT_MESSAGES: 'gen_ai.output.messages',
  GEN_AI_SYSTEM_INSTRUCTIONS: 'gen_ai.system_instructions',
  /** The tools a request offers the model, as JSON (recorded with content capture on). */
  GEN_AI_TOOL_DEFINITIONS: 'gen_ai.tool.definitions',
  /** `chat_completions` or `responses` (OpenAI's GenAI conventions). */
  OPENAI_API_TYPE: 'openai.api.type',
  OPENAI_REQUEST_SERVICE_TIER: 'openai.request.service_tier',
  OPENAI_RESPONSE_SERVICE_TIER: 'openai.response.service_tier',
  ERROR_TYPE: 'error.type',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  HTTP_REQUEST_RESEND_COUNT: 'http.request.resend_count',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  SERVICE_INSTANCE_ID: 'service.instance.id',
  /**
   * Set (`true`) by an OpenTelemetry SDK on the one series a metric's points go to once its
   * cardinality limit is reached; that series has none of the metric's other attributes.
   */
  OTEL_METRIC_OVERFLOW: 'otel.metric.overflow',
} as const;

/** Breakwater's own attribute keys (see DESIGN.md, "Names"). */
export const ATTR = {
  DEPENDENCY: 'breakwater.dependency',
  ERROR_CATEGORY: 'breakwater.error.category',
  ERROR_RETRYABLE: 'breakwater.error.retryable',
  ERROR_SOURCE: 'breakwater.error.source',
  RETRY_ATTEMPTS: 'breakwater.retry.attempts',
  BREAKER_STATE: 'breakwater.breaker.state',
  BREAKER_SOURCE: 'breakwater.breaker.source',
  FALLBACK: 'breakwater.fallback',
  /** `true` on an operation whose streamed body the consumer stopped reading (not a failure). */
  STREAM_ABANDONED: 'breakwater.stream.abandoned',
  /**
   * `true` on a span whose captured content was cut to its size bound (older messages, ends of
   * long strings) or, past it even emptied, left out.
   */
  CONTENT_TRUNCATED: 'breakwater.content.truncated',
  /**
   * `operation` on the logical GenAI/tool span that wraps the resilience pipeline; `attempt` on
   * each per-attempt CLIENT child. SLIs count operations; dependency health counts attempts.
   */
  ROLE: 'breakwater.role',
  /** Outcome of a call on the `breakwater.calls` metric: `success`, `failure`, `rejected`, `fallback`. */
  OUTCOME: 'breakwater.outcome',
  /** Breaker state label on the `breakwater.circuit_breaker.state` gauge. */
  STATE: 'state',
  /** Previous state label on `breakwater.circuit_breaker.transitions`. */
  FROM_STATE: 'breakwater.breaker.from',
  /** Next state label on `breakwater.circuit_breaker.transitions`. */
  TO_STATE: 'breakwater.breaker.to',
  /** What the control client did with a received signal (see {@link SIGNAL_RESULTS}). */
  SIGNAL_RESULT: 'breakwater.signal.result',
  /** Back-off delay before a retry, ms (on the `breakwater.retry` span event). */
  RETRY_DELAY_MS: 'breakwater.retry.delay_ms',
  /** `attempt` or `call`: what a deadline covered (on the `breakwater.timeout` span event). */
  TIMEOUT_SCOPE: 'breakwater.timeout.scope',
  /** Failures of one category inside an aggregator's window (on `breakwater.error_pattern`). */
  PATTERN_COUNT: 'breakwater.error_pattern.count',
} as const;

/** Span event names the resilience policies add to the active span. */
export const SPAN_EVENT = {
  /** An attempt failed and another will follow after a back-off. */
  RETRY: 'breakwater.retry',
  /** A policy refused the call (open breaker, empty budget, full bulkhead). */
  REJECTED: 'breakwater.rejected',
  /** A deadline passed. */
  TIMEOUT: 'breakwater.timeout',
  /** A fallback produced the result. */
  FALLBACK: 'breakwater.fallback',
  /** An error aggregator saw one category cross its threshold. */
  ERROR_PATTERN: 'breakwater.error_pattern',
} as const;

/** GenAI operation names (`gen_ai.operation.name`) that Breakwater emits. */
export const GEN_AI_OPERATIONS = [
  'chat',
  'text_completion',
  'embeddings',
  'generate_content',
  'execute_tool',
  'invoke_agent',
  'create_agent',
] as const;
/** A `gen_ai.operation.name` Breakwater emits (one of {@link GEN_AI_OPERATIONS}). */
export type GenAiOperation = (typeof GEN_AI_OPERATIONS)[number];

/** Where a breaker decision came from. */
export const BREAKER_SOURCES = ['local', 'fleet'] as const;
/**
 * Where a breaker decision came from (`breakwater.breaker.source`): `local` (this process's own
 * breaker) or `fleet` (an override from a collector signal).
 */
export type BreakerSource = (typeof BREAKER_SOURCES)[number];

/** Outcomes on the `breakwater.calls` counter. */
export const CALL_OUTCOMES = ['success', 'failure', 'rejected', 'fallback'] as const;
/**
 * Outcome of one logical call on the `breakwater.calls` counter: `success`, `failure`, `rejected`
 * (a policy refused it) or `fallback` (a fallback produced the result).
 */
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Values of {@link ATTR.ROLE}. */
export const SPAN_ROLES = ['operation', 'attempt'] as const;
/**
 * Value of `breakwater.role`: `operation` on the logical span wrapping the pipeline, `attempt` on
 * each per-attempt CLIENT child.
 */
export type SpanRole = (typeof SPAN_ROLES)[number];

/**
 * Values of {@link ATTR.SIGNAL_RESULT}: `applied` (override set), `cleared` (a `closed` signal
 * removed one), `malformed` (failed the schema or was not JSON), `unknown_event` (an SSE event
 * type, or a signal `kind`, the client does not know: a newer collector's), `foreign` (scoped to
 * another service), `stale` (older than the signal already in force for the dependency; within
 * one collector run, by event-id sequence),
 * `over_limit` (an `open`/`half_open` signal for a dependency with no override and no breaker,
 * dropped because the client already holds as many overrides as its dependency limit allows).
 * Only `applied` and `cleared` change anything.
 */
export const SIGNAL_RESULTS = [
  'applied',
  'cleared',
  'malformed',
  'unknown_event',
  'foreign',
  'stale',
  'over_limit',
] as const;
/** What the control client did with a received signal; see {@link SIGNAL_RESULTS} for each value. */
export type SignalResult = (typeof SIGNAL_RESULTS)[number];
