import { CATEGORY_DEFAULTS, type GenAiOperation } from '@breakwater/protocol';
import { type SpanRecord, STATUS_ERROR } from '../../decode/span-record.ts';

/** How one span counts toward its dependency's health. */
export type HealthOutcome = 'success' | 'failure' | 'ignored';

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CONSUMER = 5;
const SPAN_KIND_INTERNAL = 1;
/**
 * An in-process agent's span (INTERNAL, as `agent()` makes) wraps the calls it makes: the agent
 * is no dependency of its own. A remote agent service's `invoke_agent` is a CLIENT span: it is one.
 */
const AGENT_OPERATIONS: ReadonlySet<string> = new Set<GenAiOperation>(['invoke_agent', 'create_agent']);

/**
 * Decides whether a span is a call that reached the dependency and, if so, whether the
 * dependency failed it.
 *
 * - `attempt` spans (and spans without a Breakwater role) are the calls the dependency saw.
 *   `operation` spans are ignored: they wrap the attempts, so counting them too would count one
 *   logical call twice, and retries would hide behind one operation.
 * - Only dependency-side failures count (`breakwater.error.source`, else the category's default
 *   source). Caller-side errors (authentication, permission, quota, validation, ...) say nothing
 *   about the dependency's health, and policy refusals (open breaker, empty budget, full
 *   bulkhead) were never calls: both are ignored, neither success nor failure.
 * - A span without Breakwater attributes fails when its status is ERROR, unless its
 *   `error.type` is an HTTP 4xx status other than 408/429 (the caller's fault).
 * - Server and consumer spans describe the reporting service itself, not a dependency; in-process
 *   agent spans (INTERNAL `invoke_agent`, `create_agent`) wrap the agent's own calls, counted on
 *   their spans.
 */
export function classifyForHealth(span: SpanRecord): HealthOutcome {
  if (span.role === 'operation') return 'ignored';
  if (span.role === undefined) {
    if (span.kind === SPAN_KIND_SERVER || span.kind === SPAN_KIND_CONSUMER) return 'ignored';
    const agent = span.operationName !== undefined && AGENT_OPERATIONS.has(span.operationName);
    if (agent && span.kind === SPAN_KIND_INTERNAL) return 'ignored';
  }
  const source =
    span.errorSource ??
    (span.errorCategory === undefined ? undefined : CATEGORY_DEFAULTS[span.errorCategory].source);
  if (source === 'dependency') return 'failure';
  if (source === 'caller' || source === 'policy') return 'ignored';
  if (span.statusCode === STATUS_ERROR) return isCallerHttpStatus(span.errorType) ? 'ignored' : 'failure';
  return 'success';
}

/** `error.type` values such as `"401"`: client errors, except timeouts and rate limits. */
function isCallerHttpStatus(errorType: string | undefined): boolean {
  if (errorType === undefined || errorType.length !== 3) return false;
  const code = Number(errorType);
  return Number.isInteger(code) && code >= 400 && code < 500 && code !== 408 && code !== 429;
}
