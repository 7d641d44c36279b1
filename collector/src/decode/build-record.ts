import {
  BREAKER_SOURCES,
  type BreakerSource,
  dependencyKey,
  ERROR_CATEGORIES,
  type ErrorCategory,
  FAULT_SOURCES,
  type FaultSource,
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
  S_SYSTEM,
  S_TOOL,
  type ScalarValue,
} from './attribute-plan.ts';
import {
  capChars,
  capOptional,
  MAX_DEPENDENCY_CHARS,
  MAX_ERROR_TYPE_CHARS,
  MAX_LABEL_CHARS,
  MAX_SERVICE_CHARS,
  MAX_VERSION_CHARS,
  UNSET_VERSION_LABEL,
} from './identity.ts';
import { providerOfSystem } from './provider-of-system.ts';
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

/**
 * Resource fields from the resource attribute values a decoder collected, capped in length (see
 * `identity.ts`). A `service.version` of `(unset)` counts as none: it would render as the same
 * `version` label as the spans without one.
 */
export function resourceInfo(plan: AttributePlan, values: readonly ScalarValue[]): ResourceInfo {
  const service = capped(values[R_SERVICE], MAX_SERVICE_CHARS);
  const version = capped(values[R_VERSION], MAX_VERSION_CHARS);
  return {
    service: service === undefined || service === '' ? UNKNOWN_SERVICE : service,
    serviceVersion: version === UNSET_VERSION_LABEL ? undefined : version,
    instanceId: capped(values[R_INSTANCE], MAX_LABEL_CHARS),
    extra: plan.extras(values, undefined),
  };
}

/**
 * Membership test of an attribute value in a closed set of strings, remembering the last value
 * it saw: consecutive spans carry the same few values (the decoders hand out one string object
 * per distinct value), so most checks are one identity comparison instead of a `Set` lookup.
 */
class EnumCheck<T extends string> {
  private readonly allowed: ReadonlySet<string>;
  private last: ScalarValue = undefined;
  private lastResult: T | undefined = undefined;

  constructor(values: readonly T[]) {
    this.allowed = new Set(values);
  }

  of(value: ScalarValue): T | undefined {
    if (value === this.last) return this.lastResult;
    const result = typeof value === 'string' && this.allowed.has(value) ? (value as T) : undefined;
    this.last = value;
    this.lastResult = result;
    return result;
  }
}

const roleCheck = new EnumCheck<SpanRole>(SPAN_ROLES);
const sourceCheck = new EnumCheck<FaultSource>(FAULT_SOURCES);
const breakerSourceCheck = new EnumCheck<BreakerSource>(BREAKER_SOURCES);
const categoryCheck = new EnumCheck<ErrorCategory>(ERROR_CATEGORIES);

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
 * Strings are capped in length (see `identity.ts`); the dependency key is derived from the
 * attributes as sent, as the SDK derives it, and capped after.
 */
export function buildSpanRecord(
  core: SpanCore,
  resource: ResourceInfo,
  plan: AttributePlan,
  values: readonly ScalarValue[],
): SpanRecord {
  const provider = str(values[S_PROVIDER]) ?? providerOfSystem(str(values[S_SYSTEM]));
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
    name: capChars(core.name, MAX_LABEL_CHARS),
    kind: core.kind,
    endTimeMs: core.endTimeMs,
    durationMs: core.durationMs,
    statusCode: core.statusCode,
    service: resource.service,
    serviceVersion: resource.serviceVersion,
    instanceId: resource.instanceId,
    operationName: capped(values[S_OPERATION], MAX_LABEL_CHARS),
    provider: capOptional(provider, MAX_LABEL_CHARS),
    requestModel: capOptional(requestModel, MAX_LABEL_CHARS),
    toolName: capOptional(toolName, MAX_LABEL_CHARS),
    serverAddress: capOptional(serverAddress, MAX_LABEL_CHARS),
    errorType: capped(values[S_ERROR_TYPE], MAX_ERROR_TYPE_CHARS),
    dependency: capOptional(
      declared !== undefined && declared !== ''
        ? declared
        : dependencyKey({ provider, model: requestModel, toolName, serverAddress }),
      MAX_DEPENDENCY_CHARS,
    ),
    role: role === undefined ? undefined : roleCheck.of(role),
    errorCategory: category === undefined ? undefined : categoryCheck.of(category),
    errorSource: source === undefined ? undefined : sourceCheck.of(source),
    errorRetryable: typeof retryable === 'boolean' ? retryable : undefined,
    retryAttempts: typeof attempts === 'number' && Number.isFinite(attempts) ? attempts : undefined,
    breakerState: capped(values[S_BREAKER_STATE], MAX_LABEL_CHARS),
    breakerSource: breakerSource === undefined ? undefined : breakerSourceCheck.of(breakerSource),
    fallback: capped(values[S_FALLBACK], MAX_LABEL_CHARS),
    extra: plan.extras(values, resource.extra),
  };
}

/** A string value as sent; anything else reads as absent. */
function str(value: ScalarValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** {@link str}, capped at `max` characters. */
function capped(value: ScalarValue, max: number): string | undefined {
  return typeof value === 'string' ? capChars(value, max) : undefined;
}
