/**
 * The few ways this package writes attributes and status onto spans, so every span kind
 * (operation, attempt, tool, agent) spells failures the same way.
 */

import { ATTR, type BreakerSource, SEMCONV } from '@breakwater/protocol';
import type { Classification } from '@breakwater/resilience';
import { type Attributes, type Exception, type Span, SpanStatusCode } from '@opentelemetry/api';
import { memoized } from './bounded-memo.ts';

/** Breaker facts at the moment a call was admitted or refused. */
export interface BreakerFacts {
  readonly state: string;
  readonly source: BreakerSource;
}

/**
 * Longest error text written to a span, in UTF-16 code units: the status message, and the
 * recorded exception's message and stack trace each. An error can carry a whole response body
 * (a proxy's HTML error page, a validation error quoting its input), and each failed call would
 * otherwise write it three times on its operation span and once more on each attempt span.
 */
export const MAX_ERROR_TEXT = 8192;

/** Marks `span` failed with `c`. The exception itself is recorded only where the caller says. */
export function setFailure(span: Span, c: Classification, error: unknown, recordException: boolean): void {
  span.setAttributes({
    [SEMCONV.ERROR_TYPE]: c.errorType,
    [ATTR.ERROR_CATEGORY]: c.category,
    [ATTR.ERROR_RETRYABLE]: c.retryable,
    [ATTR.ERROR_SOURCE]: c.source,
  });
  const message = error instanceof Error ? error.message : undefined;
  span.setStatus(
    message === undefined
      ? { code: SpanStatusCode.ERROR }
      : { code: SpanStatusCode.ERROR, message: boundedText(message) },
  );
  if (recordException) span.recordException(boundedException(error));
}

/** `text`, or its start and how much was left out when it is longer than {@link MAX_ERROR_TEXT}. */
function boundedText(text: string): string {
  return text.length <= MAX_ERROR_TEXT
    ? text
    : `${text.slice(0, MAX_ERROR_TEXT)}… (${text.length - MAX_ERROR_TEXT} more characters)`;
}

/** The exception as the span records it, its message and stack bounded (the error itself unchanged). */
function boundedException(error: unknown): Exception {
  if (!(error instanceof Error)) return boundedText(String(error));
  const { message, stack } = error;
  if (message.length <= MAX_ERROR_TEXT && (stack === undefined || stack.length <= MAX_ERROR_TEXT))
    return error;
  // What the SDK reads of an Error: `code` (else `name`) as its type, its message and its stack.
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: boundedText(message),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(stack === undefined ? {} : { stack: boundedText(stack) }),
  };
}

/** Breaker facts for one dependency, as the guard reports them. */
export interface BreakerFactsSource {
  breakerFacts(dependency: string): BreakerFacts | undefined;
}

/**
 * Marks `span` as the operation of `dependency`, with the breaker's state at admission. Set after
 * the span started: only sampling-relevant attributes go in at start, where the SDK validates and
 * copies each one twice.
 */
export function setOperationAttributes(span: Span, dependency: string, guard: BreakerFactsSource): void {
  span.setAttribute(ATTR.ROLE, 'operation');
  span.setAttribute(ATTR.DEPENDENCY, dependency);
  setBreakerAttributes(span, guard.breakerFacts(dependency));
}

/** Marks `span` as try number `index` (0 for the first) of an operation on `dependency`. */
export function setAttemptAttributes(span: Span, dependency: string, index: number): void {
  span.setAttribute(ATTR.ROLE, 'attempt');
  span.setAttribute(ATTR.DEPENDENCY, dependency);
  if (index > 0) span.setAttribute(SEMCONV.HTTP_REQUEST_RESEND_COUNT, index);
}

/** Records the breaker's state and its source on `span`, when the dependency has a breaker. */
export function setBreakerAttributes(span: Span, facts: BreakerFacts | undefined): void {
  if (facts === undefined) return;
  span.setAttribute(ATTR.BREAKER_STATE, facts.state);
  span.setAttribute(ATTR.BREAKER_SOURCE, facts.source);
}

const serverCache = new Map<string, Readonly<Attributes>>();
const NONE: Readonly<Attributes> = Object.freeze({});

/**
 * Parses a base URL into `server.address` / `server.port`. Cached: a client's base URL rarely
 * changes, and URL parsing would otherwise run on every call. The result is frozen; copy it.
 */
export function serverAttributes(baseURL: unknown): Readonly<Attributes> {
  return typeof baseURL === 'string' ? memoized(serverCache, baseURL, 64, parseServer) : NONE;
}

function parseServer(baseURL: string): Readonly<Attributes> {
  try {
    const url = new URL(baseURL);
    const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    // An IPv6 host keeps its URL brackets in `hostname` (`[::1]`); the conventions want the address.
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return Object.freeze({ [SEMCONV.SERVER_ADDRESS]: host, [SEMCONV.SERVER_PORT]: port });
  } catch {
    return NONE;
  }
}
