import type { Clock } from '@breakwater/protocol';
import { ERROR_TYPE_OTHER, systemClock, throwProblems } from '@breakwater/protocol';
import { z } from 'zod';
import { ResilienceError } from '../core/errors.ts';
import { ClockSchema, parseOptions } from '../core/options.ts';
import { refusalOf } from '../core/refusal-of.ts';
import { warnOnce } from '../telemetry/safe.ts';
import type { Classification, ClassificationInput } from './classification.ts';
import { classification } from './classification.ts';
import {
  type GoogleStatus,
  googleQuotaWindow,
  googleReason,
  googleRetryDelayMs,
  googleStatusOf,
} from './google-rpc.ts';
import { awsErrorType, retryAfterFromHeaders, shouldRetryHeader } from './headers.ts';
import { httpCategory } from './http-status.ts';
import { mcpError, mcpTransportStatus } from './mcp-errors.ts';
import { findNetworkCode, networkCategory } from './network.ts';
import { awsExceptionCategory, providerTypeCategory } from './provider-type.ts';
import {
  classificationProblems,
  validateClassifierRule,
  validateClassifierRules,
} from './rule-validation.ts';

/**
 * A user rule, checked before the built-ins. Every condition given must hold: `instanceOf` (a
 * class), `when` (a predicate) and `message` (a pattern tested on `error.message`).
 */
export interface ClassifierRule {
  readonly instanceOf?: abstract new (...args: never[]) => unknown;
  readonly when?: (error: unknown) => boolean;
  readonly message?: RegExp;
  /** The result: a fixed classification, or a function of the error (`undefined` = rule does not apply). */
  readonly classify: ClassificationInput | ((error: unknown) => ClassificationInput | undefined);
}

/** Options of {@link Classifier}. */
export interface ClassifierOptions {
  /**
   * Rules checked in order before the built-ins. Each field is checked here: a rule of the wrong
   * shape throws a `TypeError` naming it, rather than failing every call it would be tried on.
   */
  readonly rules?: readonly ClassifierRule[];
  /** Whether `unknown` errors are retried (default false). */
  readonly unknownRetryable?: boolean;
  /** Clock used to turn an HTTP-date Retry-After into a delay. */
  readonly clock?: Clock;
}

// A misspelt `rules` would leave every rule out; the rules themselves are checked field by field
// by `validateClassifierRules`.
const OptionsSchema = z.object({
  rules: z.unknown().optional(),
  unknownRetryable: z.boolean().default(false),
  clock: ClockSchema.default(systemClock),
});

/** Hints about the call that failed. */
export interface ClassifyHint {
  /** Dependency key; for `tool/…` keys unrecognised errors are `tool_error` rather than `unknown`. */
  readonly dependency?: string | undefined;
}

const SAFE_TYPE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

