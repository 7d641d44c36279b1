import type { BreakerSource, ErrorCategory, FaultSource, SpanRole } from '@breakwater/protocol';

/** OTLP span status codes. */
export const STATUS_UNSET = 0;
export const STATUS_OK = 1;
export const STATUS_ERROR = 2;

/**
 * One span, reduced to what the collector's pipeline needs. The decoders (protobuf and JSON)
 * fill it by walking only these fields; everything after `decode` reads spans only through it.
 * Optional fields are `undefined` when the span did not carry the attribute (or carried it with
 * the wrong type).
 */
export interface SpanRecord {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** End time, epoch milliseconds (fractional). */
  endTimeMs: number;
  /** end - start, milliseconds. */
  durationMs: number;
  /** {@link STATUS_UNSET}, {@link STATUS_OK} or {@link STATUS_ERROR}. */
  statusCode: number;

  // Resource attributes.
  service: string;
  serviceVersion: string | undefined;
  instanceId: string | undefined;

  // Span attributes (semantic conventions).
  operationName: string | undefined;
  provider: string | undefined;
  requestModel: string | undefined;
  toolName: string | undefined;
  serverAddress: string | undefined;
  errorType: string | undefined;

  // Span attributes (breakwater.*).
  /** `breakwater.dependency`, else computed with `dependencyKey` from the fields above. */
  dependency: string | undefined;
  role: SpanRole | undefined;
  errorCategory: ErrorCategory | undefined;
  errorSource: FaultSource | undefined;
  errorRetryable: boolean | undefined;
  retryAttempts: number | undefined;
  breakerState: string | undefined;
  breakerSource: BreakerSource | undefined;
  fallback: string | undefined;

  /**
   * Further attributes the configuration's selectors ask for (span attributes override resource
   * attributes of the same key). Empty unless requested, so the common case allocates nothing.
   */
  extra: Readonly<Record<string, string | number | boolean>> | undefined;
}

/** Result of decoding one OTLP trace export request. */
export interface DecodedTraces {
  spans: SpanRecord[];
  /** Spans dropped as invalid (reported to the client as `partial_success`). */
  rejectedSpans: number;
  /** Why spans were rejected, for the `partial_success.error_message`. */
  rejectionMessage: string | undefined;
}
