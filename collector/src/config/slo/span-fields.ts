import { ATTR, SEMCONV } from '@breakwater/protocol';
import type { SpanRecord } from '../../decode/span-record.ts';

/** Reads one value off a span. */
export type SpanField = (span: SpanRecord) => string | number | boolean | undefined;

/**
 * Attribute keys the decoders already lift into `SpanRecord` fields: selectors and groupings on
 * these read the field, so they never need `SpanRecord.extra`.
 */
export const KNOWN_ATTRIBUTE_FIELDS: ReadonlyMap<string, SpanField> = new Map<string, SpanField>([
  [SEMCONV.SERVICE_NAME, (s) => s.service],
  [SEMCONV.SERVICE_VERSION, (s) => s.serviceVersion],
  [SEMCONV.SERVICE_INSTANCE_ID, (s) => s.instanceId],
  [SEMCONV.GEN_AI_OPERATION_NAME, (s) => s.operationName],
  [SEMCONV.GEN_AI_PROVIDER_NAME, (s) => s.provider],
  [SEMCONV.GEN_AI_REQUEST_MODEL, (s) => s.requestModel],
  [SEMCONV.GEN_AI_TOOL_NAME, (s) => s.toolName],
  [SEMCONV.SERVER_ADDRESS, (s) => s.serverAddress],
  [SEMCONV.ERROR_TYPE, (s) => s.errorType],
  [ATTR.DEPENDENCY, (s) => s.dependency],
  [ATTR.ROLE, (s) => s.role],
  [ATTR.ERROR_CATEGORY, (s) => s.errorCategory],
  [ATTR.ERROR_SOURCE, (s) => s.errorSource],
  [ATTR.ERROR_RETRYABLE, (s) => s.errorRetryable],
  [ATTR.RETRY_ATTEMPTS, (s) => s.retryAttempts],
  [ATTR.BREAKER_STATE, (s) => s.breakerState],
  [ATTR.BREAKER_SOURCE, (s) => s.breakerSource],
  [ATTR.FALLBACK, (s) => s.fallback],
]);

/** The span fields `groupBy` and selectors name directly. */
export const GROUP_FIELD_READERS = {
  operation: (s: SpanRecord) => s.operationName,
  provider: (s: SpanRecord) => s.provider,
  model: (s: SpanRecord) => s.requestModel,
  tool: (s: SpanRecord) => s.toolName,
  dependency: (s: SpanRecord) => s.dependency,
  span: (s: SpanRecord) => s.name,
} as const satisfies Record<string, SpanField>;

/** A reader for any `groupBy` dimension or attribute key. */
export function fieldReader(dim: string): SpanField {
  const direct = (GROUP_FIELD_READERS as Record<string, SpanField>)[dim] ?? KNOWN_ATTRIBUTE_FIELDS.get(dim);
  if (direct !== undefined) return direct;
  return (s) => s.extra?.[dim];
}
