/**
 * Span and metric attribute keys. OpenTelemetry semantic conventions first; Breakwater's own
 * keys live under `breakwater.`. Both the SDK (which sets them) and the collector (which reads
 * them) import these constants, so a key is spelled exactly once.
 */

/** GenAI and general semantic-convention attribute keys that Breakwater sets or reads. */
export const SEMCONV = {
  GEN_AI_OPERATION_NAME: 'gen_ai.operation.name',
  GEN_AI_PROVIDER_NAME: 'gen_ai.provider.name',
  GEN_AI_REQUEST_MODEL: 'gen_ai.request.model',
  GEN_AI_RESPONSE_MODEL: 'gen_ai.response.model',
  GEN_AI_RESPONSE_ID: 'gen_ai.response.id',
  GEN_AI_RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  GEN_AI_USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  GEN_AI_USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  GEN_AI_TOKEN_TYPE: 'gen_ai.token.type',
  GEN_AI_TOOL_NAME: 'gen_ai.tool.name',
  GEN_AI_TOOL_CALL_ID: 'gen_ai.tool.call.id',
  GEN_AI_TOOL_TYPE: 'gen_ai.tool.type',
  GEN_AI_AGENT_NAME: 'gen_ai.agent.name',
  GEN_AI_REQUEST_STREAM: 'gen_ai.request.stream',
  GEN_AI_INPUT_MESSAGES: 'gen_ai.input.messages',
  GEN_AI_OUTPUT_MESSAGES: 'gen_ai.output.messages',
  ERROR_TYPE: 'error.type',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  HTTP_REQUEST_RESEND_COUNT: 'http.request.resend_count',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  SERVICE_INSTANCE_ID: 'service.instance.id',
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
  /**
   * `operation` on the logical GenAI/tool span that wraps the resilience pipeline; `attempt` on
   * each per-attempt CLIENT child. SLIs count operations; dependency health counts attempts.
   */
  ROLE: 'breakwater.role',
  /** Outcome of a call on the `breakwater.calls` metric: `success`, `failure`, `rejected`, `fallback`. */
  OUTCOME: 'breakwater.outcome',
  /** Breaker state label on the `breakwater.circuit_breaker.state` gauge. */
  STATE: 'state',
  /** Previous/next state labels on `breakwater.circuit_breaker.transitions`. */
  FROM_STATE: 'breakwater.breaker.from',
  TO_STATE: 'breakwater.breaker.to',
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
export type GenAiOperation = (typeof GEN_AI_OPERATIONS)[number];

/** Where a breaker decision came from. */
export const BREAKER_SOURCES = ['local', 'fleet'] as const;
export type BreakerSource = (typeof BREAKER_SOURCES)[number];

/** Outcomes on the `breakwater.calls` counter. */
export const CALL_OUTCOMES = ['success', 'failure', 'rejected', 'fallback'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** Values of {@link ATTR.ROLE}. */
export const SPAN_ROLES = ['operation', 'attempt'] as const;
export type SpanRole = (typeof SPAN_ROLES)[number];
