import {
  BREAKER_SOURCES,
  type BreakerSource,
  dependencyKey,
  FAULT_SOURCES,
  type FaultSource,
  isErrorCategory,
  SPAN_ROLES,
  type SpanRole,
} from '@breakwater/protocol';
import {
  type AttributePlan,
  R_INSTANCE,
  R_SERVICE,
  R_VERSION,
  S_BREAKER_SOURCE,
  S_BREAKER_STATE,
  S_DEPENDENCY,
  S_ERROR_CATEGORY,
  S_ERROR_RETRYABLE,
  S_ERROR_SOURCE,
  S_ERROR_TYPE,
  S_FALLBACK,
  S_MODEL,
  S_OPERATION,
  S_PROVIDER,
  S_RETRY_ATTEMPTS,
  S_ROLE,
  S_SERVER,
  S_TOOL,
  type ScalarValue,
} from './attribute-plan.ts';
import type { SpanRecord } from './span-record.ts';

/** Service name OpenTelemetry SDKs report when none is configured. */
export const UNKNOWN_SERVICE = 'unknown_service';

/** What a resource contributes to each of its spans. */
export interface ResourceInfo {
  service: string;
  serviceVersion: string | undefined;
  instanceId: string | undefined;
  extra: Readonly<Record<string, string | number | boolean>> | undefined;
}

/** Resource fields from the resource attribute values a decoder collected. */
export function resourceInfo(plan: AttributePlan, values: readonly ScalarValue[]): ResourceInfo {
  const service = str(values[R_SERVICE]);
  return {
    service: service === undefined || service === '' ? UNKNOWN_SERVICE : service,
    serviceVersion: str(values[R_VERSION]),
    instanceId: str(values[R_INSTANCE]),
    extra: plan.extras(values, undefined),
  };
}

const ROLE_SET: ReadonlySet<string> = new Set(SPAN_ROLES);
const SOURCE_SET: ReadonlySet<string> = new Set(FAULT_SOURCES);
const BREAKER_SOURCE_SET: ReadonlySet<string> = new Set(BREAKER_SOURCES);

/** The span-level scalars both decoders read before building a record. */
export interface SpanCore {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  endTimeMs: number;
  durationMs: number;
  statusCode: number;
}

/**
 * Builds a {@link SpanRecord} from the span's core fields, its resource and the span attribute
 * values collected by slot. Always the same object shape (one hidden class for every record).
 */
export function buildSpanRecord(
  core: SpanCore,
  resource: ResourceInfo,
  plan: AttributePlan,
  values: readonly ScalarValue[],
): SpanRecord {
  const provider = str(values[S_PROVIDER]);
  const requestModel = str(values[S_MODEL]);
  const toolName = str(values[S_TOOL]);
  const serverAddress = str(values[S_SERVER]);
  const declared = str(values[S_DEPENDENCY]);
  const category = values[S_ERROR_CATEGORY];
  const role = values[S_ROLE];
  const source = values[S_ERROR_SOURCE];
  const breakerSource = values[S_BREAKER_SOURCE];
  const retryable = values[S_ERROR_RETRYABLE];
  const attempts = values[S_RETRY_ATTEMPTS];
  return {
    traceId: core.traceId,
    spanId: core.spanId,
    name: core.name,
    kind: core.kind,
    endTimeMs: core.endTimeMs,
    durationMs: core.durationMs,
    statusCode: core.statusCode,
    service: resource.service,
    serviceVersion: resource.serviceVersion,
    instanceId: resource.instanceId,
    operationName: str(values[S_OPERATION]),
    provider,
    requestModel,
    toolName,
    serverAddress,
    errorType: str(values[S_ERROR_TYPE]),
    dependency:
      declared !== undefined && declared !== ''
        ? declared
        : dependencyKey({ provider, model: requestModel, toolName, serverAddress }),
    role: typeof role === 'string' && ROLE_SET.has(role) ? (role as SpanRole) : undefined,
    errorCategory: isErrorCategory(category) ? category : undefined,
    errorSource: typeof source === 'string' && SOURCE_SET.has(source) ? (source as FaultSource) : undefined,
    errorRetryable: typeof retryable === 'boolean' ? retryable : undefined,
    retryAttempts: typeof attempts === 'number' && Number.isFinite(attempts) ? attempts : undefined,
    breakerState: str(values[S_BREAKER_STATE]),
    breakerSource:
      typeof breakerSource === 'string' && BREAKER_SOURCE_SET.has(breakerSource)
        ? (breakerSource as BreakerSource)
        : undefined,
    fallback: str(values[S_FALLBACK]),
    extra: plan.extras(values, resource.extra),
  };
}

function str(value: ScalarValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