function lowCardinality(value: string | undefined): string | undefined {
  return value !== undefined && SAFE_TYPE_RE.test(value) ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Whether `error`, or an error down its `cause` chain, is a client's `RetryableError`. */
function retryRequested(error: object): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    if (classNames(current).includes('RetryableError')) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Names on the prototype chain, to recognise client error classes without importing them. */
function classNames(error: object): string[] {
  const names: string[] = [];
  let proto: unknown = Object.getPrototypeOf(error);
  for (let i = 0; i < 8 && proto !== null && proto !== Object.prototype; i++) {
    const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
    if (typeof ctor?.name === 'string') names.push(ctor.name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

function providerOf(names: readonly string[]): string | undefined {
  if (names.includes('OpenAIError')) return 'openai';
  if (names.includes('AnthropicError')) return 'anthropic';
  return undefined;
}

/**
 * The HTTP status of a failed response the error carries (`status`, the AI SDK's `statusCode`,
 * `response.status`). A 1xx–3xx is no failure status: the AI SDK names the 200 a stream started
 * with on an error that cut it off later, which its cause (a dropped connection) says more of.
 */
function statusOf(error: object): number | undefined {
  const e = error as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const candidate of [e.status, e.statusCode, e.response?.status]) {
    if (typeof candidate === 'number' && candidate >= 400 && candidate <= 599) return candidate;
  }
  return undefined;
}

/** The fields of a provider error the classifier reads (each client puts them elsewhere). */
interface ProviderErrorFields {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  type?: unknown;
  errorCode?: unknown;
  headers?: unknown;
  /**
   * The AI SDK's `APICallError`: the response's headers and its parsed error body. (Its
   * `isRetryable` says what its status alone says; the category read here from the status and
   * the body is finer: a 429 for an exhausted quota is not worth a retry.)
   */
  responseHeaders?: unknown;
  /** The parsed body: `{ error: { … } }`, or (an AI SDK stream's error part) the error itself. */
  data?: { error?: { type?: unknown; code?: unknown } };
  response?: { headers?: unknown };
  error?: { type?: unknown; code?: unknown; error?: { type?: unknown } };
}

/**
 * The provider's error code and type: on the error itself, in its `error` body (the Stainless
 * clients), or in its parsed body `data.error` (the AI SDK: OpenAI's `{ error: { code, type } }`,
 * Anthropic's `{ type: 'error', error: { type } }`). A Google status (Gemini, Vertex AI) has a
 * numeric `code` (the HTTP status): its type is the status name (`RESOURCE_EXHAUSTED`), its code
 * an `ErrorInfo` reason (`API_KEY_INVALID`) where it has one.
 */
function providerDetail(
  e: ProviderErrorFields,
  google: GoogleStatus | undefined,
): { code: string | undefined; type: string | undefined } {
  return {
    code:
      str(e.errorCode) ??
      (typeof e.code === 'string' ? e.code : undefined) ??
      str(e.error?.code) ??
      str(e.data?.error?.code) ??
      (google === undefined ? undefined : googleReason(google)),
    type:
      str(e.type) ??
      str(e.error?.error?.type) ??
      str(e.error?.type) ??
      str(e.data?.error?.type) ??
      google?.status,
  };
}

/**
 * Turns any thrown value into a {@link Classification}. User rules run first, then the built-ins:
 * Breakwater's own errors, HTTP status with provider detail (duck-typed on `status`, `type`,
 * `code`, so neither client library is a dependency), the MCP client's errors (by their JSON-RPC
 * code or HTTP status), abort/timeout errors, Node/undici network codes, and finally `unknown`.
 */
export class Classifier {
  private readonly rules: PreparedRule[];
  private readonly unknownRetryable: boolean;
  private readonly clock: Clock;
  private readonly reportRule = warnOnce('Breakwater Classifier rule failed and was skipped');

  /** @throws TypeError naming each field of `rules` that is not what the classifier uses. */
  constructor(options: ClassifierOptions = {}) {
    const o = parseOptions(OptionsSchema, options, 'Classifier');
    const rules = (o.rules ?? []) as readonly ClassifierRule[];
    validateClassifierRules(rules, 'rules');
    this.rules = rules.map((rule, i) => preparedRule(rule, `rules[${i}]`));
    this.unknownRetryable = o.unknownRetryable;
    this.clock = o.clock;
  }

  /**
   * Adds a rule ahead of the built-ins (after earlier user rules). Returns `this`.
   * @throws TypeError naming each field of `rule` that is not what the classifier uses.
   */
  addRule(rule: ClassifierRule): this {
    const where = `rules[${this.rules.length}]`;
    validateClassifierRule(rule, where);
    this.rules.push(preparedRule(rule, where));
    return this;
  }

  classify(error: unknown, hint?: ClassifyHint): Classification {
    try {
      return this.classifyReadable(error, hint);
    } catch {
      // An error that cannot be read (a revoked Proxy, a trap or getter that throws) says nothing
      // of what failed. Classification runs while the call holds a breaker probe or a bulkhead
      // slot, so it must not throw: a throw here would leave them taken.
      return this.unknown(hint, ERROR_TYPE_OTHER);
    }
  }

  private classifyReadable(error: unknown, hint: ClassifyHint | undefined): Classification {
    if (error instanceof ResilienceError) return error.classification;
    // A client's error an instrumented call failed with, after a policy refused it.
    const refusal = refusalOf(error);
    if (refusal !== undefined) return refusal.classification;
    for (const rule of this.rules) {
      let result: ClassificationInput | undefined;
      try {
        result = applyRule(rule, error);
      } catch (bug) {
        // Classification runs while the call holds a breaker probe or a bulkhead slot: a throw
        // from here would leave them taken. The broken rule is skipped, and said once by name.
        this.reportRule(`${rule.where}: ${String(bug)}`);
        continue;
      }
      if (result !== undefined) return classification(result, errorTypeOf(error, result));
    }
    return this.builtIn(error, hint);
  }

  private builtIn(error: unknown, hint: ClassifyHint | undefined): Classification {
    if (error === null || typeof error !== 'object') return this.unknown(hint, ERROR_TYPE_OTHER);
    const names = classNames(error);
    const provider = providerOf(names);
    const e = error as ProviderErrorFields;
    const name = str(e.name) ?? names[0] ?? 'Error';
    const status = statusOf(error) ?? mcpTransportStatus(error, names);
    if (status !== undefined) {
      const google = googleStatusOf(e.data);
      const { code, type } = providerDetail(e, google);
      const headers = e.headers ?? e.response?.headers ?? e.responseHeaders;
      // Google asks for a wait in the body (`RetryInfo`), the others in a header.
      const bodyRetryDelayMs = google === undefined ? undefined : googleRetryDelayMs(google);
      const retryAfterMs = retryAfterFromHeaders(headers, this.clock.now()) ?? bodyRetryDelayMs;
      // Bedrock names its exception in a header (the body is only `{ message }`). A known one
      // decides the category, being more specific than the status: a 424 is the model failing,
      // a 400 may be a quota. Except `validationException`: the status and message rules say
      // more of a 400 (a prompt too long, a content filter).
      const awsType = awsErrorType(headers);
      const awsCategory = awsType === undefined ? undefined : awsExceptionCategory(awsType);
      const category =
        awsCategory !== undefined && awsCategory !== 'validation'
          ? awsCategory
          : httpCategory({
              status,
              code,
              type,
              message: str(e.message) ?? '',
              quotaWindow: google === undefined ? undefined : googleQuotaWindow(google),
              bodyRetryDelayMs,
            });
      const verdict = shouldRetryHeader(headers);
      const retryable = category === 'quota_exhausted' ? false : verdict;
      return classification(
        { category, status, retryAfterMs, provider, ...(retryable === undefined ? {} : { retryable }) },
        awsType ?? lowCardinality(code) ?? lowCardinality(type) ?? String(status),
      );
    }
    const mcp = mcpError(error, names);
    if (mcp !== undefined) {
      return mcp.category === undefined
        ? this.unknown(hint, mcp.errorType)
        : classification({ category: mcp.category }, mcp.errorType);
    }
    if (name === 'AbortError' || names.includes('APIUserAbortError')) {
      return classification({ category: 'cancelled', provider }, 'AbortError');
    }
    if (name === 'TimeoutError' || names.includes('APIConnectionTimeoutError')) {
      return classification({ category: 'timeout', provider }, 'timeout');
    }
    const networkCode = findNetworkCode(error);
    if (networkCode !== undefined) {
      return classification({ category: networkCategory(networkCode) ?? 'network', provider }, networkCode);
    }
    if (names.includes('APIConnectionError'))
      return classification({ category: 'network', provider }, 'connection_error');
    // The client's own "retry this" (thrown by request middleware, or found down the cause chain),
    // which the client itself retries like a connection error.
    if (retryRequested(error)) return classification({ category: 'network', provider }, 'retryable_error');
    if (provider !== undefined) {
      // A client error without a status: an error event inside a stream that began with a 200.
      const { code, type } = providerDetail(e, undefined);
      const category = providerTypeCategory(code, type);
      if (category !== undefined) {
        return classification(
          { category, provider },
          lowCardinality(code) ?? lowCardinality(type) ?? ERROR_TYPE_OTHER,
        );
      }
    }
    if (names.includes('ContentFilterFinishReasonError')) {
      return classification({ category: 'content_filter', provider }, 'content_filter');
    }
    if (names.includes('LengthFinishReasonError'))
      return classification({ category: 'context_length', provider }, 'length');
    const type = names[0] !== undefined && names[0] !== 'Error' ? lowCardinality(names[0]) : undefined;
    return this.unknown(hint, type ?? ERROR_TYPE_OTHER, provider);
  }

  private unknown(hint: ClassifyHint | undefined, errorType: string, provider?: string): Classification {
    const category = hint?.dependency?.startsWith('tool/') ? 'tool_error' : 'unknown';
    return classification({ category, retryable: this.unknownRetryable, provider }, errorType);
  }
}

/** A rule ready to apply, with its place among the rules for messages. */
interface PreparedRule extends ClassifierRule {
  readonly where: string;
}

/**
 * A checked rule made ready to apply. A `message` pattern with the `g` or `y` flag would keep its
 * `lastIndex` between errors, so one error would match and the next identical one miss: the rule
 * gets its own copy without those flags (the caller's pattern is left as it is).
 */
function preparedRule(rule: ClassifierRule, where: string): PreparedRule {
  const { message } = rule;
  if (message === undefined || !(message.global || message.sticky)) return { ...rule, where };
  return { ...rule, where, message: new RegExp(message.source, message.flags.replace(/[gy]/g, '')) };
}

function applyRule(rule: PreparedRule, error: unknown): ClassificationInput | undefined {
  if (rule.instanceOf !== undefined && !(error instanceof rule.instanceOf)) return undefined;
  if (rule.message !== undefined) {
    const message = (error as { message?: unknown } | null)?.message;
    if (typeof message !== 'string' || !rule.message.test(message)) return undefined;
  }
  if (rule.when !== undefined && !rule.when(error)) return undefined;
  if (typeof rule.classify !== 'function') return rule.classify;
  const result = rule.classify(error);
  // Only a function's result is left to check at call time; a fixed one was checked when given.
  if (result !== undefined) {
    throwProblems(
      'Classifier rule returned an invalid classification',
      // The rule is named where the failure is reported (see `classifyReadable`).
      classificationProblems(result, 'classify(error)'),
    );
  }
  return result;
}

function errorTypeOf(error: unknown, result: ClassificationInput): string {
  if (result.errorType !== undefined) return result.errorType;
  if (error !== null && typeof error === 'object') {
    const name = Object.getPrototypeOf(error)?.constructor?.name;
    if (typeof name === 'string' && name !== 'Error') return lowCardinality(name) ?? ERROR_TYPE_OTHER;
  }
  return result.category;
}

/** The classifier used when none is given. */
export const defaultClassifier: Classifier = new Classifier();

/** Classifies with the {@link defaultClassifier}. */
export function classify(error: unknown, hint?: ClassifyHint): Classification {
  return defaultClassifier.classify(error, hint);
}
