import { type SpanRecord, STATUS_ERROR, STATUS_OK } from '../../decode/span-record.ts';

let seq = 0;

/** A span record for tests: a successful `chat` operation of `checkout` 1.0.0, overridable. */
export function span(overrides: Partial<SpanRecord> = {}): SpanRecord {
  seq++;
  return {
    traceId: seq.toString(16).padStart(32, '0'),
    spanId: seq.toString(16).padStart(16, '0'),
    name: 'chat gpt-4o',
    kind: 3,
    endTimeMs: 0,
    durationMs: 100,
    statusCode: STATUS_OK,
    service: 'checkout',
    serviceVersion: '1.0.0',
    instanceId: undefined,
    operationName: 'chat',
    provider: 'openai',
    requestModel: 'gpt-4o',
    toolName: undefined,
    serverAddress: undefined,
    errorType: undefined,
    dependency: 'openai/gpt-4o',
    role: 'operation',
    errorCategory: undefined,
    errorSource: undefined,
    errorRetryable: undefined,
    retryAttempts: 1,
    breakerState: undefined,
    breakerSource: undefined,
    fallback: undefined,
    extra: undefined,
    ...overrides,
  };
}

/** A failed span with a category (its source left to the category's default unless given). */
export function failed(
  category: SpanRecord['errorCategory'],
  overrides: Partial<SpanRecord> = {},
): SpanRecord {
  return span({ statusCode: STATUS_ERROR, errorCategory: category, errorType: '500', ...overrides });
}

/**
 * An attempt span (what the fleet breaker counts) of replica `instanceId` of `agent` calling
 * `openai/gpt-4o`; `overloaded`: the dependency answered 529.
 */
export function attemptSpan(
  instanceId: string,
  overloaded: boolean,
  overrides: Partial<SpanRecord> = {},
): SpanRecord {
  return span({
    service: 'agent',
    serviceVersion: undefined,
    instanceId,
    role: 'attempt',
    durationMs: 10,
    retryAttempts: undefined,
    ...(overloaded
      ? { statusCode: STATUS_ERROR, errorType: '529', errorCategory: 'overloaded', errorSource: 'dependency' }
      : {}),
    ...overrides,
  });
}

/** `n` copies made by `make`. */
export function times(n: number, make: () => SpanRecord): SpanRecord[] {
  return Array.from({ length: n }, make);
}
